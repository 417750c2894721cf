package org.rangelock.sim.kernel;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rangelock.sim.exclusion.Exclusion.Held;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * The filesystem proper: inodes, their sizes and block maps (block, hole or unwritten extent),
 * reading a page from disk ({@code readpage}), and the page-cache helpers every operation shares:
 * finding or creating a page, truncating a range of the cache, invalidating it.
 *
 * <p>Blocks are as large as pages. Block-map changes hold the inode's {@code mapLock}; nothing here
 * takes a strategy's lock except {@link #getPage} and {@link #readaheadPage} around page creation,
 * where the strategy asks for it ({@code invalidate_lock} shared in Linux 5.15).
 */
public final class FileSystem {
  private final Kernel k;
  private final List<Inode> inodes = new ArrayList<>();

  FileSystem(Kernel k) {
    this.k = k;
  }

  /** A new empty file. */
  public synchronized Inode create() {
    Inode inode = new Inode(inodes.size() + 1);
    inodes.add(inode);
    return inode;
  }

  /**
   * This kernel's view of {@code file}, a file another kernel created on the same shared block
   * device (a cluster node opening a file of a shared-disk filesystem): the same id, block map and
   * size, kept coherent with the other views (every size change is written to all of them under the
   * block map's lock); its own page cache and mappings. The caller keeps the views coherent with
   * each other's caches (the cluster's tokens do that); the filesystem does not.
   */
  public synchronized Inode openShared(Inode file) {
    Inode view = new Inode(file);
    inodes.add(view);
    return view;
  }

  /** {@code unlink}: the name goes; the inode lives until its last reference is put. */
  public void unlink(Inode inode) {
    inode.unlinked = true;
    if (inode.refs.get() == 0) {
      evict(inode);
    }
  }

  /** {@code ihold} / {@code get_file}: one more reference. */
  void get(Inode inode) {
    if (inode.refs.getAndIncrement() <= 0) {
      throw new IllegalStateException(inode + " referenced after its last put");
    }
  }

  /**
   * {@code iput} / {@code fput}: drops a reference ({@code close} of the creator's open file is
   * one); the last one on an unlinked file evicts the inode on the calling thread.
   */
  public void put(Inode inode) {
    int left = inode.refs.decrementAndGet();
    if (left < 0) {
      throw new IllegalStateException(inode + " put more often than referenced");
    }
    if (left == 0 && inode.unlinked) {
      evict(inode);
    }
  }

  /**
   * {@code evict}: marks the inode as freeing, then drops its whole cache ({@code
   * truncate_inode_pages_final}, which waits on each page's lock and writeback) and frees its
   * blocks (the filesystem's {@code evict_inode}). No lock of the strategy: in every kernel nobody
   * else can reach an inode whose last reference is gone — which is why a fault must not read into
   * it with no reference of its own.
   */
  void evict(Inode inode) {
    inode.evicted = true;
    k.races.hit(RacePoint.EVICT_BEFORE_TRUNCATE, "evict " + inode);
    truncateCache(inode, 0, Long.MAX_VALUE);
    freeBlocks(inode, 0, Long.MAX_VALUE);
    k.races.log("evicted " + inode);
  }

  /** Reports a page inserted into the cache of an inode whose eviction has begun. */
  private void checkNotEvicted(Page fresh) {
    if (fresh.inode.evicted) {
      k.races.violation(
          ViolationKind.PAGE_OF_EVICTED_INODE,
          "created " + fresh + " in the cache of " + fresh.inode + " after its eviction began");
    }
  }

  public synchronized List<Inode> inodes() {
    return List.copyOf(inodes);
  }

  // ---- size and block map --------------------------------------------------------------

  /**
   * Grows the size to {@code newSize}, zeroing the old last page's tail in the cache (bytes a store
   * left past the old EOF must not become file data: {@code pagecache_isize_extended}).
   */
  void extendSize(Inode inode, long newSize) {
    extendSize(inode, newSize, true);
  }

  /**
   * As {@link #extendSize(Inode, long)}; a buffered write, which zeroes its own gap, passes false.
   */
  void extendSize(Inode inode, long newSize, boolean zeroTail) {
    long old;
    synchronized (inode.mapLock) {
      old = inode.sizeFor(0, newSize, "extend " + inode + " to " + newSize);
      if (newSize <= old) {
        return;
      }
      inode.publishSize(newSize);
    }
    if (zeroTail && old % PAGE != 0) {
      Page p = inode.cache.get(old / PAGE);
      // A frozen page is waited for: reclaim may give it back (a page dirtied behind its checks).
      p = p == null ? null : referenced(inode, p);
      if (p != null) {
        k.memory.zero(p.frame, (int) (old % PAGE), PAGE, "zero tail on extend");
        p.put(k.memory);
      }
    }
  }

  void setSize(Inode inode, long newSize) {
    synchronized (inode.mapLock) {
      if (newSize < inode.lowWater) {
        inode.publishLowWater(newSize); // before the size: a SIGBUS that sees the size sees this
      }
      inode.publishSize(newSize);
    }
  }

  /**
   * What the quiescent cache of {@code inode} gets wrong, described (empty when nothing): a clean,
   * uptodate page whose bytes below EOF differ from the disk, or a page wholly past EOF that is not
   * zero.
   */
  public List<String> cacheDisagreements(Inode inode) {
    List<String> out = new ArrayList<>();
    long size = inode.fileSize();
    byte[] disk = diskContents(inode);
    for (Page p : inode.cache.all()) {
      if (p.removed) {
        continue;
      }
      long start = p.index * PAGE;
      if (start >= size) {
        // Linux leaves such a page behind when a fault read it and then saw the new EOF on its
        // recheck; harmless only while it holds zeros (a later extension would expose it).
        byte[] past = k.memory.snapshot(p.frame, "cache oracle");
        if (!java.util.Arrays.equals(past, new byte[PAGE])) {
          out.add(p + " is cached wholly past EOF " + size + " and is not zero");
        }
        continue;
      }
      if (!p.uptodate || p.dirty || p.writeback) {
        continue;
      }
      int n = (int) Math.min(PAGE, size - start);
      byte[] cached = k.memory.snapshot(p.frame, "cache oracle");
      if (!java.util.Arrays.equals(cached, 0, n, disk, (int) start, (int) start + n)) {
        out.add(p + " is clean but differs from the disk below EOF");
      }
    }
    return out;
  }

  /** The extent of page {@code index}, allocating an unwritten block for a hole. */
  Inode.Extent blockForWrite(Inode inode, long index) {
    synchronized (inode.mapLock) {
      Inode.Extent e = inode.blockMap.get(index);
      if (e == null) {
        e = new Inode.Extent(k.device.allocate(inode.id), true);
        inode.blockMap.put(index, e);
      }
      return e;
    }
  }

  /** Allocates unwritten extents over the holes of pages {@code [from, to)}. */
  void allocateUnwritten(Inode inode, long from, long to) {
    synchronized (inode.mapLock) {
      for (long i = from; i < to; i++) {
        if (!inode.blockMap.containsKey(i)) {
          inode.blockMap.put(i, new Inode.Extent(k.device.allocate(inode.id), true));
        }
      }
    }
  }

  /**
   * Writes page {@code index}'s data to {@code block} and marks the extent written. Reports a write
   * into a block the file no longer maps there (punched or truncated away).
   *
   * @return false when the device completed the write with an IO error (nothing landed)
   */
  boolean writeBlock(Inode inode, long index, int block, byte[] data, String why) {
    synchronized (inode.mapLock) {
      Inode.Extent now = inode.blockMap.get(index);
      if (now == null || now.block() != block) {
        k.races.violation(
            ViolationKind.WRITEBACK_INTO_FREED_BLOCK,
            why
                + ": "
                + inode
                + " page "
                + index
                + " written to block "
                + block
                + " which the file no longer maps there (now "
                + (now == null ? "a hole" : "block " + now.block())
                + ")");
      }
    }
    if (!k.device.write(block, data, inode.id, index, why + " of " + inode + " page " + index)) {
      return false;
    }
    synchronized (inode.mapLock) {
      Inode.Extent now = inode.blockMap.get(index);
      if (now != null && now.block() == block && now.unwritten()) {
        inode.blockMap.put(index, new Inode.Extent(block, false));
      }
    }
    return true;
  }

  /** Frees the blocks of pages {@code [from, to)}. */
  void freeBlocks(Inode inode, long from, long to) {
    synchronized (inode.mapLock) {
      Map<Long, Inode.Extent> range = inode.blockMap.subMap(from, to);
      for (Inode.Extent e : range.values()) {
        k.device.free(e.block(), inode.id);
      }
      range.clear();
    }
  }

  /** Moves the extents at and after page {@code from} by {@code delta} pages. */
  void shiftExtents(Inode inode, long from, long delta) {
    synchronized (inode.mapLock) {
      Map<Long, Inode.Extent> tail = new java.util.TreeMap<>(inode.blockMap.tailMap(from));
      inode.blockMap.tailMap(from).clear();
      for (Map.Entry<Long, Inode.Extent> e : tail.entrySet()) {
        inode.blockMap.put(e.getKey() + delta, e.getValue());
      }
    }
  }

  /** Reads page {@code index} from disk into {@code dst}: zeros for holes and unwritten blocks. */
  void readFromDisk(Inode inode, long index, byte[] dst) {
    Inode.Extent e;
    synchronized (inode.mapLock) {
      e = inode.blockMap.get(index);
    }
    k.races.hit(RacePoint.READPAGE_AFTER_LOOKUP, inode + " page " + index + " -> " + e);
    if (e == null || e.unwritten()) {
      java.util.Arrays.fill(dst, (byte) 0);
    } else {
      int owner = k.device.readOwned(e.block(), dst);
      if (owner != inode.id && owner != BlockDevice.FREE) {
        // The block was freed and handed to another file between the lookup and the read: what
        // this file's reader gets (through the cache, a mapping or a direct read) is that file's
        // data.
        k.races.violation(
            ViolationKind.INFORMATION_LEAK,
            inode
                + " page "
                + index
                + " read block "
                + e.block()
                + ", now owned by inode "
                + owner);
      }
    }
  }

  /** {@code readpage}: fills {@code page} from disk, zeroing what lies past EOF; uptodate after. */
  void readpage(Page page) {
    byte[] buf = new byte[PAGE];
    readFromDisk(page.inode, page.index, buf);
    long start = page.index * PAGE;
    zeroPastEof(buf, page.index, page.inode.sizeFor(start, start + PAGE, "readpage " + page));
    k.memory.write(page.frame, 0, buf, 0, PAGE, "readpage");
    page.uptodate = true;
  }

  /**
   * Zeroes the bytes of page {@code index}'s copy {@code data} that lie at or past {@code size}.
   */
  static void zeroPastEof(byte[] data, long index, long size) {
    long start = index * PAGE;
    if (size < start + PAGE) {
      java.util.Arrays.fill(data, (int) Math.max(0, Math.min(PAGE, size - start)), PAGE, (byte) 0);
    }
  }

  /**
   * The file's bytes as the disk holds them (holes and unwritten extents read as zeros), up to its
   * size: what survives a crash after fsync, and what an oracle compares.
   */
  public byte[] diskContents(Inode inode) {
    long size = inode.fileSize();
    byte[] out = new byte[(int) size];
    byte[] buf = new byte[PAGE];
    for (long i = 0; i * PAGE < size; i++) {
      int block = inode.blockOf(i);
      if (block < 0) {
        continue;
      }
      k.device.read(block, buf);
      System.arraycopy(buf, 0, out, (int) (i * PAGE), (int) Math.min(PAGE, size - i * PAGE));
    }
    return out;
  }

  // ---- page cache helpers ----------------------------------------------------------------

  /**
   * Returns a referenced page for {@code index}: created and inserted if absent (under the
   * strategy's page-creation lock when {@code creationLock}), locked if the strategy uses page
   * locks, and read from disk if {@code fill} and not yet uptodate. Without page locks a page
   * someone else is still filling is returned as it is — the race the page lock closes.
   */
  Page getPage(Inode inode, long index, boolean fill, boolean creationLock, RacePoint beforeRead) {
    boolean pageLock = k.pageLock();
    try {
      return findOrCreate(inode, index, fill, creationLock, beforeRead, pageLock);
    } catch (RetryUnderCreationLock retry) {
      // filemap_fault found a cached page not uptodate: it drops the page, takes the lock that
      // page creation takes (invalidate_lock in 5.15) and looks again, reading under it.
      try (Held h = k.exclusion.enterPageCreate(inode, index)) {
        return findOrCreate(inode, index, fill, false, beforeRead, pageLock);
      }
    }
  }

  private static final class RetryUnderCreationLock extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RetryUnderCreationLock() {
      super(null, null, false, false);
    }
  }

  private Page findOrCreate(
      Inode inode,
      long index,
      boolean fill,
      boolean creationLock,
      RacePoint beforeRead,
      boolean pageLock) {
    for (; ; ) {
      Page p = inode.cache.get(index);
      if (p == null) {
        try (Held h = creationLock ? k.exclusion.enterPageCreate(inode, index) : Held.NOTHING) {
          Page fresh = new Page(inode, index, k.memory.allocate());
          if (pageLock) {
            fresh.lock(); // a new page is locked until it is uptodate (add_to_page_cache_locked)
          }
          if (inode.cache.insertIfAbsent(fresh) != null) {
            if (pageLock) {
              fresh.unlock();
            }
            fresh.put(k.memory);
            continue;
          }
          fresh.refs.incrementAndGet(); // the caller's, beside the cache's
          k.races.log("created " + fresh);
          checkNotEvicted(fresh);
          if (fill) {
            if (beforeRead != null) {
              k.races.hit(beforeRead, "fill " + fresh);
            }
            readpage(fresh);
          }
          return fresh;
        }
      }
      if (!p.tryGet()) {
        Thread.onSpinWait(); // being reclaimed: look again
        continue;
      }
      if (pageLock) {
        p.lock();
        if (p.removed) {
          p.unlock();
          p.put(k.memory);
          continue;
        }
        if (fill && !p.uptodate) {
          if (creationLock) {
            p.unlock();
            p.put(k.memory);
            throw new RetryUnderCreationLock();
          }
          readpage(p);
        }
      }
      return p;
    }
  }

  /**
   * Readahead of one page: if {@code index} is not cached, creates the page (under the strategy's
   * page-creation lock), reads it from disk and unlocks it; a page already there, or one another
   * thread inserts first, is left alone ({@code page_cache_ra_unbounded} skips present pages and
   * never waits on a page lock). True if it created the page.
   */
  boolean readaheadPage(Inode inode, long index) {
    if (inode.cache.get(index) != null) {
      return false;
    }
    boolean pageLock = k.pageLock();
    try (Held h = k.exclusion.enterPageCreate(inode, index)) {
      Page fresh = new Page(inode, index, k.memory.allocate());
      if (pageLock) {
        fresh.lock();
      }
      if (inode.cache.insertIfAbsent(fresh) != null) {
        if (pageLock) {
          fresh.unlock();
        }
        fresh.put(k.memory);
        return false;
      }
      fresh.refs.incrementAndGet(); // readahead's own, beside the cache's
      k.races.log("readahead created " + fresh);
      checkNotEvicted(fresh);
      k.races.hit(RacePoint.READAHEAD_BEFORE_READPAGE, "fill " + fresh);
      readpage(fresh);
      release(fresh);
      return true;
    }
  }

  /** Unlocks (if the strategy locks pages) and drops the caller's reference. */
  void release(Page p) {
    if (k.pageLock()) {
      p.unlock();
    }
    p.put(k.memory);
  }

  /**
   * A reference on the page the cache holds where {@code found} was, or null if none is there any
   * more: a frozen page is waited for (reclaim removes it, migration replaces it), as {@code
   * find_lock_entries} retries a folio it cannot get. Skipping a frozen page instead would let a
   * migrated copy outlive a truncation.
   */
  static Page referenced(Inode inode, Page found) {
    Page p = found;
    while (!p.tryGet()) {
      Page now = inode.cache.get(p.index);
      if (now == null) {
        return null;
      }
      if (now == p) {
        Thread.onSpinWait();
      }
      p = now;
    }
    return p;
  }

  /** Takes {@code p} out of the cache and drops the cache's reference. */
  void removeFromCache(Page p) {
    if (p.inode.cache.remove(p)) {
      p.removed = true;
      p.dirty = false;
      k.races.log("removed " + p);
      p.put(k.memory);
    }
  }

  /**
   * {@code truncate_inode_pages_range}: removes the pages {@code [from, to)} from the cache; with
   * page locks, each one locked, its writeback waited for, and any mapping a fault raced in
   * unmapped (2012's {@code truncate_inode_page}).
   */
  void truncateCache(Inode inode, long from, long to) {
    for (Page found : inode.cache.pagesIn(from, to)) {
      Page p = referenced(inode, found);
      if (p == null) {
        continue;
      }
      if (k.pageLock()) {
        p.lock();
        if (!p.removed) {
          p.waitOnWriteback();
          if (p.mapcount.get() > 0 && k.exclusion.truncateCacheUnmaps()) {
            k.mmu.unmapPage(p);
          }
        }
      }
      removeFromCache(p); // no-op if it is gone already
      release(p);
    }
  }

  /**
   * {@code invalidate_inode_pages2_range}: unmaps and drops the clean pages of {@code [from, to)};
   * a dirty page or one under writeback is left (Linux returns -EBUSY); false if one was.
   */
  boolean invalidate(Inode inode, long from, long to) {
    boolean all = true;
    for (Page found : inode.cache.pagesIn(from, to)) {
      Page p = referenced(inode, found);
      if (p == null) {
        continue;
      }
      if (k.pageLock()) {
        p.lock();
      }
      if (!p.removed) {
        k.mmu.unmapPage(p);
        if (!p.dirty && !p.writeback) {
          removeFromCache(p);
        } else {
          k.races.log("invalidate failed (EBUSY): " + p);
          all = false;
        }
      }
      release(p);
    }
    return all;
  }

  /** Zeroes bytes {@code [from, to)} of page {@code index} through the cache, dirtying it. */
  void zeroInPage(Inode inode, long index, int from, int to) {
    if (from >= to) {
      return;
    }
    Page p = getPage(inode, index, true, false, null);
    try {
      k.memory.zero(p.frame, from, to, "zero partial page");
      p.uptodate = true;
      p.dirty = true;
    } finally {
      release(p);
    }
    k.writeback.noteDirty(inode);
  }
}
