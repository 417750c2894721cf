package org.rangelock.sim.cluster;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.rangelock.sim.cases.Case;
import org.rangelock.sim.cases.CaseRunner;
import org.rangelock.sim.cases.Oracles;
import org.rangelock.sim.cases.RoleThreads;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/**
 * Runs trials of the cluster family: a fresh cluster of the case's nodes per trial (fresh kernels,
 * a fresh shared disk, token locks at a fresh ZooKeeper path on the run's one server), the case's
 * state, its roles on real threads started together, then the oracles on the quiescent cluster: the
 * cross-node ones (no page or PTE outside a token; the conflicting-token check ran at every grant),
 * every single-node oracle on each node, the case's own check through every path of every node, and
 * the leak check. A watchdog reports roles (or oracles) stuck past {@link #WATCHDOG_MILLIS} as a
 * deadlock, with their stacks.
 */
public final class DfsRunner {
  /** Cases of the cluster family, in the order of their numbers. */
  public static final List<DfsCase> CASES =
      List.of(
          new RemoteWriteVsLocalFault(),
          new DisjointWriters(),
          new StoreVsRemoteDirectRead(),
          new RemoteTruncateVsLocalFault(),
          new RemoteDirectWriteVsCachedRead(),
          new ConversionDeadlock(),
          new SessionExpiryWithDirtyPages(),
          new RevocationDuringWriteback());

  /** How long the roles (and, separately, the oracles) of one trial may take. */
  public static final long WATCHDOG_MILLIS = 20_000;

  /**
   * How long a role paused by a directed window waits for the event it was told to wait for: long
   * enough for a revocation to travel through ZooKeeper on a loaded machine; a row that excludes
   * keeps the event from happening, and the pause times out.
   */
  static final long WAIT = 2000;

  private DfsRunner() {}

  /**
   * How a trial's cluster differs from the rows as designed, for tests that show what an oracle
   * catches: how a write fault gets its write token, how the callback writes back, and whether the
   * shared device reports a refused write to its writer.
   */
  record Variant(DfsExclusion.Upgrade upgrade, Node.Flush flush, boolean deviceRefusesSilently) {
    /** The rows as designed. */
    static final Variant AS_DESIGNED =
        new Variant(DfsExclusion.Upgrade.FROM_THE_START, Node.Flush.WRITE_AND_WAIT, false);
  }

  public static DfsCase caseNumber(int n) {
    for (DfsCase c : CASES) {
      if (c.number() == n) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "no cluster case " + n + "; cluster cases are 101 to " + (100 + CASES.size()));
  }

  /** The seed of trial {@code trial} of a cell. */
  public static long trialSeed(long seed, DfsStrategy s, DfsCase c, int trial) {
    long z =
        seed
            + 0x9E3779B97F4A7C15L
                * (1 + trial + 1000L * c.number() + 1_000_000L * (s.ordinal() + 1));
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** One trial with seeded random delays at every race point (as the single-node family). */
  public static List<Violation> randomTrial(
      TokenServer server, DfsStrategy s, DfsCase c, long trialSeed) {
    return trial(
        server,
        s,
        c,
        trialSeed,
        r -> r.randomDelays(CaseRunner.DELAY_PROBABILITY, CaseRunner.MAX_DELAY_MICROS));
  }

  /**
   * One trial in the single-node family's preemption mode ({@link Races#randomPriorities}, with
   * {@link CaseRunner#DEMOTE_PROBABILITY} and {@link CaseRunner#QUANTUM_MICROS}): each role, and
   * each node's revocation callback while it runs, draws a random priority; a preemption at every
   * race point and after every release of a node's local lock or token hold; random priority drops.
   * Only the sim's own threads are ranked: ZooKeeper's threads and Curator's event thread, which
   * carry the token requests and revocations between the nodes, run on the machine's own
   * scheduling, so the interleaving a seed gives still depends on the machine.
   */
  public static List<Violation> preemptiveTrial(
      TokenServer server, DfsStrategy s, DfsCase c, long trialSeed) {
    return trial(
        server,
        s,
        c,
        trialSeed,
        r -> {
          r.randomPriorities(CaseRunner.DEMOTE_PROBABILITY, CaseRunner.QUANTUM_MICROS);
          r.log("preemption mode: random priorities (ZooKeeper's and Curator's threads unranked)");
        });
  }

  /** One trial with the pauses of a directed window and no random delays. */
  public static List<Violation> directedTrial(
      TokenServer server, DfsStrategy s, DfsCase c, Case.Window window) {
    return trial(server, s, c, 1, window.arrange());
  }

  /** One trial; {@code arrange} sets up the race control after the case's set-up. */
  public static List<Violation> trial(
      TokenServer server, DfsStrategy s, DfsCase c, long seed, Consumer<Races> arrange) {
    return trial(server, s, Variant.AS_DESIGNED, c, seed, arrange, WATCHDOG_MILLIS);
  }

  /** As above, with a way of upgrading tokens and a watchdog bound of its own (for tests). */
  static List<Violation> trial(
      TokenServer server,
      DfsStrategy s,
      DfsExclusion.Upgrade upgrade,
      DfsCase c,
      long seed,
      Consumer<Races> arrange,
      long watchdogMillis) {
    return trial(
        server,
        s,
        new Variant(upgrade, Node.Flush.WRITE_AND_WAIT, false),
        c,
        seed,
        arrange,
        watchdogMillis);
  }

  /** As above, with a variant of the rows and a watchdog bound of its own (for tests). */
  static List<Violation> trial(
      TokenServer server,
      DfsStrategy s,
      Variant variant,
      DfsCase c,
      long seed,
      Consumer<Races> arrange,
      long watchdogMillis) {
    Races races = new Races(seed);
    DfsWorld w = new DfsWorld(server, s, variant, c.nodes(), races);
    String previousRole = Races.role();
    try {
      Races.role("setup");
      c.setUp(w);
      w.join(server);
      w.fileA.markLowWater();
      races.log(
          "--- cluster case "
              + c.number()
              + " ("
              + c.title()
              + ") under "
              + s
              + ", seed "
              + Long.toHexString(seed));
      arrange.accept(races);
      List<Case.Role> roles = c.roles(w);
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> threads = RoleThreads.start(roles, races, start, "dfs" + c.number());
      start.countDown();
      List<Thread> stuck = RoleThreads.joinAll(threads, watchdogMillis);
      races.quiesce();
      if (!stuck.isEmpty()) {
        races.violation(ViolationKind.DEADLOCK, RoleThreads.stacks(stuck, watchdogMillis));
        return races.violations();
      }
      Thread checker =
          new Thread(
              () -> {
                Races.role("check");
                try {
                  // Every oracle that looks at the nodes' state runs before the case's own
                  // check: the check reads on every node, and each of its reads may revoke the
                  // other node's tokens, whose callbacks then run on worker threads while a
                  // later oracle would look.
                  c.settle(w);
                  w.pagesInsideTokens();
                  for (Node n : w.nodes) {
                    Oracles.always(n.k);
                    Oracles.nothingLeaks(n.k);
                  }
                  c.check(w);
                } catch (Throwable e) {
                  races.violation(ViolationKind.CRASH, "check threw " + e);
                }
              },
              "dfs" + c.number() + "-check");
      checker.setDaemon(true);
      checker.start();
      if (!RoleThreads.joinAll(List.of(checker), WATCHDOG_MILLIS).isEmpty()) {
        races.violation(
            ViolationKind.DEADLOCK,
            "the oracles: " + RoleThreads.stacks(List.of(checker), WATCHDOG_MILLIS));
      }
      return races.violations();
    } finally {
      Races.role(previousRole);
      // Closing gives every token back to ZooKeeper; bounded, in case a hung role still holds one.
      Thread closer =
          new Thread(
              () -> {
                for (Node n : w.nodes) {
                  n.close();
                }
              },
              "dfs" + c.number() + "-close");
      closer.setDaemon(true);
      closer.start();
      RoleThreads.joinAll(List.of(closer), 10_000);
    }
  }
}
