package org.rangelock.sim.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 106's window with the upgrade asked for under the fault's read hold: the two nodes wait for
 * each other through ZooKeeper and the watchdog reports the deadlock with the stacks. The same
 * window with the upgrade every row makes (the write token asked for from the start) completes,
 * both stores kept.
 */
class ConversionDeadlockTest {
  @RegisterExtension static final ZooKeeperForClass zk = new ZooKeeperForClass();

  @Test
  void upgradingUnderTheReadHoldDeadlocksTwoNodesAndTheWatchdogSaysSo() {
    DfsCase c = DfsRunner.caseNumber(106);
    List<Violation> v =
        DfsRunner.trial(
            zk.server(),
            DfsStrategy.DFS_RANGE_LOCK,
            DfsExclusion.Upgrade.UNDER_THE_READ_HOLD,
            c,
            1,
            c.windows().get(0).arrange(),
            5_000);
    System.out.println(v.isEmpty() ? "no violation" : v.get(0) + "\n" + v.get(0).detail());
    assertTrue(
        v.stream().anyMatch(x -> x.kind() == ViolationKind.DEADLOCK),
        "expected the watchdog to report the conversion deadlock: " + v);
  }

  @Test
  void upgradingFromTheStartCompletesWithBothStores() {
    DfsCase c = DfsRunner.caseNumber(106);
    List<Violation> v =
        DfsRunner.directedTrial(zk.server(), DfsStrategy.DFS_RANGE_LOCK, c, c.windows().get(0));
    assertTrue(v.isEmpty(), v.toString());
  }
}
