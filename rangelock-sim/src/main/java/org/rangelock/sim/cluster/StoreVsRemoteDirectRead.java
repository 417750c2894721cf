package org.rangelock.sim.cluster;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.rangelock.sim.cases.Case.Role;
import org.rangelock.sim.cases.Case.Window;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 103, a store through a mapping on A vs a direct read on B: B's direct read must see A's
 * store once the store has returned, so A's revocation must write the page back before it lets the
 * token go, and no store may dirty the page after that writeback (a page dropped dirty loses the
 * store; a page kept dirty outside the token shows B old data).
 */
final class StoreVsRemoteDirectRead extends BaseDfsCase {
  static final int OLD = 0x33;
  static final byte[] STORE = {0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A};

  StoreVsRemoteDirectRead() {
    super(103, "store on A vs direct read on B", OLD);
  }

  static byte[] stored() {
    return DfsWorld.overlay(DfsWorld.page(OLD, 1), STORE, 0);
  }

  @Override
  public List<Role> roles(DfsWorld w) {
    CountDownLatch storeReturned = new CountDownLatch(1);
    return List.of(
        new Role(
            "A-store",
            () -> {
              w.store(w.a, 1, STORE);
              storeReturned.countDown();
            }),
        new Role(
            "B-dread",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "B reads page 1 direct");
              w.expectOneOf(
                  ViolationKind.STALE_DATA,
                  "B's direct read of page 1 during A's store",
                  w.directRead(w.b, 1),
                  DfsWorld.page(OLD, 1),
                  stored());
              if (DfsWorld.await(storeReturned)) {
                w.expectOneOf(
                    ViolationKind.LOST_WRITE,
                    "B's direct read of page 1 after A's store returned",
                    w.directRead(w.b, 1),
                    stored());
              }
            }));
  }

  @Override
  public void check(DfsWorld w) {
    w.everyPathShows(ViolationKind.LOST_WRITE, 1, stored());
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "A's write fault installs a writable PTE after B's revocation wrote back and zapped",
            r ->
                r.pauseAt(
                        "B-dread",
                        RacePoint.ROLE_START,
                        1,
                        "A-store:" + RacePoint.FAULT_BEFORE_INSTALL,
                        DfsRunner.WAIT)
                    .pauseAt(
                        "A-store",
                        RacePoint.FAULT_BEFORE_INSTALL,
                        1,
                        "A-revoke:unmapped",
                        DfsRunner.WAIT)));
  }
}
