package org.rangelock.sim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rangelock.sim.race.Violation;

/**
 * DFS_RANGE_LOCK clean on every cluster case over {@link #TRIALS} random trials per case, and the
 * disjoint-writers measurement correct for both measured rows, with the range tokens running no
 * callback at all. One in-process ZooKeeper server for the class.
 */
class RangeLockClusterTest {
  static final int TRIALS = 200;
  @RegisterExtension static final ZooKeeperForClass zk = new ZooKeeperForClass();

  @Test
  void rangeLockIsCleanOnEveryClusterCase() {
    for (DfsCase c : DfsRunner.CASES) {
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
          "DFS_RANGE_LOCK case %d: %d trials clean, %d ms%n",
          c.number(), TRIALS, (System.nanoTime() - t0) / 1_000_000);
    }
  }

  @Test
  void disjointWritersNeedNoCallbackUnderRangeTokens() {
    DisjointWriteMeasurement.Result r =
        DisjointWriteMeasurement.run(zk.server(), DfsStrategy.DFS_RANGE_LOCK, 300, 0);
    DisjointWriteMeasurement.Result g =
        DisjointWriteMeasurement.run(zk.server(), DfsStrategy.DFS_FILE_GLOCK, 300, 0);
    System.out.print(DisjointWriteMeasurement.table(List.of(g, r)));
    assertNull(r.wrong());
    assertNull(g.wrong());
    assertEquals(600, r.writes());
    // Each node's tokens cover only its own pages: nothing of the other node's is ever revoked.
    assertEquals(0, r.callbacks(), r.toString());
    // One token per page written, each granted once, and one metadata token per node (PR over
    // the whole file: no write extends it, so both nodes keep theirs).
    assertEquals(DisjointWriteMeasurement.FILE_PAGES + 2, r.tokensGranted(), r.toString());
  }

  /**
   * GFS2's hold time on the file glock: every revocation of a token comes at least the minimum hold
   * after that token's grant, and the nodes' tokens on the one file follow each other, so the
   * callbacks are bounded by the run's length over the minimum hold (a bound that a loaded machine
   * only loosens). The data stays right.
   */
  @Test
  void aGlockMinimumHoldBoundsItsTransfersByTheRunsLength() {
    Duration minHold = Duration.ofMillis(100);
    DisjointWriteMeasurement.Result g =
        DisjointWriteMeasurement.run(zk.server(), DfsStrategy.DFS_FILE_GLOCK, 300, 50, minHold);
    System.out.print(DisjointWriteMeasurement.table(List.of(g)));
    assertNull(g.wrong());
    long bound = g.nanos() / minHold.toNanos() + 2;
    assertTrue(
        g.callbacks() <= bound,
        g.callbacks() + " callbacks in " + g.seconds() + " s, more than " + bound + ": " + g);
    assertTrue(g.callbacks() > 0, "the two nodes took the file's token from each other: " + g);
  }

  /** What one run of {@link #writerThenReader} counted. */
  record Demotions(
      int rounds, long callbacksOfA, long offeredByA, int keptCached, List<Violation> violations) {}

  /**
   * {@code rounds} times: A writes page 1 (its PW token), then B reads page 1 buffered (PR), then A
   * reads page 1 again. Counts A's callbacks, the downgrades A offered, and the rounds in which A's
   * page was still cached when A read it again (a re-read from disk avoided).
   */
  private static Demotions writerThenReader(int rounds, boolean downgrade) {
    org.rangelock.sim.race.Races races = new org.rangelock.sim.race.Races(1);
    DfsWorld w = new DfsWorld(zk.server(), DfsStrategy.DFS_RANGE_LOCK, races);
    try {
      if (!downgrade) {
        w.a.neverDowngrade();
        w.b.neverDowngrade();
      }
      w.populate(0x11, DfsWorld.PAGES);
      w.join(zk.server());
      int kept = 0;
      for (int r = 0; r < rounds; r++) {
        byte[] data = DfsWorld.page(0x40 + r, 1);
        w.write(w.a, 1, data);
        w.expectOneOf(
            org.rangelock.sim.race.ViolationKind.STALE_DATA, "B's read", w.read(w.b, 1), data);
        var p = w.fileA.cache().get(1L);
        if (p != null && !p.isRemoved()) {
          kept++;
        }
        w.expectOneOf(
            org.rangelock.sim.race.ViolationKind.STALE_DATA, "A's read", w.read(w.a, 1), data);
      }
      w.pagesInsideTokens();
      return new Demotions(
          rounds, w.a.callbacks(), w.a.downgradesOffered(), kept, races.violations());
    } finally {
      w.a.close();
      w.b.close();
    }
  }

  @Test
  void aWriterAskedForReadWritesBackAndKeepsItsCleanPageUnderPr() {
    int rounds = 20;
    Demotions kept = writerThenReader(rounds, true);
    Demotions dropped = writerThenReader(rounds, false);
    System.out.printf(
        "A writes page 1, B reads it, A reads it again, %d rounds (DFS_RANGE_LOCK):%n"
            + "  downgrading callback: A's callbacks %d, downgrades offered %d, A's page still"
            + " cached %d of %d (re-reads from disk %d)%n"
            + "  giving the token up: A's callbacks %d, downgrades offered %d, A's page still"
            + " cached %d of %d (re-reads from disk %d)%n",
        rounds,
        kept.callbacksOfA(),
        kept.offeredByA(),
        kept.keptCached(),
        rounds,
        rounds - kept.keptCached(),
        dropped.callbacksOfA(),
        dropped.offeredByA(),
        dropped.keptCached(),
        rounds,
        rounds - dropped.keptCached());
    assertTrue(kept.violations().isEmpty(), kept.violations().toString());
    assertTrue(dropped.violations().isEmpty(), dropped.violations().toString());
    // B's reader asks for PR, which the kept PR allows: every round's downgrade is granted.
    assertEquals(rounds, kept.offeredByA(), kept.toString());
    assertEquals(rounds, kept.keptCached(), kept.toString());
    assertEquals(0, dropped.offeredByA(), dropped.toString());
    assertEquals(0, dropped.keptCached(), dropped.toString());
  }
}
