package org.rangelock.sim.cluster;

import java.util.Arrays;
import java.util.List;
import org.rangelock.sim.cases.Case.Role;
import org.rangelock.sim.cases.Case.Window;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 107: node A dirties page 1 under its write token and fsyncs it, while A's ZooKeeper session
 * expires (a pause, a partition) and node B, granted the page once A's token has gone with the
 * session, writes page 1 and fsyncs. A's writeback, made under the token it lost, must not land
 * after B's hold used the range (the fence at the shared device refuses it), and B's write,
 * acknowledged by B's fsync, must not be lost.
 */
final class SessionExpiryWithDirtyPages extends BaseDfsCase {
  static final int OLD = 0x37;
  static final int A_DATA = 0xA7;
  static final int B_DATA = 0xB7;

  SessionExpiryWithDirtyPages() {
    super(107, "session expiry with dirty pages", OLD);
  }

  @Override
  public List<Role> roles(DfsWorld w) {
    return List.of(
        new Role(
            "A-write",
            () -> {
              w.write(w.a, 1, DfsWorld.page(A_DATA, 1));
              w.fsync(w.a);
            }),
        new Role(
            "A-expire",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "A's ZooKeeper session expires");
              w.expire(w.a);
              w.races.log("A's session is closed on the server");
            }),
        new Role(
            "B-write",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "B writes page 1 and fsyncs");
              w.write(w.b, 1, DfsWorld.page(B_DATA, 1));
              w.fsync(w.b);
              w.races.log("B's fsync returned: B's write of page 1 is acknowledged");
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
    // B's fsync returned (every role did): page 1 on the disk is B's write, or a write A landed
    // afterwards under a token granted after B's (a legitimate later write). A late landing of A's
    // is reported by the fence oracle as it lands; here: whether it destroyed B's write.
    byte[] disk = w.directRead(w.b, 1);
    byte[] a = DfsWorld.page(A_DATA, 1);
    byte[] b = DfsWorld.page(B_DATA, 1);
    if (Arrays.equals(disk, a) && w.fence.lastLandingWasLate("A", 1)) {
      w.races.violation(
          ViolationKind.LOST_WRITE,
          "B's write of page 1, acknowledged by B's fsync, is lost: the disk shows A's write,"
              + " which landed under a token A had lost");
    } else {
      w.expectOneOf(ViolationKind.LOST_WRITE, "page 1 on the disk", disk, b, a);
    }
    w.expectOneOf(ViolationKind.STALE_DATA, "page 1 read on B", w.read(w.b, 1), disk);
    w.expectOneOf(ViolationKind.STALE_DATA, "page 1 loaded on B", w.load(w.b, 1), disk);
    w.everyPathShows(ViolationKind.STALE_DATA, 2, DfsWorld.page(OLD, 2));
  }

  /**
   * Not in the default run: a trial expires a real ZooKeeper session (a second handle connects and
   * closes) and the node's client opens a new one, about 0.5 s a trial against 0.03 s for the other
   * cluster cases: 20 trials of each row would add about a minute.
   */
  @Override
  public boolean inDefaultRun() {
    return false;
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "A's writeback IO waits while A's session expires and B writes page 1 and fsyncs",
            r ->
                r.pauseAt(
                        "A-expire",
                        RacePoint.ROLE_START,
                        1,
                        "A-write:" + RacePoint.WRITEBACK_BEFORE_IO,
                        DfsRunner.WAIT)
                    .pauseAt("B-write", RacePoint.ROLE_START, 1, "A-expire:done", DfsRunner.WAIT)
                    .pauseAt(
                        "A-write",
                        RacePoint.WRITEBACK_BEFORE_IO,
                        1,
                        "B-write:done",
                        DfsRunner.WAIT)));
  }
}
