package org.rangelock.sim.cases;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.rangelock.sim.exclusion.Exclusion;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.kernel.Kernel;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/**
 * Runs trials: a fresh machine per trial, the case's state, its roles on real threads started
 * together, then the oracles on the quiescent machine. A watchdog reports roles that have not
 * finished within {@link #WATCHDOG_MILLIS} as a deadlock, with their stacks, and skips the oracles
 * (a hung lock would hang them too); such threads are daemons and are left behind.
 */
public final class CaseRunner {
  /**
   * Every case, in order of its number: Chinner's seven, then the races of the history after them
   * (docs/sim.md). The {@code cases} command and the tests take the list from here.
   */
  public static final List<Case> CASES =
      List.of(
          new FaultVsPunch(),
          new FaultVsTruncate(),
          new FaultVsDirectIo(),
          new FaultVsBufferedIo(),
          new WritebackVsTruncate(),
          new WritebackVsPunch(),
          new DirectVsBufferedIo(),
          new DirectReadIntoOwnMapping(),
          new DirectWriteFromOwnMapping(),
          new CrossMappedDirectWrites(),
          new BufferedReadVsDirectWrite(),
          new DirectWriteVsPunch(),
          new TwoKillers(),
          new DirectReadVsPunch(),
          new BufferedWriteVsPunch(),
          new FaultVsCollapse(),
          new PrivateCowVsKillers(),
          new ReadaheadVsKillers(),
          new FaultAroundVsKillers(),
          new MigrationVsWriters(),
          new EvictionVsDroppedFault());

  /** How long the roles of one trial may take. */
  public static final long WATCHDOG_MILLIS = 10_000;

  /** Probability of a delay at a race point, and its bound, in random mode. */
  public static final double DELAY_PROBABILITY = 0.5;

  public static final long MAX_DELAY_MICROS = 300;

  private CaseRunner() {}

  public static Case caseNumber(int n) {
    for (Case c : CASES) {
      if (c.number() == n) {
        return c;
      }
    }
    throw new IllegalArgumentException("no case " + n + "; cases are 1 to " + CASES.size());
  }

  /** The seed of trial {@code trial} of a cell, from the run's seed. */
  public static long trialSeed(long seed, Strategy s, Case c, int trial) {
    long z = seed + 0x9E3779B97F4A7C15L * (1 + trial + 1000L * c.number() + 100_000L * s.ordinal());
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** One trial with seeded random delays at every race point. */
  public static List<Violation> randomTrial(Strategy s, Case c, long trialSeed) {
    return trial(s, c, trialSeed, r -> r.randomDelays(DELAY_PROBABILITY, MAX_DELAY_MICROS));
  }

  /** Chance per race point that a role's priority drops below all others, in preemption mode. */
  public static final double DEMOTE_PROBABILITY = 0.05;

  /** How long a role parks per higher-priority role at each point, in preemption mode. */
  public static final long QUANTUM_MICROS = 50;

  /**
   * One trial in the preemption mode ({@link Races#randomPriorities}): random priorities, a
   * preemption at every race point and after every lock release, random priority drops.
   */
  public static List<Violation> preemptiveTrial(Strategy s, Case c, long trialSeed) {
    return trial(s, c, trialSeed, r -> r.randomPriorities(DEMOTE_PROBABILITY, QUANTUM_MICROS));
  }

  /** One trial with the pauses of a directed window (and no random delays). */
  public static List<Violation> directedTrial(Strategy s, Case c, Case.Window window) {
    return trial(s, c, 1, window.arrange());
  }

  /** One trial; {@code arrange} sets up the race control after the case's set-up. */
  public static List<Violation> trial(Strategy s, Case c, long seed, Consumer<Races> arrange) {
    return trial(s, c, seed, arrange, WATCHDOG_MILLIS);
  }

  /** As {@link #trial(Strategy, Case, long, Consumer)} with a watchdog bound of its own. */
  static List<Violation> trial(
      Strategy s, Case c, long seed, Consumer<Races> arrange, long watchdogMillis) {
    return trial(s.create(), c, seed, arrange, watchdogMillis);
  }

  /** One trial under an exclusion built by hand (a variant no {@link Strategy} names). */
  static List<Violation> trial(
      Exclusion exclusion, Case c, long seed, Consumer<Races> arrange, long watchdogMillis) {
    Races races = new Races(seed);
    Kernel k = new Kernel(exclusion, races, 256);
    World w = new World(k);
    String previousRole = Races.role();
    Races.role("setup");
    try {
      c.setUp(w);
    } finally {
      Races.role(previousRole);
    }
    for (var inode : k.fs.inodes()) {
      inode.markLowWater();
    }
    races.log(
        "--- case "
            + c.number()
            + " ("
            + c.title()
            + ") under "
            + exclusion.name()
            + ", seed "
            + Long.toHexString(seed));
    arrange.accept(races);
    List<Case.Role> roles = c.roles(w);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = RoleThreads.start(roles, races, start, "case" + c.number());
    w.racing = true;
    start.countDown();
    List<Thread> stuck = RoleThreads.joinAll(threads, watchdogMillis);
    w.racing = false;
    races.quiesce();
    if (!stuck.isEmpty()) {
      races.violation(ViolationKind.DEADLOCK, RoleThreads.stacks(stuck, watchdogMillis));
      return races.violations();
    }
    // The oracles run under the watchdog too: a hold a role leaked would hang them.
    Thread checker =
        new Thread(
            () -> {
              Races.role("check");
              try {
                Oracles.always(k);
                Oracles.explainReads(w, c);
                c.check(w);
                Oracles.nothingLeaks(k);
              } catch (Throwable e) {
                races.violation(ViolationKind.CRASH, "check threw " + e);
              }
            },
            "case" + c.number() + "-check");
    checker.setDaemon(true);
    checker.start();
    try {
      checker.join(watchdogMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (checker.isAlive()) {
      StringBuilder b = new StringBuilder("the oracles stuck past " + watchdogMillis + " ms:");
      for (StackTraceElement e : checker.getStackTrace()) {
        b.append("\n    at ").append(e);
      }
      races.violation(ViolationKind.DEADLOCK, b.toString());
    }
    return races.violations();
  }
}
