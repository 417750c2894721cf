package org.rangelock.sim.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.rangelock.sim.cases.Case.Role;
import org.rangelock.sim.cases.Case.Window;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * A test-only cluster case on three nodes, case 101's race with two victims: node B writes page 1
 * while nodes A and C both fault page 1 in through their mappings. B's write must revoke both read
 * tokens; once it has returned, A's and C's next loads (and every later operation on any of the
 * three nodes, through every path) must show B's data. Not in {@link DfsRunner#CASES}: the default
 * run's budget (docs/sim-cluster.md, "What is not built").
 */
final class RemoteWriteVsTwoFaults extends BaseDfsCase {
  static final int OLD = 0x39;
  static final int NEW = 0xB9;

  /** The nodes whose faults race with B's write. */
  private static final List<String> FAULTERS = List.of("A", "C");

  RemoteWriteVsTwoFaults() {
    super(198, "remote write vs faults on two other nodes", OLD);
  }

  @Override
  public int nodes() {
    return 3;
  }

  @Override
  public List<Role> roles(DfsWorld w) {
    CountDownLatch written = new CountDownLatch(1);
    List<Role> roles = new ArrayList<>();
    for (String name : FAULTERS) {
      Node n = name.equals("A") ? w.a : w.node(2);
      roles.add(
          new Role(
              name + "-fault",
              () -> {
                w.load(n, 1);
                if (DfsWorld.await(written)) {
                  w.expectOneOf(
                      ViolationKind.STALE_DATA,
                      name + "'s load of page 1 after B's write returned",
                      w.load(n, 1),
                      DfsWorld.page(NEW, 1));
                }
              }));
    }
    roles.add(
        new Role(
            "B-write",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "B writes page 1");
              w.write(w.b, 1, DfsWorld.page(NEW, 1));
              written.countDown();
            }));
    return roles;
  }

  @Override
  public void check(DfsWorld w) {
    w.everyPathShows(ViolationKind.STALE_DATA, 1, DfsWorld.page(NEW, 1));
    w.everyPathShows(ViolationKind.STALE_DATA, 2, DfsWorld.page(OLD, 2));
  }

  /**
   * Case 101's window on both victims: B's write waits until A's and C's faults have their page in
   * hand, and each fault then waits until its own node's revocation callback has zapped the range.
   */
  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "A and C install their PTEs after B's revocations zapped the range",
            r -> {
              for (String name : FAULTERS) {
                r.pauseAt(
                        "B-write",
                        RacePoint.ROLE_START,
                        1,
                        name + "-fault:" + RacePoint.FAULT_BEFORE_INSTALL,
                        DfsRunner.WAIT)
                    .pauseAt(
                        name + "-fault",
                        RacePoint.FAULT_BEFORE_INSTALL,
                        1,
                        name + "-revoke:unmapped",
                        DfsRunner.WAIT);
              }
            }));
  }
}
