package org.rangelock.sim.kernel;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import org.rangelock.sim.exclusion.Exclusion.Held;
import org.rangelock.sim.exclusion.Op;
import org.rangelock.sim.race.RacePoint;

/**
 * Buffered read and write through the page cache ({@code filemap_read}, {@code
 * generic_perform_write}), and the two variants whose user buffer is a mapping: {@link
 * #readIntoMapping} and {@link #writeFromMapping}.
 */
public final class BufferedIo {
  private final Kernel k;

  BufferedIo(Kernel k) {
    this.k = k;
  }

  /** Reads up to {@code length} bytes at {@code offset}; short at EOF. */
  public byte[] read(Inode inode, long offset, int length) {
    checkRange(offset, length);
    try (Held h = k.exclusion.enter(Op.READ, inode, offset, offset + length)) {
      return readLocked(inode, offset, length, null, 0);
    }
  }

  /**
   * {@code read(fd, buf)} where {@code buf} is a mapping: the copy-out stores through the MMU and
   * may fault, on the very range being read, while the read's own lock is held — Kara's 2013
   * deadlock for a range lock that does not let FAULT and READ share.
   */
  public int readIntoMapping(Inode inode, long offset, int length, AddressSpace mm, long address) {
    checkRange(offset, length);
    try (Held h = k.exclusion.enter(Op.READ, inode, offset, offset + length)) {
      return readLocked(inode, offset, length, mm, address).length;
    }
  }

  private byte[] readLocked(Inode inode, long offset, int length, AddressSpace mm, long address) {
    byte[] out = new byte[length];
    int done = 0;
    while (done < length) {
      long pos = offset + done;
      if (pos >= inode.sizeFor(pos, pos + 1, "read " + inode + " at " + pos)) {
        break;
      }
      long index = pos / PAGE;
      int in = (int) (pos % PAGE);
      Page p = k.fs.getPage(inode, index, true, true, null);
      if (k.pageLock()) {
        p.unlock(); // copy out with only a reference, as filemap_read does
      }
      int n;
      try {
        k.races.hit(RacePoint.READ_BEFORE_COPY, "read " + inode + " page " + index);
        // re-read after getting the page, as filemap_read does
        int want = Math.min(length - done, PAGE - in);
        long size = inode.sizeFor(pos, pos + want, "read " + inode + " at " + pos);
        n = (int) Math.min(want, Math.max(0, size - pos));
        if (n <= 0) {
          break;
        }
        k.memory.read(p.frame, in, out, done, n, "buffered read");
      } finally {
        p.put(k.memory);
      }
      if (mm != null) {
        k.mmu.store(mm, address + done, out, done, n);
      }
      done += n;
    }
    return done == length ? out : java.util.Arrays.copyOf(out, done);
  }

  /**
   * {@code readahead(2)} / {@code fadvise(POSIX_FADV_WILLNEED)} of {@code [offset, offset +
   * length)}: every page of the range below EOF that is not cached is created and read from disk
   * ({@code page_cache_ra_unbounded}); cached pages are left alone, nothing is copied out. It takes
   * no {@code i_rwsem} in any kernel; what it takes is the strategy's {@code READAHEAD} and, per
   * page created, its page-creation lock ({@code invalidate_lock} shared since 5.15). Returns how
   * many pages it created.
   */
  public int readahead(Inode inode, long offset, long length) {
    checkRange(offset, length);
    int created = 0;
    try (Held h = k.exclusion.enter(Op.READAHEAD, inode, offset, offset + length)) {
      for (long index = offset / PAGE; index * PAGE < offset + length; index++) {
        // i_size sampled per page, as page_cache_ra_unbounded's caller bounds the window by it.
        if (index * PAGE >= inode.sizeFor(index * PAGE, index * PAGE + 1, "readahead")) {
          break;
        }
        if (k.fs.readaheadPage(inode, index)) {
          created++;
        }
      }
    }
    return created;
  }

  /** Writes {@code data} at {@code offset}, extending the file if it reaches past EOF. */
  public void write(Inode inode, long offset, byte[] data) {
    checkRange(offset, data.length);
    try (Held h = k.exclusion.enter(Op.WRITE, inode, offset, offset + data.length)) {
      writeLocked(inode, offset, data);
    }
  }

  /**
   * {@code write(fd, buf)} where {@code buf} is a mapping of (possibly) the same range. The source
   * is faulted in and copied to a kernel buffer before the write's lock is taken — the fix Linux
   * uses ({@code fault_in_iov_iter_readable}, then a copy with faults disabled): FAULT and WRITE
   * conflict in the mapping table, so a fault under the write's own range lock would be a
   * self-deadlock, which rangelock reports instead of hanging.
   */
  public void writeFromMapping(
      Inode inode, long offset, int length, AddressSpace mm, long address) {
    checkRange(offset, length);
    byte[] staged = new byte[length];
    k.mmu.load(mm, address, staged, 0, length);
    write(inode, offset, staged);
  }

  private void writeLocked(Inode inode, long offset, byte[] data) {
    k.races.hit(
        RacePoint.WRITE_START, "write " + inode + " at " + offset + " length " + data.length);
    int done = 0;
    while (done < data.length) {
      long pos = offset + done;
      long index = pos / PAGE;
      int in = (int) (pos % PAGE);
      int n = Math.min(data.length - done, PAGE - in);
      boolean whole = in == 0 && n == PAGE;
      Page p = k.fs.getPage(inode, index, !whole, false, null);
      try {
        k.races.hit(RacePoint.WRITE_BEFORE_COPY, "write " + inode + " page " + index);
        if (!whole && !p.uptodate && !k.pageLock()) {
          // Without page locks a page someone else is filling is used as found.
          k.races.log("write into a page that is not uptodate: " + p);
        }
        long size = inode.size;
        if (index == size / PAGE && in > size % PAGE) {
          // The gap between the old EOF and this write, inside the old last page, must read zero.
          k.memory.zero(p.frame, (int) (size % PAGE), in, "zero gap before write");
        }
        k.memory.write(p.frame, in, data, done, n, "buffered write");
        p.uptodate = true;
        p.dirty = true;
      } finally {
        k.fs.release(p);
      }
      // A write that starts inside the old EOF page zeroed its own gap above; one that starts
      // beyond it leaves that page behind, and the page's tail (where a store through a mapping
      // may have left bytes past EOF) becomes file data when i_size moves: zero it first (Linux
      // fixed this class in 2024; xfstests generic/363, fsx -e 1).
      k.fs.extendSize(inode, pos + n, done == 0 && index != inode.size / PAGE);
      done += n;
    }
    k.writeback.noteDirty(inode);
  }

  static void checkRange(long offset, long length) {
    if (offset < 0 || length < 0 || offset + length < 0) {
      throw new IllegalArgumentException("offset " + offset + " length " + length);
    }
  }
}
