package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 13, two page killers at once: a hole punch of pages 1 and 2 and a truncate to one and a half
 * pages, while a third thread loads page 1 through the shared mapping. Both serial orders end the
 * same: size 1.5 pages, page 0 its old data, page 1 all zeros (the first half punched, the rest
 * past EOF) through the cache and on disk after fsync; no block is freed twice or left to the file
 * past EOF.
 */
final class TwoKillers extends BaseCase {
  static final int OLD = 0xAD;
  static final long NEW_SIZE = PAGE + PAGE / 2;

  TwoKillers() {
    super(13, "punch vs truncate (two killers)", OLD);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "punch",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "punch");
              w.k.killers.punchHole(w.file, PAGE, 2L * PAGE);
            }),
        new Role(
            "truncate",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "truncate");
              w.k.killers.truncate(w.file, NEW_SIZE);
            }),
        new Role("fault", () -> w.loadPage(w.shared, 1)));
  }

  @Override
  public void check(World w) {
    if (w.file.size() != NEW_SIZE) {
      w.races.violation(
          ViolationKind.STALE_DATA, "size is " + w.file.size() + ", both orders give " + NEW_SIZE);
    }
    w.expectOneOf(
        ViolationKind.STALE_DATA,
        "page 0 through the cache",
        w.cachedPage(w.file, 0),
        World.page(OLD, 0));
    w.expectOneOf(
        ViolationKind.RESURRECTED_DATA,
        "page 1 through the cache",
        w.cachedPage(w.file, 1),
        World.zeros());
    w.k.writeback.fsync(w.file);
    w.expectOneOf(
        ViolationKind.RESURRECTED_DATA,
        "page 1 on disk after fsync",
        w.diskPage(w.file, 1),
        World.zeros());
  }

  /**
   * Page 1 is old, old up to the new EOF and zero past it (truncate only), or zero (punch, with or
   * without the truncate).
   */
  @Override
  public List<byte[]> serialStates(World w, World.Read read) {
    if (read.inode() != w.file || read.index() != 1) {
      return null;
    }
    byte[] half = World.page(OLD, 1);
    java.util.Arrays.fill(half, (int) (NEW_SIZE - PAGE), PAGE, (byte) 0);
    return List.of(World.page(OLD, 1), half, World.zeros());
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "truncate runs whole while the punch is between its cache truncation and its block free",
            r ->
                r.pauseAt("punch", RacePoint.KILL_BEFORE_FREE, 1, "truncate:done", Windows.WAIT)
                    .pauseAt(
                        "truncate",
                        RacePoint.KILL_START,
                        1,
                        "punch:" + RacePoint.KILL_BEFORE_FREE,
                        Windows.WAIT)),
        new Window(
            "the fault refills page 1 between the punch's cache truncation and its block free",
            r ->
                Windows.faultBetweenCacheTruncationAndBlockFree(r, "punch")
                    .pauseAt("truncate", RacePoint.ROLE_START, 1, "punch:done", Windows.WAIT)));
  }
}
