package org.rangelock.sim.cluster;

import java.util.List;
import org.rangelock.sim.cases.Case.Role;
import org.rangelock.sim.cases.Case.Window;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * A test-only cluster case: node A's direct write of page 1 waits between its token and its device
 * write while A's ZooKeeper session expires and node B, granted page 1 once A's token has gone with
 * the session, reads it direct. A's device write then carries a fence older than B's hold: a fenced
 * device refuses it, and A's direct write must return {@code EIO} to its caller. Not in {@link
 * DfsRunner#CASES}: no case of the matrix writes direct that late; it shows the direct write's
 * error path and the oracle that checks it.
 */
final class LateDirectWrite extends BaseDfsCase {
  static final int OLD = 0x3D;
  static final int A_DATA = 0xAD;

  LateDirectWrite() {
    super(199, "late direct write after session expiry", OLD);
  }

  @Override
  public List<Role> roles(DfsWorld w) {
    return List.of(
        new Role("A-direct", () -> w.directWrite(w.a, 1, DfsWorld.page(A_DATA, 1))),
        new Role(
            "A-expire",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "A's ZooKeeper session expires");
              w.expire(w.a);
            }),
        new Role(
            "B-read",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "B reads page 1 direct");
              w.directRead(w.b, 1);
            }));
  }

  @Override
  public void settle(DfsWorld w) {
    if (!w.lostHandled(w.a)) {
      w.races.log("A's lock did not report its expired session's tokens lost within 20 s");
    }
  }

  @Override
  public void check(DfsWorld w) {
    // A's write was refused: the disk keeps the old page, on every path of every node.
    w.everyPathShows(ViolationKind.LOST_WRITE, 1, DfsWorld.page(OLD, 1));
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "A's direct write waits before its IO while A's session expires and B reads page 1",
            r ->
                r.pauseAt(
                        "A-expire",
                        RacePoint.ROLE_START,
                        1,
                        "A-direct:" + RacePoint.DIRECT_BEFORE_IO,
                        DfsRunner.WAIT)
                    .pauseAt("B-read", RacePoint.ROLE_START, 1, "A-expire:done", DfsRunner.WAIT)
                    .pauseAt(
                        "A-direct", RacePoint.DIRECT_BEFORE_IO, 1, "B-read:done", DfsRunner.WAIT)));
  }
}
