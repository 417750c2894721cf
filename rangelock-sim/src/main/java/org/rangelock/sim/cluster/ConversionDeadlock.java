package org.rangelock.sim.cluster;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.rangelock.sim.cases.Case.Role;
import org.rangelock.sim.cases.Case.Window;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 106, conversion: both nodes load page 1 (each caches it under a read token and maps it
 * read-only), then both store into it, A at offset 0 and B at offset 8, so each store is a write
 * fault that needs the page's token upgraded from {@code PR} to {@code PW}. A node that asked for
 * the upgrade while still holding its fault's {@code PR} hold would wait for the other node's
 * {@code PR} token, whose revocation waits for that node's own {@code PR} hold: a conversion
 * deadlock, which the watchdog reports. Every row drops the read hold first (the write fault asks
 * for {@code PW} from the start) and must end with both stores on page 1, through every path of
 * every node.
 */
final class ConversionDeadlock extends BaseDfsCase {
  static final int OLD = 0x36;
  static final byte[] STORE_A = {0x4A, 0x4A, 0x4A, 0x4A, 0x4A, 0x4A, 0x4A, 0x4A};
  static final byte[] STORE_B = {0x4B, 0x4B, 0x4B, 0x4B, 0x4B, 0x4B, 0x4B, 0x4B};

  ConversionDeadlock() {
    super(106, "both nodes upgrade one page (conversion)", OLD);
  }

  static byte[] both() {
    return DfsWorld.overlay(DfsWorld.overlay(DfsWorld.page(OLD, 1), STORE_A, 0), STORE_B, 8);
  }

  @Override
  public List<Role> roles(DfsWorld w) {
    CountDownLatch loaded = new CountDownLatch(2);
    return List.of(
        new Role(
            "A-upgrade",
            () -> {
              w.load(w.a, 1);
              loaded.countDown();
              DfsWorld.await(loaded);
              w.races.hit(RacePoint.USER_ACCESS, "A stores into page 1");
              storeAt(w, w.a, STORE_A, 0);
            }),
        new Role(
            "B-upgrade",
            () -> {
              w.load(w.b, 1);
              loaded.countDown();
              DfsWorld.await(loaded);
              storeAt(w, w.b, STORE_B, 8);
            }));
  }

  private static void storeAt(DfsWorld w, Node n, byte[] bytes, int at) {
    n.k.mmu.store(n.mm, n.mapping(w.file(n)).address(4096L + at), bytes, 0, bytes.length);
  }

  @Override
  public void check(DfsWorld w) {
    w.everyPathShows(ViolationKind.LOST_WRITE, 1, both());
  }

  @Override
  public List<Window> windows() {
    // First window: the second FAULT_START of each role is its store's (the first is its load's):
    // each waits there until the other has reached its own, so both write faults overlap. Second
    // window: the race of case 101 on the store's fault (its second FAULT_BEFORE_INSTALL).
    return List.of(
        new Window(
            "both write faults start before either is granted its upgrade",
            r ->
                r.pauseAt(
                        "A-upgrade",
                        RacePoint.FAULT_START,
                        2,
                        "B-upgrade:" + RacePoint.FAULT_START + "#2",
                        DfsRunner.WAIT)
                    .pauseAt(
                        "B-upgrade",
                        RacePoint.FAULT_START,
                        2,
                        "A-upgrade:" + RacePoint.FAULT_START + "#2",
                        DfsRunner.WAIT)),
        new Window(
            "B's write fault installs its PTE after A's upgrade revoked B's token and zapped",
            r ->
                r.pauseAt(
                        "A-upgrade",
                        RacePoint.USER_ACCESS,
                        1,
                        "B-upgrade:" + RacePoint.FAULT_BEFORE_INSTALL + "#2",
                        DfsRunner.WAIT)
                    .pauseAt(
                        "B-upgrade",
                        RacePoint.FAULT_BEFORE_INSTALL,
                        2,
                        "B-revoke:unmapped",
                        DfsRunner.WAIT)));
  }
}
