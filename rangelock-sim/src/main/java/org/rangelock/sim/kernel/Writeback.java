package org.rangelock.sim.kernel;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscUnboundedArrayQueue;
import org.rangelock.sim.exclusion.Exclusion.Held;
import org.rangelock.sim.exclusion.Op;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.Races;

/**
 * Writeback: {@code writepage} of one dirty page, range flushes, {@code fsync}, and a background
 * flusher thread fed by the inodes that get dirty pages.
 *
 * <p>{@code writepage} follows {@code write_cache_pages}: lock the page, check it is still in the
 * cache and dirty, (2012's defence) skip it if it lies wholly past EOF, set writeback and clear
 * dirty, write-protect its PTEs ({@code page_mkclean}), take a copy with the bytes past EOF zeroed,
 * unlock, then look up or allocate the block and write it; the writeback flag is cleared when the
 * write is done. Truncate and punch wait on that flag when they use page locks.
 *
 * <p>Who touches what: any thread calls {@link #noteDirty} (the queue is multi-producer); only the
 * flusher thread polls it.
 */
public final class Writeback {
  private final Kernel k;
  private final MpscUnboundedArrayQueue<Inode> dirtied = new MpscUnboundedArrayQueue<>(64);
  private volatile Thread flusher;
  private volatile boolean stop;

  Writeback(Kernel k) {
    this.k = k;
  }

  /** An inode got a dirty page ({@code mark_inode_dirty}). */
  void noteDirty(Inode inode) {
    if (flusher != null) {
      dirtied.offer(inode);
    }
  }

  /** Writes back one page if it is dirty; {@code rangeHeld} when the caller's lock covers it. */
  void writepage(Page page, boolean rangeHeld) {
    Inode inode = page.inode;
    long index = page.index;
    try (Held h =
        rangeHeld
            ? Held.NOTHING
            : k.exclusion.enter(Op.WRITEBACK, inode, index * PAGE, (index + 1) * PAGE)) {
      boolean pageLock = k.pageLock();
      if (pageLock) {
        page.lock();
        page.waitOnWriteback();
      }
      byte[] data;
      long size;
      try {
        if (page.removed || !page.dirty) {
          return;
        }
        size = inode.sizeFor(index * PAGE, (index + 1) * PAGE, "writeback of " + page);
        if (k.exclusion.rechecksSizeUnderPageLock() && index * PAGE >= size) {
          k.races.log("writeback skips " + page + " past EOF " + size);
          page.dirty = false;
          return;
        }
        page.writeback = true;
        k.mmu.mkclean(page);
        page.dirty = false;
        data = k.memory.snapshot(page.frame, "writeback");
        FileSystem.zeroPastEof(data, index, size);
      } finally {
        if (pageLock) {
          page.unlock();
        }
      }
      try {
        k.races.hit(RacePoint.WRITEBACK_BEFORE_LOOKUP, "writeback " + page);
        Inode.Extent e = k.fs.blockForWrite(inode, index);
        k.races.hit(RacePoint.WRITEBACK_BEFORE_IO, "writeback " + page + " to block " + e.block());
        k.exclusion.writebackSubmitted(inode, index);
        if (!k.fs.writeBlock(inode, index, e.block(), data, "writeback")) {
          // end_page_writeback with an error: mapping_set_error; the page stays clean (its data
          // is lost once it leaves the cache), as in Linux since 4.x.
          inode.setWritebackError();
          k.races.log("writeback of " + page + " failed: EIO recorded on " + inode);
        }
      } finally {
        page.endWriteback();
      }
    }
  }

  /**
   * {@code filemap_write_and_wait_range} over pages {@code [from, to)}; {@code rangeHeld} when the
   * caller already holds a lock that covers writeback of the range.
   */
  void syncRange(Inode inode, long from, long to, boolean rangeHeld) {
    startRange(inode, from, to, rangeHeld);
    for (Page p : inode.cache.pagesIn(from, to)) {
      p.waitOnWriteback();
    }
  }

  /**
   * {@code filemap_fdatawrite} over pages {@code [from, to)}: writes the dirty pages and waits for
   * nothing, so a clean page whose write is in flight is neither written nor waited for.
   */
  void startRange(Inode inode, long from, long to, boolean rangeHeld) {
    for (Page found : inode.cache.pagesIn(from, to)) {
      if (!found.dirty) {
        continue;
      }
      // A frozen page is waited for, as write_cache_pages' lookup retries a folio it cannot get:
      // reclaim gives back a page it finds dirty after its freeze, and skipping it here would let
      // an fsync return with the page unwritten.
      Page p = FileSystem.referenced(inode, found);
      if (p == null) {
        continue;
      }
      try {
        if (p.dirty) {
          writepage(p, rangeHeld);
        }
      } finally {
        p.put(k.memory);
      }
    }
  }

  /**
   * {@code fsync}: every dirty page written and waited for, then the view's writeback errors
   * checked and advanced ({@code file_check_and_advance_wb_err}).
   *
   * @return false ({@code EIO}) when a write-back of the file on this kernel failed since the last
   *     fsync reported: data written before this fsync may not be on the device
   */
  public boolean fsync(Inode inode) {
    syncRange(inode, 0, Long.MAX_VALUE, false);
    return !inode.checkAndAdvanceWritebackError();
  }

  /** Starts the background flusher (one thread, role {@code flusher}). */
  public synchronized void startFlusher(long intervalMicros) {
    if (flusher != null) {
      return;
    }
    stop = false;
    Thread t =
        new Thread(
            () -> {
              Races.role("flusher");
              while (!stop) {
                Inode inode = dirtied.poll();
                if (inode == null) {
                  LockSupport.parkNanos(intervalMicros * 1000);
                  continue;
                }
                syncRange(inode, 0, Long.MAX_VALUE, false);
              }
            },
            "flusher");
    t.setDaemon(true);
    flusher = t;
    t.start();
  }

  /** Stops the flusher and waits for it. */
  public void stopFlusher() throws InterruptedException {
    Thread t;
    synchronized (this) {
      t = flusher;
      stop = true;
    }
    if (t != null) {
      t.join(10_000);
      flusher = null;
    }
  }
}
