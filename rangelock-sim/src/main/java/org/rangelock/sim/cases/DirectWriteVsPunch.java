package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 12, direct write vs hole punch. A direct write replaces pages 1 and 2 while another thread
 * punches them and then lets a second file take the freed blocks. In either serial order each page
 * ends as the direct data or as zeros — through the cache and on disk after fsync — and the direct
 * write never lands in a block the punch freed (which the second file may own by then).
 */
final class DirectWriteVsPunch extends BaseCase {
  static final int OLD = 0xAC;
  static final int DIRECT = 0xDC;
  static final int OTHER = 0x0C;

  DirectWriteVsPunch() {
    super(12, "direct write vs punch", OLD);
  }

  @Override
  public List<Role> roles(World w) {
    byte[] d = World.pagesOneAndTwo(DIRECT);
    return List.of(
        new Role("direct", () -> w.k.direct.write(w.file, PAGE, d)),
        new Role(
            "punch",
            () -> {
              w.punchPagesOneAndTwoAndReuse(OTHER);
            }));
  }

  @Override
  public void check(World w) {
    for (int i = 1; i <= 2; i++) {
      byte[] d = World.page(DIRECT, i);
      byte[] cached = w.cachedPage(w.file, i);
      w.expectOneOf(
          ViolationKind.STALE_DATA, "page " + i + " through the cache", cached, d, World.zeros());
    }
    w.k.writeback.fsync(w.file);
    for (int i = 1; i <= 2; i++) {
      w.expectOneOf(
          ViolationKind.STALE_DATA,
          "page " + i + " on disk after fsync",
          w.diskPage(w.file, i),
          w.cachedPage(w.file, i));
    }
    for (int i = 0; i < 2; i++) {
      w.expectOneOf(
          ViolationKind.BLOCK_OF_OTHER_FILE,
          "second file's page " + i,
          w.diskPage(w.other, i),
          World.page(OTHER, i));
    }
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "the punch frees the block the direct write looked up, another file takes it",
            r ->
                r.pauseAt("direct", RacePoint.DIRECT_AFTER_LOOKUP, 1, "punch:done", Windows.WAIT)
                    .pauseAt(
                        "punch",
                        RacePoint.KILL_START,
                        1,
                        "direct:" + RacePoint.DIRECT_AFTER_LOOKUP,
                        Windows.WAIT)));
  }
}
