package org.rangelock.sim.kernel;

import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A file: its size, its block map, its page cache and the mappings of it ({@code i_mmap}).
 *
 * <p>The block map and the size change only under {@link #mapLock} (the filesystem's own extent
 * lock, like ext4's {@code i_data_sem}): that makes each block-map update atomic and nothing more.
 * {@code size} is volatile so that unlocked checks (as a fault's first {@code i_size} check) read a
 * current value. On a shared block device each kernel has its own view of the file; once {@link
 * #cacheSizePerView} is called, each view's size is its own node's cached copy, and {@link
 * #fileSize} the size most recently set on any view.
 */
public final class Inode {
  /** A block-map entry: a block, and whether it is allocated but unwritten (reads as zeros). */
  record Extent(int block, boolean unwritten) {}

  final int id;
  volatile long size;

  /**
   * The lowest size set since {@link #markLowWater()} (or 0 before it is called): a SIGBUS at an
   * offset below it cannot be explained by any truncate.
   */
  volatile long lowWater;

  final Object mapLock;
  final NavigableMap<Long, Extent> blockMap;
  final PageCache cache = new PageCache();

  /**
   * {@code i_count}: references to the inode — the creator's open file and each mapping's {@code
   * vm_file}, and a fault's {@code fpin} while it reads with {@code mmap_lock} dropped. The put
   * that takes it to zero on an unlinked file evicts the inode ({@link FileSystem#put}).
   */
  final java.util.concurrent.atomic.AtomicInteger refs =
      new java.util.concurrent.atomic.AtomicInteger(1);

  /** {@code i_nlink == 0}: unlinked; the last reference evicts it. */
  volatile boolean unlinked;

  /** Set when eviction begins ({@code I_FREEING}); a page inserted after is never freed. */
  volatile boolean evicted;

  final List<Vma> mappings = new CopyOnWriteArrayList<>();

  /**
   * Writeback errors of this view, as Linux's {@code mapping->wb_err} (an {@code errseq_t}): bumped
   * when a write-back of one of its pages fails; {@link #wbErrSeen} is the value the last fsync of
   * the view reported up to (one opener per view: the sim has no {@code struct file}).
   */
  private final java.util.concurrent.atomic.AtomicLong wbErr =
      new java.util.concurrent.atomic.AtomicLong();

  private long wbErrSeen;

  /**
   * Every view of this file, this one included: one per kernel that opened it on a shared block
   * device ({@link FileSystem#openShared}). They share the block map and its lock. Until {@link
   * #cacheSizePerView} a size change is written to each of them under that lock; after it, each
   * view's {@link #size} is its node's cached copy. Each keeps its own cache and mappings.
   */
  private final List<Inode> views;

  /** What the views share beside the block map: the size most recently set on any of them. */
  private final Shared shared;

  private static final class Shared {
    volatile long latest;
    volatile boolean perView;
  }

  /** Told where the kernel decides something by this view's size, and of each change of it. */
  private volatile SizeObserver observer;

  /**
   * An observer of one view's size (the cluster family's stale-size oracle): where the kernel
   * decides something by the view's cached size, and every change of it.
   */
  public interface SizeObserver {
    /**
     * The kernel decided something about bytes {@code [from, to)} of the file by {@code size}, the
     * view's cached size ({@code what} says what): only {@code min(max(size, from), to)} matters.
     */
    void used(Inode view, long size, long from, long to, String what);

    /** The view's size changed from {@code oldSize} to {@code newSize}. */
    void changed(Inode view, long oldSize, long newSize);
  }

  Inode(int id) {
    this.id = id;
    this.mapLock = new Object();
    this.blockMap = new TreeMap<>();
    this.views = new CopyOnWriteArrayList<>(List.of(this));
    this.shared = new Shared();
  }

  /** Another kernel's view of {@code file}: same id, block map and size; its own cache. */
  Inode(Inode file) {
    this.id = file.id;
    this.mapLock = file.mapLock;
    this.blockMap = file.blockMap;
    this.views = file.views;
    this.shared = file.shared;
    synchronized (mapLock) {
      this.size = file.size;
      this.lowWater = file.lowWater;
      views.add(this);
    }
  }

  /**
   * Sets the size: of every view, or after {@link #cacheSizePerView} of this view only; the caller
   * holds {@link #mapLock}.
   */
  void publishSize(long newSize) {
    long old = size;
    if (shared.perView) {
      size = newSize;
    } else {
      for (Inode v : views) {
        v.size = newSize;
      }
    }
    shared.latest = newSize;
    SizeObserver o = observer;
    if (o != null && old != newSize) {
      o.changed(this, old, newSize);
    }
  }

  /**
   * From now on each view's size is its own node's cached copy: a size change is made to the view
   * it is made on, and another view learns it only through {@link #loadSize} (a cluster's metadata
   * token: the node that changed it writes it back, the others reload it).
   */
  public void cacheSizePerView() {
    synchronized (mapLock) {
      shared.latest = size;
      shared.perView = true;
    }
  }

  /** Sets this view's cached size (a node reloading the file's metadata); no observer is told. */
  public void loadSize(long newSize) {
    synchronized (mapLock) {
      size = newSize;
    }
  }

  /**
   * The file's size of record: after {@link #cacheSizePerView}, the size most recently set on any
   * view; before it (and on one node), {@link #size()}. What the quiescent oracles judge EOF by; a
   * node's kernel uses its own view's size.
   */
  public long fileSize() {
    return shared.perView ? shared.latest : size;
  }

  /** Observes this view's size from now on (null: no more). */
  public void observeSize(SizeObserver o) {
    observer = o;
  }

  /**
   * This view's size, read where the kernel decides something about bytes {@code [from, to)} by it
   * ({@code what}): the observer, if any, is told.
   */
  long sizeFor(long from, long to, String what) {
    long s = size;
    SizeObserver o = observer;
    if (o != null) {
      o.used(this, s, from, to, what);
    }
    return s;
  }

  /** Lowers the low-water mark of every view; the caller holds {@link #mapLock}. */
  void publishLowWater(long newLow) {
    for (Inode v : views) {
      v.lowWater = newLow;
    }
  }

  public int id() {
    return id;
  }

  public long size() {
    return size;
  }

  /**
   * Starts tracking the lowest size from the current one (a case calls it when the race starts).
   */
  public void markLowWater() {
    synchronized (mapLock) {
      publishLowWater(size);
    }
  }

  /**
   * The address spaces that map this file, each once, in order of their {@link AddressSpace#id}.
   */
  public List<AddressSpace> mappedBy() {
    java.util.TreeMap<Integer, AddressSpace> mms = new java.util.TreeMap<>();
    for (Vma v : mappings) {
      mms.put(v.mm().id(), v.mm());
    }
    return List.copyOf(mms.values());
  }

  /** {@code i_count}: how many references hold this inode. */
  public int references() {
    return refs.get();
  }

  /** Whether this inode's eviction has begun. */
  public boolean isEvicted() {
    return evicted;
  }

  public PageCache cache() {
    return cache;
  }

  /** The block behind page {@code index}, or -1 for a hole or an unwritten extent. */
  public int blockOf(long index) {
    synchronized (mapLock) {
      Extent e = blockMap.get(index);
      return e == null || e.unwritten() ? -1 : e.block();
    }
  }

  /** Indices with a block allocated (written or not), as a snapshot. */
  public List<Long> allocatedIndices() {
    synchronized (mapLock) {
      return List.copyOf(blockMap.keySet());
    }
  }

  /** A write-back of one of this view's pages failed ({@code mapping_set_error(mapping, -EIO)}). */
  void setWritebackError() {
    wbErr.incrementAndGet();
  }

  /**
   * {@code file_check_and_advance_wb_err}: whether a write-back of this view failed since the last
   * call reported, and records that it has now been reported.
   */
  synchronized boolean checkAndAdvanceWritebackError() {
    long now = wbErr.get();
    boolean failed = now != wbErrSeen;
    wbErrSeen = now;
    return failed;
  }

  @Override
  public String toString() {
    return "inode " + id;
  }
}
