package org.rangelock.sim.cases;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 1, mmap fault vs hole punch. Pages 1 and 2 of a four-page file are punched while another
 * thread loads them through a shared mapping; right after the punch a second file takes the freed
 * blocks. The faulting thread only reads, so afterwards the range must read zeros everywhere: in
 * the cache, through the mapping, and on disk.
 */
final class FaultVsPunch extends BaseCase {
  static final int TAG = 0xA1;
  static final int OTHER = 0x0E;

  FaultVsPunch() {
    super(1, "mmap fault vs hole punch", TAG);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "fault",
            () -> {
              for (int round = 0; round < 2; round++) {
                w.loadPage(w.shared, 1);
                w.loadPage(w.shared, 2);
              }
            }),
        new Role(
            "punch",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "punch");
              w.punchPagesOneAndTwoAndReuse(OTHER);
            }));
  }

  @Override
  public void check(World w) {
    w.expectPunchedZerosThroughMappingAndCache(w.shared, "mapping");
    w.expectPunchedZerosOnDiskAfterFsync();
    w.expectOneOf(
        ViolationKind.STALE_DATA, "untouched page 3", w.cachedPage(w.file, 3), World.page(TAG, 3));
  }

  /** Pages 1 and 2 are old (the punch has not reached them) or zero (it has). */
  @Override
  public List<byte[]> serialStates(World w, World.Read read) {
    if (read.inode() != w.file || read.index() < 1 || read.index() > 2) {
      return null;
    }
    return java.util.Arrays.asList(World.page(TAG, read.index()), World.zeros());
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "fault refills the cache between truncate_pagecache_range and the block free",
            r ->
                r.pauseAt(
                        "fault",
                        RacePoint.FAULT_START,
                        1,
                        "punch:" + RacePoint.KILL_BEFORE_FREE,
                        Windows.WAIT)
                    .pauseAt("punch", RacePoint.KILL_BEFORE_FREE, 1, "fault:done", Windows.WAIT)),
        new Window(
            "fault reads the old block, the punch frees it and another file reuses it",
            r ->
                r.pauseAt(
                        "punch",
                        RacePoint.KILL_START,
                        1,
                        "fault:READPAGE_AFTER_LOOKUP#1",
                        Windows.WAIT)
                    .pauseAt(
                        "fault", RacePoint.READPAGE_AFTER_LOOKUP, 1, "punch:done", Windows.WAIT)
                    // Keep the second page's fault out of the way: this window is about the first.
                    .pauseAt("fault", RacePoint.FAULT_START, 2, "punch:done", Windows.WAIT)),
        new Window(
            "the fault is past its sequence sample when the punch starts, fills the page after the"
                + " cache truncation, and its retry maps that cached copy",
            r -> Windows.faultBetweenCacheTruncationAndBlockFree(r, "punch")));
  }
}
