package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 10, the cross-file AB-BA Jan Kara described in 2020: one thread writes pages 1 and 2 of file
 * A directly from a shared mapping of pages 1 and 2 of file B, while another writes pages 1 and 2
 * of B directly from a mapping of A. Each direct IO holds its lock on its own file while it pins a
 * buffer that maps the other's. Both writes must complete (no hang, no {@code EFAULT}); for each
 * page, the pair (A, B) must be one that some order of the two page copies produces: (B, B), (A, A)
 * or (B, A) — never (A, B), which would mean neither copy happened.
 */
final class CrossMappedDirectWrites extends BaseCase {
  static final int A = 0xAA;
  static final int B = 0xBA;

  CrossMappedDirectWrites() {
    super(10, "direct writes cross-mapped (AB-BA)", A);
  }

  @Override
  public void setUp(World w) {
    super.setUp(w);
    w.populate(w.other, B, World.PAGES);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "a",
            () ->
                w.returned.put(
                    "gotA",
                    w.k.direct.writeFromMapping(
                        w.file, PAGE, 2 * PAGE, w.mm, w.otherShared.address(PAGE)))),
        new Role(
            "b",
            () ->
                w.returned.put(
                    "gotB",
                    w.k.direct.writeFromMapping(
                        w.other, PAGE, 2 * PAGE, w.mm, w.shared.address(PAGE)))));
  }

  @Override
  public void check(World w) {
    if (w.returned.getOrDefault("gotA", -1) != 2 * PAGE
        || w.returned.getOrDefault("gotB", -1) != 2 * PAGE) {
      w.races.violation(
          ViolationKind.IO_FAILED,
          "direct writes from the cross mappings returned "
              + w.returned.getOrDefault("gotA", -1)
              + " and "
              + w.returned.getOrDefault("gotB", -1));
    }
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 1; i <= 2; i++) {
        byte[] a = pass == 0 ? w.cachedPage(w.file, i) : w.diskPage(w.file, i);
        byte[] b = pass == 0 ? w.cachedPage(w.other, i) : w.diskPage(w.other, i);
        byte[] oldA = World.page(A, i);
        byte[] oldB = World.page(B, i);
        String where = pass == 0 ? " through the cache" : " on disk after fsync";
        boolean ok =
            (java.util.Arrays.equals(a, oldB) && java.util.Arrays.equals(b, oldB))
                || (java.util.Arrays.equals(a, oldA) && java.util.Arrays.equals(b, oldA))
                || (java.util.Arrays.equals(a, oldB) && java.util.Arrays.equals(b, oldA));
        if (!ok) {
          w.races.violation(
              pass == 1 && java.util.Arrays.equals(a, oldA) && java.util.Arrays.equals(b, oldB)
                  ? ViolationKind.LOST_WRITE
                  : ViolationKind.STALE_DATA,
              "page "
                  + i
                  + where
                  + ": A shows "
                  + World.describe(a)
                  + ", B shows "
                  + World.describe(b));
        }
      }
      if (pass == 0) {
        w.k.writeback.fsync(w.file);
        w.k.writeback.fsync(w.other);
      }
    }
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "both writes hold their own file's lock before either pins its buffer",
            r ->
                r.pauseAt(
                        "a", RacePoint.DIRECT_START, 1, "b:" + RacePoint.DIRECT_START, Windows.WAIT)
                    .pauseAt(
                        "b",
                        RacePoint.DIRECT_START,
                        1,
                        "a:" + RacePoint.DIRECT_START,
                        Windows.WAIT)));
  }
}
