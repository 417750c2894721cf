package org.rangelock.sim.kernel;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.rangelock.sim.exclusion.Exclusion;
import org.rangelock.sim.race.Races;

/**
 * One simulated machine: a block device, physical memory, a filesystem with its page cache, the
 * MMU, and the operations on them, all run under one {@link Exclusion} strategy and one {@link
 * Races} control.
 *
 * <p>Where things live: faults in {@link FaultHandler}; buffered read and write in {@link
 * BufferedIo}; direct IO in {@link DirectIo}; writeback and fsync in {@link Writeback}; truncate,
 * punch, zero, collapse, insert and fallocate in {@link PageKillers}; reclaim in {@link Reclaim};
 * page migration in {@link Migration}; the block map and the page-cache helpers they share in
 * {@link FileSystem}; loads, stores, PTEs and TLBs in {@link Mmu}.
 */
public final class Kernel {
  public final Races races;
  public final Exclusion exclusion;
  public final BlockDevice device;
  public final PhysicalMemory memory;
  public final FileSystem fs;
  public final Mmu mmu;
  public final FaultHandler faults;
  public final BufferedIo io;
  public final DirectIo direct;
  public final Writeback writeback;
  public final PageKillers killers;
  public final Reclaim reclaim;
  public final Migration migration;
  private final List<AddressSpace> spaces = new CopyOnWriteArrayList<>();

  public Kernel(Exclusion exclusion, Races races, int blocks) {
    this(exclusion, races, new BlockDevice(blocks, races));
  }

  /**
   * A machine on a block device it may share with other kernels ({@link BlockDevice#shared}): one
   * node of a shared-disk cluster. Files another node created are opened with {@link
   * FileSystem#openShared}.
   */
  public Kernel(Exclusion exclusion, Races races, BlockDevice device) {
    this.races = races;
    this.exclusion = new ObservedExclusion(exclusion, races);
    this.device = device;
    this.memory = new PhysicalMemory(races);
    this.fs = new FileSystem(this);
    this.mmu = new Mmu(this);
    this.faults = new FaultHandler(this);
    this.io = new BufferedIo(this);
    this.direct = new DirectIo(this);
    this.writeback = new Writeback(this);
    this.killers = new PageKillers(this);
    this.reclaim = new Reclaim(this);
    this.migration = new Migration(this);
  }

  /** A new, empty address space. */
  public AddressSpace newAddressSpace() {
    AddressSpace mm = new AddressSpace(this, spaces.size() + 1);
    spaces.add(mm);
    return mm;
  }

  public List<AddressSpace> addressSpaces() {
    return List.copyOf(spaces);
  }

  /**
   * What a quiescent machine still holds that nothing refers to, described (empty when nothing): a
   * frame no cached page and no PTE owns, a cached page with references beyond the cache's and its
   * PTEs', a block no block map names, a pinned frame, a lock hold of the strategy.
   */
  public java.util.List<String> leaks() {
    java.util.List<String> out = new java.util.ArrayList<>();
    int expected = 0;
    for (Inode inode : fs.inodes()) {
      for (Page p : inode.cache.all()) {
        expected++;
        int refs = p.refs.get();
        int want = 1 + p.mapcount.get();
        if (refs != want) {
          out.add(p + " has " + refs + " references, the cache and its PTEs account for " + want);
        }
      }
      int owned = device.ownedBy(inode.id);
      int mapped = inode.allocatedIndices().size();
      if (owned != mapped) {
        out.add(inode + " owns " + owned + " blocks, its block map names " + mapped);
      }
    }
    // Frames PTEs own beside the cache's: private copies, and pages a PTE still maps after they
    // left the cache (a STALE_MAPPING, reported as such, not as a leak).
    java.util.Set<FrameRef> mapped = new java.util.HashSet<>();
    for (AddressSpace mm : spaces) {
      for (Pte pte : mm.entries().values()) {
        if (pte.page == null || pte.page.removed) {
          mapped.add(pte.frame);
        }
      }
    }
    expected += mapped.size();
    int inUse = memory.framesInUse();
    if (inUse != expected) {
      out.add(inUse + " frames in use, cached pages and private PTEs account for " + expected);
    }
    if (mmu.anonymousPins() != 0) {
      out.add(mmu.anonymousPins() + " anonymous frames still pinned");
    }
    String held = exclusion.heldAtQuiescence();
    if (!held.isEmpty()) {
      out.add("still held: " + held);
    }
    return out;
  }

  /**
   * What a node does when it gives up its right to cache pages {@code [from, to)} of {@code inode}
   * (a cluster token's revocation callback, or a glock's demotion): write the dirty pages back and
   * wait ({@code filemap_write_and_wait_range}), zap the PTEs that map the range ({@code
   * unmap_mapping_range}, private copies kept), run {@code afterUnmap}, then drop the pages from
   * the cache ({@code truncate_inode_pages_range}: a page dirtied since the writeback is dropped
   * with its data). It takes no lock of the strategy: the caller says what excludes what.
   */
  public void writeBackAndInvalidate(Inode inode, long from, long to, Runnable afterUnmap) {
    writeback.syncRange(inode, from, to, true);
    mmu.unmapMappingRange(inode, from, to, false);
    afterUnmap.run();
    fs.truncateCache(inode, from, to);
  }

  /**
   * Writes back the dirty pages {@code [from, to)} of {@code inode} and waits ({@code
   * filemap_write_and_wait_range}) without taking any lock of the strategy: for a caller whose own
   * lock covers the range.
   */
  public void writeBackHeld(Inode inode, long from, long to) {
    writeback.syncRange(inode, from, to, true);
  }

  /**
   * Writes back the dirty pages {@code [from, to)} of {@code inode} and does not wait ({@code
   * filemap_fdatawrite} alone): a page whose write another thread has in flight is not waited for.
   * Takes no lock of the strategy. For tests of a revocation callback that does not wait.
   */
  public void writeBackStartHeld(Inode inode, long from, long to) {
    writeback.startRange(inode, from, to, true);
  }

  boolean pageLock() {
    return exclusion.usesPageLock();
  }
}
