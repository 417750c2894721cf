package org.rangelock.sim.kernel;

/**
 * Reclaim of clean, unmapped pages: the page is locked (where the strategy locks pages) and its
 * reference count frozen from 1 (the cache's own) to 0 in one CAS, so a concurrent lookup either
 * got its reference first (and reclaim leaves the page) or sees the page gone.
 */
public final class Reclaim {
  private final Kernel k;

  Reclaim(Kernel k) {
    this.k = k;
  }

  /** Reclaims what it can of {@code inode}'s cache; returns how many pages went. */
  public int shrink(Inode inode) {
    int freed = 0;
    for (Page p : inode.cache.all()) {
      boolean locked = k.pageLock() && p.tryLock();
      if (k.pageLock() && !locked) {
        continue;
      }
      try {
        if (p.removed || p.dirty || p.writeback || p.mapcount.get() > 0) {
          continue;
        }
        if (p.refs.compareAndSet(1, 0)) {
          if (p.inode.cache.remove(p)) {
            p.removed = true;
            k.memory.free(p.frame);
            freed++;
          }
        }
      } finally {
        if (locked) {
          p.unlock();
        }
      }
    }
    return freed;
  }
}
