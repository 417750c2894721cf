package org.rangelock.sim.kernel;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import org.rangelock.sim.exclusion.Exclusion.Held;
import org.rangelock.sim.exclusion.Op;
import org.rangelock.sim.race.RacePoint;

/**
 * Direct IO: block-aligned reads and writes between the caller and the disk, bypassing the cache
 * ({@code iomap_dio_rw}). Whether the cache is flushed and invalidated before (and invalidated
 * again after) is the strategy's choice; without it the cache and the disk drift apart.
 */
public final class DirectIo {
  private final Kernel k;

  DirectIo(Kernel k) {
    this.k = k;
  }

  private static void checkAligned(long offset, long length) {
    if (offset < 0 || length <= 0 || offset % PAGE != 0 || length % PAGE != 0) {
      throw new IllegalArgumentException(
          "direct IO needs block-aligned offset and length: offset "
              + offset
              + " length "
              + length);
    }
  }

  /** Reads {@code length} bytes at {@code offset} from disk; short at EOF. */
  public byte[] read(Inode inode, long offset, int length) {
    checkAligned(offset, length);
    try (Held h = k.exclusion.enter(Op.DIRECT_READ, inode, offset, offset + length)) {
      if (k.exclusion.flushesBeforeDirectIo()) {
        k.writeback.syncRange(inode, offset / PAGE, (offset + length) / PAGE, true);
      }
      k.races.hit(RacePoint.DIRECT_BEFORE_IO, "direct read " + inode + " at " + offset);
      long size = inode.size;
      int n = (int) Math.max(0, Math.min(length, size - offset));
      byte[] out = new byte[n];
      byte[] buf = new byte[PAGE];
      for (int done = 0; done < n; done += PAGE) {
        k.fs.readFromDisk(inode, (offset + done) / PAGE, buf);
        System.arraycopy(buf, 0, out, done, Math.min(PAGE, n - done));
      }
      return out;
    }
  }

  /** Writes {@code data} at {@code offset} straight to disk, extending the file if needed. */
  public void write(Inode inode, long offset, byte[] data) {
    checkAligned(offset, data.length);
    long from = offset / PAGE;
    long to = (offset + data.length) / PAGE;
    try (Held h = k.exclusion.enter(Op.DIRECT_WRITE, inode, offset, offset + data.length)) {
      if (k.exclusion.flushesBeforeDirectIo()) {
        k.writeback.syncRange(inode, from, to, true);
        k.fs.invalidate(inode, from, to);
      }
      k.races.hit(RacePoint.DIRECT_BEFORE_IO, "direct write " + inode + " at " + offset);
      byte[] buf = new byte[PAGE];
      for (long i = from; i < to; i++) {
        System.arraycopy(data, (int) ((i - from) * PAGE), buf, 0, PAGE);
        Inode.Extent e = k.fs.blockForWrite(inode, i);
        k.fs.writeBlock(inode, i, e.block(), buf, "direct write");
      }
      k.fs.extendSize(inode, offset + data.length);
      k.races.hit(RacePoint.DIRECT_AFTER_IO, "direct write done " + inode + " at " + offset);
      if (k.exclusion.invalidatesAfterDirectWrite()) {
        k.fs.invalidate(inode, from, to);
      }
    }
  }
}
