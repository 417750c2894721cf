package org.rangelock.sim.kernel;

/**
 * Reclaim of clean, unmapped pages: the page is locked (where the strategy locks pages) and its
 * reference count frozen from 1 (the cache's own) to 0 in one CAS, so a concurrent lookup either
 * got its reference first (and reclaim leaves the page) or waits and looks again. After the freeze
 * the page is checked again, as {@code __remove_mapping} checks {@code PageDirty} after {@code
 * folio_ref_freeze} (the page lock does not exclude, for one, a PTE zap, which moves a dirty bit to
 * the page under the page-table lock only); a page found dirty, under writeback or mapped then is
 * given back (the count unfrozen to 1) and stays.
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
          // __remove_mapping checks PageDirty again after the freeze: the page lock does not
          // exclude everything that can dirty or map a page between the checks above and the
          // freeze (a PTE zap moves its dirty bit to the page under the page-table lock only).
          if (p.dirty || p.writeback || p.mapcount.get() > 0) {
            p.refs.set(1);
            continue;
          }
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
