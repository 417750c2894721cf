package org.rangelock.sim.cluster;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.rangelock.sim.cases.Case.Role;
import org.rangelock.sim.cases.Case.Window;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 105, case 7 across nodes: A reads page 1 through its cache while B writes it with direct IO.
 * B's direct write goes around every cache, so it must take every other node's cached copy of the
 * range away ({@code CW} excludes {@code PR}): once B's write has returned, A's next buffered read
 * must show the direct data, and so must every path of every node afterwards.
 */
final class RemoteDirectWriteVsCachedRead extends BaseDfsCase {
  static final int OLD = 0x35;
  static final int DIRECT = 0xD5;

  RemoteDirectWriteVsCachedRead() {
    super(105, "direct write on B vs cached read on A", OLD);
  }

  @Override
  public List<Role> roles(DfsWorld w) {
    CountDownLatch written = new CountDownLatch(1);
    return List.of(
        new Role(
            "A-read",
            () -> {
              w.read(w.a, 1);
              if (DfsWorld.await(written)) {
                w.expectOneOf(
                    ViolationKind.STALE_DATA,
                    "A's buffered read of page 1 after B's direct write returned",
                    w.read(w.a, 1),
                    DfsWorld.page(DIRECT, 1));
              }
            }),
        new Role(
            "B-dwrite",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "B writes page 1 direct");
              w.directWrite(w.b, 1, DfsWorld.page(DIRECT, 1));
              written.countDown();
            }));
  }

  @Override
  public void check(DfsWorld w) {
    w.everyPathShows(ViolationKind.STALE_DATA, 1, DfsWorld.page(DIRECT, 1));
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "B's direct write starts once A's buffered read has cached page 1",
            r ->
                r.pauseAt(
                    "B-dwrite",
                    RacePoint.ROLE_START,
                    1,
                    "A-read:" + RacePoint.READ_BEFORE_COPY,
                    DfsRunner.WAIT)));
  }
}
