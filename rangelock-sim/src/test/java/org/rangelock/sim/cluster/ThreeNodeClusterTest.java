package org.rangelock.sim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rangelock.sim.cases.CaseRunner;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/**
 * The cluster family on more than two nodes: N disjoint writers (every page holding its last write
 * on every node, no callback under range tokens, callbacks under the file glock), and the seed race
 * with two victims ({@link RemoteWriteVsTwoFaults}): clean over {@link #TRIALS} random trials under
 * DFS_RANGE_LOCK, and its directed window showing the stale data of the rows without exclusion on
 * both victims, the excluding rows clean through it. One in-process ZooKeeper server for the class.
 */
class ThreeNodeClusterTest {
  static final int TRIALS = 200;

  private static final Set<DfsStrategy> NO_EXCLUSION =
      EnumSet.of(DfsStrategy.DFS_NO_CALLBACK, DfsStrategy.DFS_CALLBACK_UNLOCKED);

  @RegisterExtension static final ZooKeeperForClass zk = new ZooKeeperForClass();

  private static Set<ViolationKind> kinds(List<Violation> v) {
    return v.stream()
        .map(Violation::kind)
        .collect(Collectors.toCollection(() -> EnumSet.noneOf(ViolationKind.class)));
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 4})
  void disjointWritersOnNNodesNeedNoCallbackUnderRangeTokens(int nodes) {
    DisjointWriteMeasurement.Result r =
        DisjointWriteMeasurement.run(
            zk.server(), DfsStrategy.DFS_RANGE_LOCK, nodes, 200, 0, Duration.ZERO);
    System.out.print(DisjointWriteMeasurement.table(List.of(r)));
    // Every page read on every node holds its last write (the measurement checks it).
    assertNull(r.wrong(), r.toString());
    assertEquals(nodes, r.nodes());
    assertEquals(nodes * 200, r.writes());
    // Each node's tokens cover only its own pages: nothing of another node's is ever revoked.
    assertEquals(0, r.callbacks(), r.toString());
    // One token per page, each granted once, and one shared PR metadata token per node.
    assertEquals(
        DisjointWriteMeasurement.filePages(nodes) + nodes, r.tokensGranted(), r.toString());
  }

  /**
   * Under the file glock every writer needs the one file token in PW: whichever node is granted it
   * first, each of the other writers' requests must revoke a node's token before it is granted, so
   * at least {@code nodes - 1} callbacks run (a count of events, whatever the timing).
   */
  @Test
  void theFileGlockOnThreeNodesRunsCallbacks() {
    DisjointWriteMeasurement.Result g =
        DisjointWriteMeasurement.run(
            zk.server(), DfsStrategy.DFS_FILE_GLOCK, 3, 200, 50, Duration.ZERO);
    System.out.print(DisjointWriteMeasurement.table(List.of(g)));
    assertNull(g.wrong(), g.toString());
    assertTrue(g.callbacks() >= 2, g.toString());
  }

  @Test
  void theSeedRaceWithTwoVictimsIsCleanUnderRangeTokens() {
    DfsCase c = new RemoteWriteVsTwoFaults();
    long t0 = System.nanoTime();
    for (int trial = 0; trial < TRIALS; trial++) {
      int t = trial;
      long seed = DfsRunner.trialSeed(15, DfsStrategy.DFS_RANGE_LOCK, c, t);
      List<Violation> v = DfsRunner.randomTrial(zk.server(), DfsStrategy.DFS_RANGE_LOCK, c, seed);
      assertTrue(
          v.isEmpty(),
          () -> "case " + c.number() + " trial " + t + ": " + v + "\n" + v.get(0).traceText());
    }
    System.out.printf(
        "DFS_RANGE_LOCK, three nodes (case %d): %d trials clean, %d ms%n",
        c.number(), TRIALS, (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * The window of case 101 on both victims: the rows without exclusion show the stale data on A and
   * on C (as they do in case 101's window with one victim), and the rows that exclude are clean
   * through it.
   */
  @Test
  void theWindowOpensTheStaleDataOnBothVictimsForTheRowsWithoutExclusion() {
    DfsCase c = new RemoteWriteVsTwoFaults();
    for (DfsStrategy s : DfsStrategy.values()) {
      List<Violation> v = DfsRunner.directedTrial(zk.server(), s, c, c.windows().get(0));
      System.out.printf(
          "%s three nodes, window \"%s\": %s%n",
          s, c.windows().get(0).name(), v.isEmpty() ? "clean" : kinds(v));
      if (NO_EXCLUSION.contains(s)) {
        for (String victim : List.of("A", "C")) {
          assertTrue(
              v.stream()
                  .anyMatch(
                      x ->
                          x.kind() == ViolationKind.STALE_DATA
                              && x.detail().startsWith(victim + "'s load of page 1 after")),
              s + ": " + victim + "'s load should be stale: " + v);
        }
        System.out.println(v.get(0).traceText().indent(2));
      } else {
        assertTrue(v.isEmpty(), s + ": " + v);
      }
    }
    // As with one victim (ClusterWindowsTest), the 2003 hooks leave a PTE on a page that left the
    // cache.
    List<Violation> hooks =
        DfsRunner.directedTrial(
            zk.server(), DfsStrategy.DFS_CALLBACK_UNLOCKED, c, c.windows().get(0));
    assertTrue(kinds(hooks).contains(ViolationKind.STALE_MAPPING), hooks.toString());
  }

  /**
   * What the case would cost as a column of the default matrix: {@code DfsReport.DEFAULT_TRIALS}
   * random trials under every row, timed and printed (not asserted: a time on a loaded machine).
   */
  @Test
  void whatTheCaseWouldCostInTheDefaultMatrix() {
    DfsCase c = new RemoteWriteVsTwoFaults();
    long t0 = System.nanoTime();
    int violated = 0;
    for (DfsStrategy s : DfsStrategy.values()) {
      for (int t = 0; t < DfsReport.DEFAULT_TRIALS; t++) {
        List<Violation> v =
            DfsRunner.randomTrial(zk.server(), s, c, DfsRunner.trialSeed(2012, s, c, t));
        if (!v.isEmpty()) {
          violated++;
        }
        if (s == DfsStrategy.DFS_RANGE_LOCK) {
          assertTrue(v.isEmpty(), v.toString());
        }
      }
    }
    System.out.printf(
        "three-node case %d as a matrix column: %d rows x %d trials (%d violated, delays p=%s) in"
            + " %d ms%n",
        c.number(),
        DfsStrategy.values().length,
        DfsReport.DEFAULT_TRIALS,
        violated,
        CaseRunner.DELAY_PROBABILITY,
        (System.nanoTime() - t0) / 1_000_000);
  }
}
