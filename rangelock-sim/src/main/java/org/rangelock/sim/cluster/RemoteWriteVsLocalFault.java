package org.rangelock.sim.cluster;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.rangelock.sim.cases.Case.Role;
import org.rangelock.sim.cases.Case.Window;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 101, the race of the 2003 thread: node B writes page 1 while node A faults page 1 in through
 * its mapping. Once B's write has returned, A's next load (and every later operation on any node,
 * through every path) must show B's data: a PTE A installed after B's revocation had zapped the
 * range maps a page nobody will ever invalidate again.
 */
final class RemoteWriteVsLocalFault extends BaseDfsCase {
  static final int OLD = 0x31;
  static final int NEW = 0xB1;

  RemoteWriteVsLocalFault() {
    super(101, "remote write vs local fault", OLD);
  }

  @Override
  public List<Role> roles(DfsWorld w) {
    CountDownLatch written = new CountDownLatch(1);
    return List.of(
        new Role(
            "A-fault",
            () -> {
              w.load(w.a, 1);
              if (DfsWorld.await(written)) {
                w.expectOneOf(
                    ViolationKind.STALE_DATA,
                    "A's load of page 1 after B's write returned",
                    w.load(w.a, 1),
                    DfsWorld.page(NEW, 1));
              }
            }),
        new Role(
            "B-write",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "B writes page 1");
              w.write(w.b, 1, DfsWorld.page(NEW, 1));
              written.countDown();
            }));
  }

  @Override
  public void check(DfsWorld w) {
    w.everyPathShows(ViolationKind.STALE_DATA, 1, DfsWorld.page(NEW, 1));
    w.everyPathShows(ViolationKind.STALE_DATA, 2, DfsWorld.page(OLD, 2));
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "A installs its PTE after B's revocation zapped the range",
            r ->
                r.pauseAt(
                        "B-write",
                        RacePoint.ROLE_START,
                        1,
                        "A-fault:" + RacePoint.FAULT_BEFORE_INSTALL,
                        DfsRunner.WAIT)
                    .pauseAt(
                        "A-fault",
                        RacePoint.FAULT_BEFORE_INSTALL,
                        1,
                        "A-revoke:unmapped",
                        DfsRunner.WAIT)));
  }
}
