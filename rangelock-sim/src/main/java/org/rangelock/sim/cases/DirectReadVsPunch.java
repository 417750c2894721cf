package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.Arrays;
import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 14, direct read vs hole punch with block reuse. A direct read of pages 1 and 2 races a punch
 * of the same pages, after which a second file takes the freed blocks. In either serial order each
 * page the read returns is its old data or zeros; the second file's bytes are an information leak
 * (the generic oracle catches the read of a block another file owns; this case also checks what the
 * read returned).
 */
final class DirectReadVsPunch extends BaseCase {
  static final int OLD = 0xAE;
  static final int OTHER = 0x0F;

  DirectReadVsPunch() {
    super(14, "direct read vs punch (block reuse)", OLD);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "direct",
            () -> {
              byte[] got = w.k.direct.read(w.file, PAGE, 2 * PAGE);
              for (int i = 1; i <= 2; i++) {
                byte[] p = Arrays.copyOfRange(got, (i - 1) * PAGE, i * PAGE);
                if (Arrays.equals(p, World.page(OTHER, i - 1))
                    || Arrays.equals(p, World.page(OTHER, 2 - i))) {
                  w.races.violation(
                      ViolationKind.INFORMATION_LEAK,
                      "direct read of page " + i + " returned the second file's data");
                } else {
                  w.expectOneOf(
                      ViolationKind.STALE_DATA,
                      "direct read of page " + i + " during the punch",
                      p,
                      World.page(OLD, i),
                      World.zeros());
                }
              }
            }),
        new Role(
            "punch",
            () -> {
              w.punchPagesOneAndTwoAndReuse(OTHER);
            }));
  }

  @Override
  public void check(World w) {
    for (int i = 1; i <= 2; i++) {
      w.expectPunchedZeros(i, "through the cache", w.cachedPage(w.file, i));
    }
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "the read looks the block up, the punch frees it and another file reuses it",
            r ->
                r.pauseAt("direct", RacePoint.READPAGE_AFTER_LOOKUP, 1, "punch:done", Windows.WAIT)
                    .pauseAt(
                        "punch",
                        RacePoint.KILL_START,
                        1,
                        "direct:" + RacePoint.READPAGE_AFTER_LOOKUP,
                        Windows.WAIT)));
  }
}
