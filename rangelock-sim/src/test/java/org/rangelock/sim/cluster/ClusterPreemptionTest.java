package org.rangelock.sim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/**
 * The single-node family's preemption mode on the cluster family: DFS_RANGE_LOCK clean on every
 * cluster case over {@link #TRIALS} preempted trials per case, and DFS_NO_CALLBACK's stale page of
 * case 101 found with no directed window. One in-process ZooKeeper server for the class.
 */
class ClusterPreemptionTest {
  static final int TRIALS = 20;

  /** How many preempted trials of case 101 the search for a violation may take. */
  static final int SEARCH = 40;

  @RegisterExtension static final ZooKeeperForClass zk = new ZooKeeperForClass();

  @Test
  void rangeLockIsCleanOnEveryClusterCaseUnderPreemption() {
    List<String> found = new ArrayList<>();
    for (DfsCase c : DfsRunner.CASES) {
      long t0 = System.nanoTime();
      for (int t = 0; t < TRIALS; t++) {
        long seed = DfsRunner.trialSeed(16, DfsStrategy.DFS_RANGE_LOCK, c, t);
        List<Violation> v =
            DfsRunner.preemptiveTrial(zk.server(), DfsStrategy.DFS_RANGE_LOCK, c, seed);
        if (!v.isEmpty()) {
          found.add(
              "case "
                  + c.number()
                  + " seed "
                  + Long.toHexString(seed)
                  + ": "
                  + v.get(0)
                  + "\n"
                  + v.get(0).traceText());
        }
      }
      System.out.printf(
          "DFS_RANGE_LOCK case %d: %d preempted trials, %d ms%n",
          c.number(), TRIALS, (System.nanoTime() - t0) / 1_000_000);
    }
    assertEquals(List.of(), found);
  }

  /**
   * DFS_NO_CALLBACK never invalidates. Its page outside a token shows in every trial of case 101
   * whatever the order; the stale data needs the race: A's fault must map the page after B's write
   * landed on disk while A's old page stays cached, or A must read its cached page after B's write
   * returned. Preemption finds that order without a window placed by hand.
   */
  @Test
  void preemptionFindsTheStaleDataOfNoCallbackWithoutAWindow() {
    DfsCase c = DfsRunner.caseNumber(101);
    Violation stale = null;
    int t = 0;
    while (t < SEARCH && stale == null) {
      long seed = DfsRunner.trialSeed(17, DfsStrategy.DFS_NO_CALLBACK, c, t++);
      for (Violation v :
          DfsRunner.preemptiveTrial(zk.server(), DfsStrategy.DFS_NO_CALLBACK, c, seed)) {
        if (v.kind() == ViolationKind.STALE_DATA && stale == null) {
          stale = v;
        }
      }
    }
    System.out.printf("DFS_NO_CALLBACK case 101: first STALE_DATA at preempted trial %d%n", t);
    assertTrue(stale != null, "no STALE_DATA in case 101 over " + SEARCH + " preempted trials");
  }
}
