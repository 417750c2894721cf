package org.rangelock.sim.kernel;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A page of a file's cache: one frame plus the flags and counts the kernel keeps in {@code struct
 * page}.
 *
 * <p>Who touches what: the flags are volatile and written by whichever operation owns the page at
 * the time (under the page lock where the strategy uses it — {@link Exclusion} decides, not this
 * class). {@code refs} counts the cache's reference, each PTE's and each operation's; the frame is
 * freed when it reaches zero. A reference is only taken with {@link #tryGet} (never from zero), so
 * reclaim can freeze an unreferenced page with one CAS, as {@code page_ref_freeze} does.
 */
public final class Page {
  /** A PTE that maps this page: the reverse map's entry. */
  public record Mapper(AddressSpace mm, long vpn) {}

  final Inode inode;
  final long index;
  final FrameRef frame;
  volatile boolean uptodate;
  volatile boolean dirty;
  volatile boolean writeback;

  /** Removed from the cache ({@code page->mapping == NULL}). */
  volatile boolean removed;

  private final Semaphore lock = new Semaphore(1);
  final AtomicInteger refs = new AtomicInteger(1);
  final AtomicInteger mapcount = new AtomicInteger();
  final Set<Mapper> rmap = ConcurrentHashMap.newKeySet();

  Page(Inode inode, long index, FrameRef frame) {
    this.inode = inode;
    this.index = index;
    this.frame = frame;
  }

  public FrameRef frame() {
    return frame;
  }

  public boolean isDirty() {
    return dirty;
  }

  public boolean isRemoved() {
    return removed;
  }

  void lock() {
    lock.acquireUninterruptibly();
  }

  boolean tryLock() {
    return lock.tryAcquire();
  }

  void unlock() {
    lock.release();
  }

  /** Takes a reference unless the page is frozen or freed. */
  boolean tryGet() {
    for (; ; ) {
      int r = refs.get();
      if (r == 0) {
        return false;
      }
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  void put(PhysicalMemory memory) {
    int r = refs.decrementAndGet();
    if (r == 0) {
      memory.free(frame);
    } else if (r < 0) {
      throw new IllegalStateException("page " + index + " reference count went negative");
    }
  }

  synchronized void waitOnWriteback() {
    while (writeback) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  synchronized void endWriteback() {
    writeback = false;
    notifyAll();
  }

  @Override
  public String toString() {
    return "page "
        + inode.id
        + ":"
        + index
        + " ("
        + frame
        + (uptodate ? " uptodate" : "")
        + (dirty ? " dirty" : "")
        + (writeback ? " writeback" : "")
        + (removed ? " removed" : "")
        + ")";
  }
}
