package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.Arrays;
import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 15, a multi-page buffered write vs hole punch. One {@code write(2)} replaces pages 1 and 2
 * while another thread punches the same two pages and then lets a second file take the freed
 * blocks. The two serial orders leave pages 1 and 2 both written (punch, then write) or both zero
 * (write, then punch); a mix — one page written, the other zero — is a write the punch cut in two,
 * which no order of the two calls produces, and old data coming back is a resurrection. Checked
 * through the cache and on disk after fsync; the second file keeps its own data.
 *
 * <p>What keeps the two apart in Linux is not a lock of the mapping but {@code i_rwsem} (exclusive
 * for both; 2.6's {@code i_mutex}): the page lock covers one page at a time, so a design without a
 * file-wide lock must cover the write's whole range for its whole duration.
 */
final class BufferedWriteVsPunch extends BaseCase {
  static final int OLD = 0xAF;
  static final int NEW = 0xBF;
  static final int OTHER = 0x0F;

  BufferedWriteVsPunch() {
    super(15, "two-page buffered write vs punch", OLD);
  }

  @Override
  public List<Role> roles(World w) {
    byte[] data = World.pagesOneAndTwo(NEW);
    return List.of(
        new Role("write", () -> w.k.io.write(w.file, PAGE, data)),
        new Role(
            "punch",
            () -> {
              w.punchPagesOneAndTwoAndReuse(OTHER);
            }));
  }

  @Override
  public void check(World w) {
    judge(w, "through the cache", w.cachedPage(w.file, 1), w.cachedPage(w.file, 2));
    w.k.writeback.fsync(w.file);
    judge(w, "on disk after fsync", w.diskPage(w.file, 1), w.diskPage(w.file, 2));
    w.expectOneOf(
        ViolationKind.STALE_DATA, "untouched page 0", w.cachedPage(w.file, 0), World.page(OLD, 0));
    w.expectOneOf(
        ViolationKind.STALE_DATA, "untouched page 3", w.cachedPage(w.file, 3), World.page(OLD, 3));
    for (int i = 0; i < 2; i++) {
      w.expectOneOf(
          ViolationKind.BLOCK_OF_OTHER_FILE,
          "second file's page " + i,
          w.diskPage(w.other, i),
          World.page(OTHER, i));
    }
  }

  /** Pages 1 and 2 as a pair: both written or both zero. */
  private static void judge(World w, String where, byte[] one, byte[] two) {
    byte[] n1 = World.page(NEW, 1);
    byte[] n2 = World.page(NEW, 2);
    byte[] z = World.zeros();
    if ((Arrays.equals(one, n1) && Arrays.equals(two, n2))
        || (Arrays.equals(one, z) && Arrays.equals(two, z))) {
      return;
    }
    boolean old = Arrays.equals(one, World.page(OLD, 1)) || Arrays.equals(two, World.page(OLD, 2));
    w.races.violation(
        old ? ViolationKind.RESURRECTED_DATA : ViolationKind.LOST_WRITE,
        "pages 1 and 2 "
            + where
            + " show "
            + World.describe(one)
            + " and "
            + World.describe(two)
            + "; the serial orders give both "
            + World.describe(n1)
            + "… or both zeros");
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "the punch runs whole while the write holds page 1, before copying into it",
            r ->
                r.pauseAt("write", RacePoint.WRITE_BEFORE_COPY, 1, "punch:done", Windows.WAIT)
                    .pauseAt(
                        "punch",
                        RacePoint.KILL_START,
                        1,
                        "write:" + RacePoint.WRITE_BEFORE_COPY,
                        Windows.WAIT)));
  }
}
