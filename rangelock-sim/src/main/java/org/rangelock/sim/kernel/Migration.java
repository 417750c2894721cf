package org.rangelock.sim.kernel;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import org.rangelock.sim.race.RacePoint;

/**
 * Page migration of a file page ({@code migrate_pages} with {@code MIGRATE_SYNC}: compaction, NUMA
 * balancing, memory hot-remove; tmpfs's {@code shmem_replace_page} of 2012 replaces a page the same
 * way): the contents move to a new frame and the new page takes the old one's place in the cache.
 *
 * <p>In Linux order: take a reference (isolate), lock the page (where the strategy locks pages),
 * skip it if it left the cache, is not uptodate or is under writeback; unmap every PTE ({@code
 * try_to_migrate}: the sim drops them, and a later access faults onto whichever page the cache
 * holds then, where Linux installs migration entries that wait and then map the new page); freeze
 * the reference count at what the cache and the migration itself hold ({@code folio_ref_freeze} in
 * {@code folio_migrate_mapping}), and give up ({@code -EAGAIN}) if anyone else holds one — a pin
 * for direct IO, an operation between lookup and copy, a PTE a fault raced in; copy; put the new
 * page in the cache; unfreeze. No lock of the file is taken: the page lock, the unmap and the
 * freeze are the whole protocol, in every kernel since migration came (2.6.16).
 *
 * <p>{@link #freezesReferences} false is the protocol without the freeze, for the test that shows
 * what it is for: a write through a reference taken before the copy (a direct read's DMA into a
 * pinned page) lands in the old frame after the copy and is lost.
 */
public final class Migration {
  private final Kernel k;
  private volatile boolean freezes = true;

  Migration(Kernel k) {
    this.k = k;
  }

  /** Whether migration freezes the reference count before copying (true unless a test says). */
  public void freezesReferences(boolean freeze) {
    this.freezes = freeze;
  }

  /** Migrates page {@code index} of {@code inode} to a new frame; false if it did not. */
  public boolean migrate(Inode inode, long index) {
    Page old = inode.cache.get(index);
    if (old == null || !old.tryGet()) {
      return false;
    }
    boolean locked = k.pageLock();
    if (locked) {
      old.lock();
    }
    try {
      if (old.removed || !old.uptodate || old.writeback) {
        return false;
      }
      String what = "migrate " + old;
      k.mmu.unmapPage(old);
      k.races.hit(RacePoint.MIGRATE_BEFORE_FREEZE, what);
      if (freezes && !old.refs.compareAndSet(2, 0)) {
        // The cache's reference and ours are all that may be left; anything more is a user.
        k.races.log(what + ": -EAGAIN, " + old.refs.get() + " references");
        return false;
      }
      FrameRef frame = k.memory.allocate();
      k.memory.write(frame, 0, k.memory.snapshot(old.frame, what), 0, PAGE, what);
      Page fresh = new Page(inode, index, frame);
      fresh.uptodate = true;
      fresh.dirty = old.dirty;
      k.races.hit(RacePoint.MIGRATE_BEFORE_REPLACE, what + " to " + frame);
      if (!inode.cache.replace(old, fresh)) {
        // Only without the freeze can the page have left the cache meanwhile.
        fresh.put(k.memory);
        if (freezes) {
          old.refs.set(2);
        }
        return false;
      }
      old.removed = true;
      old.dirty = false;
      if (freezes) {
        old.refs.set(1); // ours; the cache's went with the replacement
      } else {
        old.put(k.memory); // the cache's
      }
      k.races.log(what + " -> " + fresh);
      return true;
    } finally {
      if (locked) {
        old.unlock();
      }
      old.put(k.memory);
    }
  }
}
