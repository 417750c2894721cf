package org.rangelock.sim.kernel;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import org.rangelock.sim.exclusion.Exclusion.Held;
import org.rangelock.sim.exclusion.Op;
import org.rangelock.sim.race.RacePoint;

/**
 * The operations that remove pages and blocks — truncate, punch hole, zero range, collapse range,
 * insert range — and fallocate, which only adds blocks.
 *
 * <p>Each killer follows its Linux shape: set the size (truncate), unmap the range ({@code
 * unmap_mapping_range}), truncate the cache, unmap again if the strategy does (a fault may have
 * raced in), then free or move blocks. Partial pages at the edges are zeroed through the cache. The
 * window between truncating the cache and freeing the blocks is {@link RacePoint#KILL_BEFORE_FREE}:
 * a fault that reads the old block there puts pre-punch data back in the cache — the 2012
 * hole-punch bug.
 */
public final class PageKillers {
  private final Kernel k;

  PageKillers(Kernel k) {
    this.k = k;
  }

  private static long pagesUp(long bytes) {
    return (bytes + PAGE - 1) / PAGE;
  }

  /** Sets the size to {@code newSize}, freeing what lies past it. */
  public void truncate(Inode inode, long newSize) {
    if (newSize < 0) {
      throw new IllegalArgumentException("truncate to negative size " + newSize);
    }
    long from = Math.min(inode.size, newSize);
    try (Held h = k.exclusion.enter(Op.TRUNCATE, inode, from, Long.MAX_VALUE)) {
      k.races.hit(RacePoint.KILL_START, "truncate " + inode + " to " + newSize);
      long old = inode.sizeFor(newSize, Long.MAX_VALUE, "truncate " + inode + " to " + newSize);
      if (newSize >= old) {
        k.fs.extendSize(inode, newSize);
        return;
      }
      k.fs.setSize(inode, newSize); // i_size first, so a fault that rechecks it sees the new EOF
      k.races.hit(RacePoint.KILL_BEFORE_UNMAP, "truncate " + inode + " to " + newSize);
      long firstWhole = pagesUp(newSize);
      dropPages(inode, firstWhole, Long.MAX_VALUE, true);
      if (newSize % PAGE != 0) {
        k.fs.zeroInPage(inode, newSize / PAGE, (int) (newSize % PAGE), PAGE);
      }
      k.races.hit(
          RacePoint.KILL_BEFORE_FREE, "truncate " + inode + " frees from page " + firstWhole);
      k.fs.freeBlocks(inode, firstWhole, Long.MAX_VALUE);
      k.races.hit(RacePoint.KILL_AFTER_FREE, "truncate " + inode + " done");
    }
  }

  /** Deallocates {@code [offset, offset + length)} clamped to the size; the size is kept. */
  public void punchHole(Inode inode, long offset, long length) {
    BufferedIo.checkRange(offset, length);
    if (length == 0) {
      return;
    }
    try (Held h = k.exclusion.enter(Op.PUNCH, inode, offset, offset + length)) {
      k.races.hit(RacePoint.KILL_START, "punch " + inode + " at " + offset + " length " + length);
      long end = Math.min(offset + length, inode.size);
      if (offset >= end) {
        return;
      }
      if (k.exclusion.writesBackBeforePunch()) {
        // ext4_punch_hole, xfs_free_file_space: filemap_write_and_wait_range first.
        k.writeback.syncRange(inode, offset / PAGE, pagesUp(end), true);
      }
      deallocate(inode, offset, end, "punch");
    }
  }

  /** Zeroes the pages of {@code [offset, end)} and frees the whole ones' blocks. */
  private void deallocate(Inode inode, long offset, long end, String what) {
    long firstWhole = pagesUp(offset);
    long endWhole = end / PAGE;
    if (firstWhole > endWhole) {
      // Inside one page.
      k.fs.zeroInPage(
          inode, offset / PAGE, (int) (offset % PAGE), (int) (end - offset / PAGE * PAGE));
      return;
    }
    if (offset % PAGE != 0) {
      k.fs.zeroInPage(inode, offset / PAGE, (int) (offset % PAGE), PAGE);
    }
    if (end % PAGE != 0) {
      k.fs.zeroInPage(inode, endWhole, 0, (int) (end % PAGE));
    }
    if (firstWhole == endWhole) {
      return;
    }
    k.races.hit(
        RacePoint.KILL_BEFORE_UNMAP, what + " " + inode + " pages " + firstWhole + ".." + endWhole);
    dropPages(inode, firstWhole, endWhole, false);
    k.races.hit(
        RacePoint.KILL_BEFORE_FREE,
        what + " " + inode + " frees pages " + firstWhole + ".." + endWhole);
    k.fs.freeBlocks(inode, firstWhole, endWhole);
    k.races.hit(RacePoint.KILL_AFTER_FREE, what + " " + inode + " done");
  }

  /**
   * Zeroes {@code [offset, offset + length)}: the whole pages become unwritten extents; without
   * {@code keepSize} the file first grows to cover the range.
   */
  public void zeroRange(Inode inode, long offset, long length, boolean keepSize) {
    BufferedIo.checkRange(offset, length);
    if (length == 0) {
      return;
    }
    try (Held h = k.exclusion.enter(Op.ZERO_RANGE, inode, offset, offset + length)) {
      if (!keepSize) {
        k.fs.extendSize(inode, offset + length);
      }
      long end = Math.min(offset + length, inode.size);
      if (offset >= end) {
        return;
      }
      deallocate(inode, offset, end, "zero range");
      k.fs.allocateUnwritten(inode, pagesUp(offset), end / PAGE);
    }
  }

  /** Allocates unwritten blocks over {@code [offset, offset + length)}; may grow the size. */
  public void fallocate(Inode inode, long offset, long length, boolean keepSize) {
    BufferedIo.checkRange(offset, length);
    if (length == 0) {
      return;
    }
    try (Held h = k.exclusion.enter(Op.FALLOCATE, inode, offset, offset + length)) {
      k.fs.allocateUnwritten(inode, offset / PAGE, pagesUp(offset + length));
      if (!keepSize) {
        k.fs.extendSize(inode, offset + length);
      }
      // Blocks allocated past EOF with keep_size are legitimate (preallocation); the
      // past-EOF oracle ignores unwritten extents.
    }
  }

  private static void checkShift(String what, long offset, long length) {
    if (offset < 0 || length <= 0 || offset % PAGE != 0 || length % PAGE != 0) {
      throw new IllegalArgumentException(
          what + " needs block-aligned offset and length: offset " + offset + " length " + length);
    }
  }

  /** Removes {@code [offset, offset + length)}; later bytes move down. */
  public void collapseRange(Inode inode, long offset, long length) {
    checkShift("collapse range", offset, length);
    try (Held h = k.exclusion.enter(Op.COLLAPSE, inode, offset, Long.MAX_VALUE)) {
      k.races.hit(
          RacePoint.KILL_START, "collapse " + inode + " at " + offset + " length " + length);
      long size = inode.size;
      if (offset + length >= size) {
        throw new IllegalArgumentException(
            "collapse range " + offset + "+" + length + " reaches EOF " + size);
      }
      shiftPrepare(inode, offset / PAGE);
      // The window a fault that reads a block here (old data at an index about to move) falls in.
      k.races.hit(
          RacePoint.KILL_BEFORE_FREE,
          "collapse " + inode + " frees pages " + offset / PAGE + ".." + (offset + length) / PAGE);
      k.fs.freeBlocks(inode, offset / PAGE, (offset + length) / PAGE);
      k.fs.shiftExtents(inode, (offset + length) / PAGE, -length / PAGE);
      k.fs.setSize(inode, size - length);
      k.races.hit(RacePoint.KILL_AFTER_FREE, "collapse " + inode + " done");
    }
  }

  /** Inserts {@code length} zero bytes at {@code offset}; later bytes move up. */
  public void insertRange(Inode inode, long offset, long length) {
    checkShift("insert range", offset, length);
    try (Held h = k.exclusion.enter(Op.INSERT, inode, offset, Long.MAX_VALUE)) {
      k.races.hit(RacePoint.KILL_START, "insert " + inode + " at " + offset + " length " + length);
      long size = inode.size;
      if (offset >= size) {
        throw new IllegalArgumentException("insert range at " + offset + " not below EOF " + size);
      }
      shiftPrepare(inode, offset / PAGE);
      k.fs.shiftExtents(inode, offset / PAGE, length / PAGE);
      k.fs.setSize(inode, size + length);
      k.races.hit(RacePoint.KILL_AFTER_FREE, "insert " + inode + " done");
    }
  }

  /** Flushes, unmaps and drops the cache from page {@code from} on, before extents move. */
  private void shiftPrepare(Inode inode, long from) {
    k.writeback.syncRange(inode, from, Long.MAX_VALUE, true);
    k.races.hit(RacePoint.KILL_BEFORE_UNMAP, "shift " + inode + " from page " + from);
    dropPages(inode, from, Long.MAX_VALUE, true);
  }

  /**
   * Unmaps pages {@code [from, to)} (and, with {@code evenCows}, the private copies made of them)
   * and drops them from the cache. With {@code evenCows} (truncate: {@code truncate_pagecache}) it
   * unmaps again if the strategy does, as a fault may have mapped one in between; without (punch,
   * zero: {@code truncate_pagecache_range}) it unmaps once, as Linux does.
   */
  private void dropPages(Inode inode, long from, long to, boolean evenCows) {
    try (Held drop = k.exclusion.enterPageDrop(inode)) {
      k.mmu.unmapMappingRange(inode, from, to, evenCows);
      k.races.hit(RacePoint.KILL_AFTER_UNMAP, "unmapped " + inode + " pages " + from + ".." + to);
      k.fs.truncateCache(inode, from, to);
      if (evenCows && k.exclusion.unmapsTwice()) {
        k.mmu.unmapMappingRange(inode, from, to, evenCows);
      }
    }
  }

  /** {@code copy_file_range} by splicing: a buffered read, then a buffered write. */
  public void copyRange(Inode inode, long src, long length, long dst) {
    BufferedIo.checkRange(src, length);
    BufferedIo.checkRange(dst, length);
    byte[] data = k.io.read(inode, src, (int) length);
    if (data.length > 0) {
      k.io.write(inode, dst, data);
    }
  }
}
