package org.rangelock.sim.kernel;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.ArrayList;
import java.util.List;
import org.rangelock.sim.exclusion.Exclusion.Held;
import org.rangelock.sim.exclusion.Exclusion.UserBufferPin;
import org.rangelock.sim.exclusion.Op;
import org.rangelock.sim.race.RacePoint;

/**
 * Direct IO: block-aligned reads and writes between the caller and the disk, bypassing the cache
 * ({@code iomap_dio_rw}). Whether the cache is flushed and invalidated before (and invalidated
 * again after) is the strategy's choice; without it the cache and the disk drift apart.
 *
 * <p>{@link #readIntoMapping} and {@link #writeFromMapping} take a user buffer that is a mapping
 * (possibly of the same file, possibly of the file another thread is doing direct IO on). The IO
 * pins that buffer ({@code get_user_pages}) while it holds its lock, and the pin may fault: the
 * 2012 mapping-tree mail's "read into a buffer that is an mmap()d region of the same file", and
 * Kara's 2020 AB-BA between two files. How a design pins is {@link UserBufferPin}; see docs/sim.md.
 */
public final class DirectIo {
  /** Steps in a row that may make no progress before the IO returns short ({@code EFAULT}). */
  static final int MAX_IDLE_STEPS = 1000;

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
      long size = inode.sizeFor(offset, offset + length, "direct read " + inode + " at " + offset);
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

  /**
   * Writes {@code data} at {@code offset} straight to disk, extending the file if needed.
   *
   * @return false ({@code EIO}) when the device completed one of the block writes with an IO error
   *     (a fence refused it): the write stops there, and the file grows only over the blocks that
   *     landed before it, as an iomap direct write whose bio fails returns {@code -EIO}
   */
  public boolean write(Inode inode, long offset, byte[] data) {
    checkAligned(offset, data.length);
    long from = offset / PAGE;
    long to = (offset + data.length) / PAGE;
    boolean fallBack = false;
    try (Held h = k.exclusion.enter(Op.DIRECT_WRITE, inode, offset, offset + data.length)) {
      if (k.exclusion.flushesBeforeDirectIo()) {
        k.writeback.syncRange(inode, from, to, true);
        if (!k.fs.invalidate(inode, from, to) && k.exclusion.fallsBackToBufferedWrite()) {
          fallBack = true;
          return true;
        }
      }
      k.races.hit(RacePoint.DIRECT_BEFORE_IO, "direct write " + inode + " at " + offset);
      byte[] buf = new byte[PAGE];
      long landed = from;
      for (long i = from; i < to; i++) {
        System.arraycopy(data, (int) ((i - from) * PAGE), buf, 0, PAGE);
        Inode.Extent e = k.fs.blockForWrite(inode, i);
        k.races.hit(
            RacePoint.DIRECT_AFTER_LOOKUP, "direct write " + inode + " page " + i + " -> " + e);
        if (!k.fs.writeBlock(inode, i, e.block(), buf, "direct write")) {
          break;
        }
        landed = i + 1;
      }
      if (landed > from) {
        k.fs.extendSize(inode, landed * PAGE);
      }
      k.races.hit(RacePoint.DIRECT_AFTER_IO, "direct write done " + inode + " at " + offset);
      if (k.exclusion.invalidatesAfterDirectWrite()) {
        k.fs.invalidate(inode, from, to);
      }
      if (landed < to) {
        k.races.log("direct write " + inode + " at " + offset + ": EIO at page " + landed);
        return false;
      }
      return true;
    } finally {
      if (fallBack) {
        // The cache kept a page the IO would have gone around: write through the cache instead,
        // then write it back and drop it, as generic_file_direct_write's callers do.
        k.races.log("direct write " + inode + " at " + offset + " falls back to buffered");
        k.io.write(inode, offset, data);
        k.writeback.syncRange(inode, from, to, false);
        k.fs.invalidate(inode, from, to);
      }
    }
  }

  /**
   * Direct read of {@code length} bytes at {@code offset} into the mapping at {@code address}
   * (page-aligned). Returns the bytes read: short at EOF, or where the buffer could not be pinned
   * ({@code EFAULT} after a partial transfer).
   */
  public int readIntoMapping(Inode inode, long offset, int length, AddressSpace mm, long address) {
    return throughMapping(true, inode, offset, length, mm, address);
  }

  /**
   * Direct write of {@code length} bytes at {@code offset} from the mapping at {@code address}
   * (page-aligned). Returns the bytes written: short where the buffer could not be pinned ({@code
   * EFAULT}) or where the device completed a block write with an IO error ({@code EIO}).
   */
  public int writeFromMapping(Inode inode, long offset, int length, AddressSpace mm, long address) {
    return throughMapping(false, inode, offset, length, mm, address);
  }

  /*
   * The IO proceeds in steps, each under the strategy's lock on what is left. With
   * PREFAULT_NOFAULT_RETRY a step starts, with no lock held, by faulting the rest of the buffer in;
   * under the lock it pins with faults disabled, stopping at the first page that is not there (a
   * killer, reclaim or the other thread's invalidation may have unmapped it since), and the IO
   * covers what was pinned. The pin comes before the flush and the invalidation: they may unmap
   * the pinned pages (the buffer maps the range being written) but cannot take them away, so a
   * step whose pages stay mapped from its fault-in to its pin always makes progress. (iomap pins
   * after kiocb_invalidate_pages, so there a buffer mapping the very range it writes is unmapped
   * before it is pinned and the IO ends short.) Deadlock freedom: no fault handler runs while the
   * IO holds its lock — the pin takes only the page-table lock and a page reference, leaves — and
   * the fault-in runs holding nothing of this IO, so a thread waits for a strategy lock only while
   * holding none of this IO.
   */
  private int throughMapping(
      boolean read, Inode inode, long offset, int length, AddressSpace mm, long address) {
    checkAligned(offset, length);
    if (address % PAGE != 0) {
      throw new IllegalArgumentException("direct IO needs a page-aligned buffer: " + address);
    }
    UserBufferPin how = k.exclusion.userBufferPin();
    int done = 0;
    int idle = 0;
    while (done < length) {
      if (how == UserBufferPin.PREFAULT_NOFAULT_RETRY
          && k.mmu.faultIn(mm, address + done, length - done, read) == 0) {
        k.races.log("EFAULT: buffer at " + (address + done) + " cannot be faulted in");
        break;
      }
      int n = step(read, inode, offset + done, length - done, mm, address + done, how);
      if (n < 0) {
        break; // EOF or EFAULT
      }
      done += n;
      if (n == 0 && ++idle > MAX_IDLE_STEPS) {
        k.races.log("EFAULT: no progress in " + MAX_IDLE_STEPS + " steps");
        break;
      }
      if (n > 0) {
        idle = 0;
      }
    }
    return done;
  }

  /** One locked step; bytes transferred, 0 to retry, -1 to stop (EOF, EFAULT). */
  private int step(
      boolean read,
      Inode inode,
      long offset,
      int length,
      AddressSpace mm,
      long address,
      UserBufferPin how) {
    Op op = read ? Op.DIRECT_READ : Op.DIRECT_WRITE;
    String what = (read ? "direct read " : "direct write ") + inode + " at " + offset;
    List<Mmu.Pin> pins = new ArrayList<>();
    boolean transferred = false;
    try (Held h = k.exclusion.enter(op, inode, offset, offset + length)) {
      k.races.hit(RacePoint.DIRECT_START, what + " (buffer is a mapping)");
      long from = offset / PAGE;
      int pages = length / PAGE;
      if (read && offset >= inode.size) {
        return -1;
      }
      boolean retry = false;
      if (how == UserBufferPin.PREFAULT_NOFAULT_RETRY) {
        pinAll(pins, mm, address, pages, read, true);
        flushAndInvalidate(read, inode, from, from + pins.size());
      } else {
        flushAndInvalidate(read, inode, from, from + pages);
        // bcachefs marks only its direct write (which holds the block lock) this way.
        try (Held off = read ? Held.NOTHING : k.exclusion.disableFaultsOn(inode)) {
          pinAll(pins, mm, address, pages, read, false);
        } catch (SigBus e) {
          retry = k.exclusion.faultDroppedLocks();
          k.races.log(
              "pin of the buffer stopped: " + e.getMessage() + (retry ? " (locks dropped)" : ""));
        }
        if (retry) {
          return 0; // the IO's lock was dropped: the flush and invalidation must be redone
        }
      }
      k.races.hit(RacePoint.DIRECT_AFTER_PIN, what + ": " + pins.size() + " pages pinned");
      if (pins.isEmpty()) {
        return how == UserBufferPin.PREFAULT_NOFAULT_RETRY ? 0 : -1;
      }
      k.races.hit(RacePoint.DIRECT_BEFORE_IO, what);
      int n;
      byte[] buf = new byte[PAGE];
      if (read) {
        long size = inode.sizeFor(offset, offset + (long) pins.size() * PAGE, what);
        n = (int) Math.max(0, Math.min((long) pins.size() * PAGE, size - offset));
        for (int i = 0; i * PAGE < n; i++) {
          k.fs.readFromDisk(inode, from + i, buf);
          FileSystem.zeroPastEof(buf, from + i, size);
          k.memory.write(pins.get(i).frame(), 0, buf, 0, Math.min(PAGE, n - i * PAGE), what);
        }
      } else {
        n = 0;
        for (int i = 0; i < pins.size(); i++) {
          k.memory.read(pins.get(i).frame(), 0, buf, 0, PAGE, what);
          Inode.Extent e = k.fs.blockForWrite(inode, from + i);
          if (!k.fs.writeBlock(inode, from + i, e.block(), buf, "direct write")) {
            // EIO: the write is short by the refused block and what follows (none written: -1).
            k.races.log(what + ": EIO at page " + (from + i));
            break;
          }
          n += PAGE;
        }
        if (n == 0) {
          return -1;
        }
        k.fs.extendSize(inode, offset + n);
        k.races.hit(RacePoint.DIRECT_AFTER_IO, what + " done");
        if (k.exclusion.invalidatesAfterDirectWrite()) {
          k.fs.invalidate(inode, from, from + pins.size());
        }
      }
      transferred = true;
      return read && n < pins.size() * PAGE ? (n == 0 ? -1 : n) : n;
    } finally {
      for (Mmu.Pin p : pins) {
        k.mmu.unpin(p, read && transferred);
      }
    }
  }

  private void pinAll(
      List<Mmu.Pin> pins, AddressSpace mm, long address, int pages, boolean read, boolean noFault) {
    long vpn = address / PAGE;
    for (int i = 0; i < pages; i++) {
      Mmu.Pin p =
          noFault ? k.mmu.pinNoFault(mm, vpn + i, read) : k.mmu.pinFaulting(mm, vpn + i, read);
      if (p == null) {
        return;
      }
      pins.add(p);
    }
  }

  private void flushAndInvalidate(boolean read, Inode inode, long from, long to) {
    if (!k.exclusion.flushesBeforeDirectIo() || from >= to) {
      return;
    }
    k.writeback.syncRange(inode, from, to, true);
    if (!read) {
      k.fs.invalidate(inode, from, to);
    }
  }
}
