package org.rangelock.sim.race;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One trial's race control: the event trace, the violations caught, and what happens when a thread
 * reaches a {@link RacePoint}.
 *
 * <p>Two ways to open a window. <b>Random delays</b>: at each point a thread, with a probability,
 * yields or parks for a random time drawn from a generator seeded by the trial seed and the
 * thread's role, so a seed reproduces each thread's choices (the interleaving still depends on the
 * machine's timing). <b>Directed gates</b>: {@link #pauseAt} parks a role at the n-th hit of a
 * point until another role signals (every hit signals {@code "role:POINT"} and {@code
 * "role:POINT#n"}, every finished role signals {@code "role:done"}), or until a timeout: a strategy
 * that excludes correctly keeps the other role blocked, the timeout expires, and the run goes on in
 * the safe order.
 *
 * <p>Thread-safety: every method may be called from any thread. The trace keeps the last {@link
 * #TRACE_LIMIT} events.
 */
public final class Races {
  /** How many events a trace keeps. */
  public static final int TRACE_LIMIT = 400;

  private static final ThreadLocal<String> ROLE = ThreadLocal.withInitial(() -> "main");

  private final ArrayDeque<String> trace = new ArrayDeque<>();
  private final AtomicInteger sequence = new AtomicInteger();
  private final List<Violation> violations = new CopyOnWriteArrayList<>();
  private final Map<String, CountDownLatch> signals = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final List<Gate> gates = new CopyOnWriteArrayList<>();
  private final ThreadLocal<SplittableRandom> random;
  private volatile double delayProbability;
  private volatile long maxDelayNanos;
  private volatile boolean quiet;

  /** Preemption mode: each live role's priority (higher runs first); null when off. */
  private volatile Map<String, Integer> priorities;

  private volatile double demoteProbability;
  private volatile long quantumNanos;
  private final AtomicInteger lowest = new AtomicInteger();

  private record Gate(String role, RacePoint point, int occurrence, String until, long timeoutMs) {}

  /** Control with no delays; add them with {@link #randomDelays}. */
  public Races(long seed) {

    this.random = ThreadLocal.withInitial(() -> new SplittableRandom(seed ^ role().hashCode()));
  }

  /** A control that never delays and keeps no trace worth reading: for single-threaded use. */
  public static Races quiet() {
    Races r = new Races(0);
    r.quiet = true;
    return r;
  }

  /** At every point, with probability {@code p}, yield or park up to {@code maxDelayMicros}. */
  public Races randomDelays(double p, long maxDelayMicros) {
    this.delayProbability = p;
    this.maxDelayNanos = TimeUnit.MICROSECONDS.toNanos(maxDelayMicros);
    return this;
  }

  /**
   * Preemption mode, after PCT (Burckhardt et al., "A randomized scheduler with probabilistic
   * guarantees of finding bugs", ASPLOS 2010), as far as real threads allow. Each role draws a
   * random priority (from the trial seed and its name) at its first race point; at every race point
   * and after every release of a strategy's lock, a role parks one {@code quantumMicros} for each
   * live role of higher priority, so the highest runs ahead and the others trail it; and at each
   * point, with probability {@code demoteProbability}, the role's priority drops below every other
   * (a PCT priority change point), which hands the lead to another role in the middle of an
   * operation. Windows nobody placed by hand open this way. Roles leave the ranking through {@link
   * #finished}.
   */
  public Races randomPriorities(double demoteProbability, long quantumMicros) {
    this.demoteProbability = demoteProbability;
    this.quantumNanos = TimeUnit.MICROSECONDS.toNanos(quantumMicros);
    this.priorities = new ConcurrentHashMap<>();
    return this;
  }

  /** Whether lock releases are race points (the preemption mode is on). */
  public boolean preemptsAtLockRelease() {
    return priorities != null;
  }

  /** {@code role} has finished: it no longer outranks anyone. */
  public void finished(String role) {
    Map<String, Integer> p = priorities;
    if (p != null) {
      p.remove(role);
    }
  }

  private void preempt(String who) {
    Map<String, Integer> p = priorities;
    if (p == null) {
      return;
    }
    SplittableRandom r = random.get();
    int mine = p.computeIfAbsent(who, k -> 1 + r.nextInt(1 << 20));
    if (r.nextDouble() < demoteProbability) {
      mine = lowest.decrementAndGet();
      p.put(who, mine);
      log("priority of " + who + " drops to " + mine);
    }
    int higher = 0;
    for (int v : p.values()) {
      if (v > mine) {
        higher++;
      }
    }
    if (higher > 0) {
      LockSupport.parkNanos(higher * quantumNanos);
    } else {
      Thread.yield();
    }
  }

  /**
   * Parks {@code role} at its {@code occurrence}-th hit of {@code point} until {@code until} is
   * signalled or {@code timeoutMs} passes.
   */
  public Races pauseAt(String role, RacePoint point, int occurrence, String until, long timeoutMs) {
    gates.add(new Gate(role, point, occurrence, until, timeoutMs));
    return this;
  }

  /** Names the calling thread's role (for the trace, the seeded delays and the gates). */
  public static void role(String name) {
    ROLE.set(name);
  }

  public static String role() {
    return ROLE.get();
  }

  /** Stops delays and gates: the oracles look at a quiescent machine. */
  public void quiesce() {
    delayProbability = 0;
    priorities = null;
    gates.clear();
    signals.values().forEach(l -> l.countDown());
  }

  /** The calling thread reached {@code point}. */
  public void hit(RacePoint point, String detail) {
    if (quiet) {
      return;
    }
    String who = role();
    log(point + " " + detail);
    int n = hits.computeIfAbsent(who + ":" + point, k -> new AtomicInteger()).incrementAndGet();
    signal(who + ":" + point);
    signal(who + ":" + point + "#" + n);
    for (Gate g : gates) {
      if (g.role.equals(who) && g.point == point && g.occurrence == n) {
        log("paused at " + point + " until " + g.until);
        boolean came = await(g.until, g.timeoutMs);
        log("resumed at " + point + (came ? " (" + g.until + " happened)" : " (timed out)"));
      }
    }
    preempt(who);
    double p = delayProbability;
    if (p > 0) {
      SplittableRandom r = random.get();
      if (r.nextDouble() < p) {
        if (r.nextBoolean()) {
          Thread.yield();
        } else {
          LockSupport.parkNanos(1 + r.nextLong(Math.max(1, maxDelayNanos)));
        }
      }
    }
  }

  /** Signals {@code name} to any gate waiting for it. */
  public void signal(String name) {
    signals.computeIfAbsent(name, k -> new CountDownLatch(1)).countDown();
  }

  private boolean await(String name, long timeoutMs) {
    try {
      return signals
          .computeIfAbsent(name, k -> new CountDownLatch(1))
          .await(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Adds an event to the trace. */
  public void log(String event) {
    if (quiet) {
      return;
    }
    String line = String.format("%4d %-8s %s", sequence.incrementAndGet(), role(), event);
    synchronized (trace) {
      if (trace.size() == TRACE_LIMIT) {
        trace.removeFirst();
      }
      trace.addLast(line);
    }
  }

  /** Records a violation with the trace so far. */
  public Violation violation(ViolationKind kind, String detail) {
    log("VIOLATION " + kind + ": " + detail);
    List<String> copy;
    synchronized (trace) {
      copy = new ArrayList<>(trace);
    }
    Violation v = new Violation(kind, detail, copy);
    violations.add(v);
    return v;
  }

  /** The trace so far, oldest first. */
  public List<String> traceLines() {
    synchronized (trace) {
      return new ArrayList<>(trace);
    }
  }

  /** Violations so far, oldest first. */
  public List<Violation> violations() {
    return List.copyOf(violations);
  }
}
