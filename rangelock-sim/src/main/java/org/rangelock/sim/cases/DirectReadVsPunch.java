package org.rangelock.sim.cases;

import java.util.List;
import org.rangelock.sim.race.RacePoint;

/**
 * Case 14, direct read vs hole punch with block reuse. A direct read of pages 1 and 2 races a punch
 * of the same pages, after which a second file takes the freed blocks. In either serial order each
 * page the read returns is its old data or zeros; the second file's bytes are an information leak
 * (the generic oracle catches the read of a block another file owns; the serial-order oracle checks
 * what the read returned).
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
        new Role("direct", () -> w.directRead(w.file, 1, 2)),
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
  public List<byte[]> serialStates(World w, World.Read read) {
    if (read.inode() != w.file || read.index() < 1 || read.index() > 2) {
      return null;
    }
    return List.of(World.page(OLD, read.index()), World.zeros());
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
