package org.rangelock.sim.cases;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 11, direct vs buffered IO, the read half of Chinner's case 7. A direct write replaces page 1
 * while another thread reads page 1 through the cache twice. Each read must return the old or the
 * direct data (nothing else is ever in the file), and afterwards page 1 must hold the direct data
 * through the cache (a page the read filled from the old block and left behind is stale) and on
 * disk after fsync.
 */
final class BufferedReadVsDirectWrite extends BaseCase {
  static final int OLD = 0xAB;
  static final int DIRECT = 0xDB;

  BufferedReadVsDirectWrite() {
    super(11, "direct IO vs buffered read", OLD);
  }

  @Override
  public List<Role> roles(World w) {
    byte[] direct = World.page(DIRECT, 1);
    return List.of(
        new Role(
            "read",
            () -> {
              for (int i = 0; i < 2; i++) {
                w.cachedPage(w.file, 1);
              }
            }),
        new Role(
            "direct",
            () -> w.k.direct.write(w.file, org.rangelock.sim.kernel.PhysicalMemory.PAGE, direct)));
  }

  @Override
  public void check(World w) {
    byte[] d = World.page(DIRECT, 1);
    w.expectOneOf(ViolationKind.STALE_DATA, "page 1 through the cache", w.cachedPage(w.file, 1), d);
    w.k.writeback.fsync(w.file);
    w.expectOneOf(ViolationKind.LOST_WRITE, "page 1 on disk after fsync", w.diskPage(w.file, 1), d);
  }

  @Override
  public List<byte[]> serialStates(World w, World.Read read) {
    if (read.inode() != w.file || read.index() != 1) {
      return null;
    }
    return List.of(World.page(OLD, 1), World.page(DIRECT, 1));
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "buffered read fills the cache from the old block before the direct write's IO",
            r ->
                r.pauseAt(
                        "direct",
                        RacePoint.DIRECT_BEFORE_IO,
                        1,
                        "read:" + RacePoint.READ_BEFORE_COPY + "#1",
                        Windows.WAIT)
                    .pauseAt("read", RacePoint.READ_BEFORE_COPY, 1, "direct:done", Windows.WAIT)));
  }
}
