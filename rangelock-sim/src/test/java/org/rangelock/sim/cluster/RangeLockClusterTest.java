package org.rangelock.sim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rangelock.sim.race.Violation;

/**
 * DFS_RANGE_LOCK clean on every cluster case over {@link #TRIALS} random trials per case, and the
 * disjoint-writers measurement correct for both measured rows, with the range tokens running no
 * callback at all. One in-process ZooKeeper server for the class.
 */
class RangeLockClusterTest {
  static final int TRIALS = 200;
  private static TokenServer server;

  @BeforeAll
  static void start() {
    server = TokenServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @Test
  void rangeLockIsCleanOnEveryClusterCase() {
    for (DfsCase c : DfsRunner.CASES) {
      long t0 = System.nanoTime();
      for (int trial = 0; trial < TRIALS; trial++) {
        int t = trial;
        long seed = DfsRunner.trialSeed(15, DfsStrategy.DFS_RANGE_LOCK, c, t);
        List<Violation> v = DfsRunner.randomTrial(server, DfsStrategy.DFS_RANGE_LOCK, c, seed);
        assertTrue(
            v.isEmpty(),
            () -> "case " + c.number() + " trial " + t + ": " + v + "\n" + v.get(0).traceText());
      }
      System.out.printf(
          "DFS_RANGE_LOCK case %d: %d trials clean, %d ms%n",
          c.number(), TRIALS, (System.nanoTime() - t0) / 1_000_000);
    }
  }

  @Test
  void disjointWritersNeedNoCallbackUnderRangeTokens() {
    DisjointWriteMeasurement.Result r =
        DisjointWriteMeasurement.run(server, DfsStrategy.DFS_RANGE_LOCK, 300, 0);
    DisjointWriteMeasurement.Result g =
        DisjointWriteMeasurement.run(server, DfsStrategy.DFS_FILE_GLOCK, 300, 0);
    System.out.print(DisjointWriteMeasurement.table(List.of(g, r)));
    assertNull(r.wrong());
    assertNull(g.wrong());
    assertEquals(600, r.writes());
    // Each node's tokens cover only its own pages: nothing of the other node's is ever revoked.
    assertEquals(0, r.callbacks(), r.toString());
    // One token per page written, each granted once.
    assertEquals(DisjointWriteMeasurement.FILE_PAGES, r.tokensGranted(), r.toString());
  }
}
