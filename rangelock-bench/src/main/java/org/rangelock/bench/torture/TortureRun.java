package org.rangelock.bench.torture;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.rangelock.LockSnapshot;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;

/**
 * One torture run over one lock.
 *
 * <p>Worker threads loop until the time is up: each picks a range (tiny, page-sized, huge, or
 * {@code Range.from}), a mode and an entry point — blocking, interruptible, try, timed with zero,
 * tiny or long timeouts, async, async cancelled at once — holds the grant briefly, sometimes
 * downgrades it to a weaker mode or has another thread close it, and closes it. A disturber thread
 * interrupts random workers and cancels their pending futures; tiny timeouts expire all the time.
 * Three checks run throughout:
 *
 * <ul>
 *   <li><b>exclusion</b>: a shadow list of holds, updated right after each grant and right before
 *       each close (and before a downgrade), flags two overlapping holds whose modes conflict;
 *   <li><b>liveness</b>: a watchdog flags a worker that made no progress for the bound (a lost
 *       wake-up or a deadlock: holds last microseconds, so any wait that long is one);
 *   <li><b>leaks</b>: at the end the snapshot must be empty and {@code Range.all()} must be
 *       grantable at once in every mode; a closed handle must not report itself held.
 * </ul>
 *
 * <p>Each violation is printed with the lock's snapshot and the stacks of the threads involved.
 * Which thread touches what: the counters are adders any thread bumps; the shadow list is guarded
 * by its own monitor; each worker's {@link Worker#pending} and {@link Worker#lastProgress} are
 * written by that worker and read by the disturber and watchdog.
 *
 * @param <M> the mode enum
 */
final class TortureRun<M extends Enum<M>> {

  enum Entry {
    ACQUIRE,
    INTERRUPTIBLY,
    TRY,
    TIMED_ZERO,
    TIMED_TINY,
    TIMED_LONG,
    ASYNC,
    ASYNC_CANCEL
  }

  /** The verdict. */
  record Result(boolean passed, List<String> violations, long acquisitions) {}

  private final ModeTable<M> table;
  private final TortureTarget<M> target;
  private final int threads;
  private final boolean virtual;
  private final long millis;
  private final long seed;
  private final int maxWaitSeconds;
  private final M[] modes;

  private final LongAdder[][] attempts;
  private final LongAdder[][] acquired;
  private final LongAdder[][] failed;
  private final LongAdder[] interruptedBy;
  private final LongAdder[] cancelledBy;
  private final LongAdder downgrades = new LongAdder();
  private final LongAdder closedElsewhere = new LongAdder();
  private final LongAdder interruptsDelivered = new LongAdder();
  private final LongAdder cancelsDelivered = new LongAdder();
  private final AtomicLong longestWaitNanos = new AtomicLong();

  private final List<Hold> shadow = new ArrayList<>();
  private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
  private volatile boolean stop;

  TortureRun(
      ModeTable<M> table,
      TortureTarget<M> target,
      int threads,
      boolean virtual,
      long millis,
      long seed,
      int maxWaitSeconds) {
    this.table = table;
    this.target = target;
    this.threads = threads;
    this.virtual = virtual;
    this.millis = millis;
    this.seed = seed;
    this.maxWaitSeconds = maxWaitSeconds;
    this.modes = table.modeClass().getEnumConstants();
    int e = Entry.values().length;
    attempts = adders(modes.length, e);
    acquired = adders(modes.length, e);
    failed = adders(modes.length, e);
    interruptedBy = adders(1, e)[0];
    cancelledBy = adders(1, e)[0];
  }

  private static LongAdder[][] adders(int a, int b) {
    LongAdder[][] x = new LongAdder[a][b];
    for (int i = 0; i < a; i++) {
      for (int j = 0; j < b; j++) {
        x[i][j] = new LongAdder();
      }
    }
    return x;
  }

  private final class Hold {
    final Range range;
    final M mode;
    final Thread thread;

    Hold(Range range, M mode) {
      this.range = range;
      this.mode = mode;
      this.thread = Thread.currentThread();
    }

    @Override
    public String toString() {
      return mode + " " + range + " by " + thread.getName();
    }
  }

  private final class Worker implements Runnable {
    final int id;
    final SplittableRandom rnd;
    volatile Thread thread;
    volatile CompletableFuture<RangeHandle<M>> pending;
    volatile long lastProgress = System.nanoTime();

    Worker(int id) {
      this.id = id;
      this.rnd = new SplittableRandom(seed * 1_000_003L + id);
    }

    @Override
    public void run() {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      while (!stop && System.nanoTime() < end) {
        Thread.interrupted(); // an interrupt that arrived between operations is spent here
        step(this);
        lastProgress = System.nanoTime();
      }
    }
  }

  Result run(PrintStream out) {
    List<Worker> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Worker w = new Worker(i);
      w.thread = newThread(w, "torture-" + i);
      workers.add(w);
    }
    long started = System.nanoTime();
    for (Worker w : workers) {
      w.thread.start();
    }
    Thread disturber = new Thread(() -> disturb(workers), "torture-disturber");
    disturber.setDaemon(true);
    disturber.start();
    Thread watchdog = new Thread(() -> watch(workers), "torture-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    long joinBound = millis + TimeUnit.SECONDS.toMillis(maxWaitSeconds + 30L);
    for (Worker w : workers) {
      try {
        long left = joinBound - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        w.thread.join(Math.max(1, left));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    stop = true;
    disturber.interrupt();
    watchdog.interrupt();
    boolean allDone = true;
    for (Worker w : workers) {
      allDone &= !w.thread.isAlive();
    }
    if (!allDone) {
      violation("workers still running after the bound:\n" + target.snapshot(), workers);
    } else {
      finalCheck();
    }
    long elapsed = System.nanoTime() - started;
    return report(out, elapsed);
  }

  private void step(Worker w) {
    SplittableRandom rnd = w.rnd;
    Range range = randomRange(rnd);
    M mode = modes[rnd.nextInt(modes.length)];
    Entry entry = Entry.values()[rnd.nextInt(Entry.values().length)];
    int mi = mode.ordinal();
    int ei = entry.ordinal();
    attempts[mi][ei].increment();
    long t0 = System.nanoTime();
    RangeHandle<M> h = null;
    try {
      switch (entry) {
        case ACQUIRE:
          h = target.acquire(range, mode);
          break;
        case INTERRUPTIBLY:
          h = target.acquireInterruptibly(range, mode);
          break;
        case TRY:
          h = target.tryAcquire(range, mode);
          break;
        case TIMED_ZERO:
          h = target.tryAcquire(range, mode, Duration.ZERO);
          break;
        case TIMED_TINY:
          h = target.tryAcquire(range, mode, Duration.ofNanos(1 + rnd.nextInt(50_000)));
          break;
        case TIMED_LONG:
          h = target.tryAcquire(range, mode, Duration.ofSeconds(maxWaitSeconds * 10L));
          break;
        case ASYNC:
          CompletableFuture<RangeHandle<M>> f = target.acquireAsync(range, mode);
          w.pending = f;
          try {
            h = f.get();
          } catch (InterruptedException e) {
            interruptedBy[ei].increment();
            // a caller giving up: cancel, or keep the grant if it already came
            h = f.cancel(false) ? null : f.join();
          } catch (CancellationException e) {
            cancelledBy[ei].increment(); // the disturber cancelled it
          } catch (ExecutionException e) {
            violation("async request failed: " + e.getCause(), null);
          } finally {
            w.pending = null;
          }
          break;
        default: // ASYNC_CANCEL
          CompletableFuture<RangeHandle<M>> g = target.acquireAsync(range, mode);
          if (g.cancel(false)) {
            cancelledBy[ei].increment();
          } else {
            h = g.join(); // the grant came first: it is ours to close
          }
      }
    } catch (InterruptedException e) {
      interruptedBy[ei].increment();
    }
    long waited = System.nanoTime() - t0;
    longestWaitNanos.accumulateAndGet(waited, Math::max);
    if (h == null) {
      failed[mi][ei].increment();
      return;
    }
    acquired[mi][ei].increment();
    if (h.mode() != mode || !h.range().equals(range) || !h.isHeld()) {
      violation("handle does not describe its grant: " + h + " for " + mode + " " + range, null);
    }
    hold(w, h, range);
  }

  private void hold(Worker w, RangeHandle<M> h, Range range) {
    SplittableRandom rnd = w.rnd;
    Hold hold = new Hold(range, h.mode());
    enter(hold);
    int work = rnd.nextInt(64);
    for (int i = 0; i < work; i++) {
      Thread.onSpinWait();
    }
    if (rnd.nextInt(8) == 0) {
      Thread.yield();
    }
    if (rnd.nextInt(6) == 0) {
      M weaker = weakerThan(h.mode(), rnd);
      if (weaker != null) {
        // Shadow first: nothing conflicting with the stronger mode can enter before the
        // downgrade, and newcomers the downgrade admits must not meet the stale strong entry.
        Hold weak = new Hold(range, weaker);
        exit(hold);
        enter(weak);
        hold = weak;
        h.downgrade(weaker);
        downgrades.increment();
      }
    }
    exit(hold);
    if (rnd.nextInt(16) == 0) {
      closeFromAnotherThread(h);
    } else {
      h.close();
    }
    if (h.isHeld()) {
      violation("a closed handle still reports itself held: " + h, null);
    }
  }

  private void closeFromAnotherThread(RangeHandle<M> h) {
    Thread closer = new Thread(h::close, "torture-closer");
    closer.start();
    boolean interrupted = false;
    while (true) {
      try {
        closer.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // we must see the close through, or the hold would leak
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    closedElsewhere.increment();
  }

  private void enter(Hold h) {
    synchronized (shadow) {
      for (Hold o : shadow) {
        if (o.range.overlaps(h.range) && !table.compatible(o.mode, h.mode)) {
          violation(
              "conflicting holds coexist: "
                  + o
                  + " and "
                  + h
                  + "\n"
                  + stack(o.thread)
                  + stack(h.thread),
              null);
          stop = true;
        }
      }
      shadow.add(h);
    }
  }

  private void exit(Hold h) {
    synchronized (shadow) {
      shadow.remove(h);
    }
  }

  private void disturb(List<Worker> workers) {
    SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
    while (!stop) {
      Worker w = workers.get(rnd.nextInt(workers.size()));
      if (rnd.nextBoolean()) {
        w.thread.interrupt();
        interruptsDelivered.increment();
      } else {
        CompletableFuture<RangeHandle<M>> f = w.pending;
        if (f != null && f.cancel(false)) {
          cancelsDelivered.increment();
        }
      }
      try {
        TimeUnit.MICROSECONDS.sleep(200 + rnd.nextInt(800));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void watch(List<Worker> workers) {
    long bound = TimeUnit.SECONDS.toNanos(maxWaitSeconds);
    while (!stop) {
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      }
      long now = System.nanoTime();
      for (Worker w : workers) {
        if (w.thread.isAlive() && now - w.lastProgress > bound) {
          violation(
              "no progress for "
                  + maxWaitSeconds
                  + " s in "
                  + w.thread.getName()
                  + " (lost wake-up or deadlock)\n"
                  + stack(w.thread),
              workers);
          stop = true;
          return;
        }
      }
    }
  }

  private void finalCheck() {
    LockSnapshot<M> snap = target.snapshot();
    if (!snap.isEmpty()) {
      violation("leaked after the run:\n" + snap, null);
      return;
    }
    for (M m : modes) {
      RangeHandle<M> h = target.tryAcquire(Range.all(), m);
      if (h == null) {
        violation("Range.all() in " + m + " not grantable at once after the run", null);
      } else {
        h.close();
      }
    }
    if (!target.snapshot().isEmpty()) {
      violation("not empty after the final check:\n" + target.snapshot(), null);
    }
  }

  private void violation(String what, List<Worker> workers) {
    StringBuilder sb = new StringBuilder(what);
    sb.append("\nsnapshot at detection:\n").append(target.snapshot());
    if (workers != null && workers.size() <= 64) {
      for (Worker w : workers) {
        sb.append('\n').append(stack(w.thread));
      }
    }
    violations.add(sb.toString());
  }

  private static String stack(Thread t) {
    StringBuilder sb =
        new StringBuilder(t.getName()).append(" (").append(t.getState()).append(")\n");
    for (StackTraceElement e : t.getStackTrace()) {
      sb.append("    at ").append(e).append('\n');
    }
    return sb.toString();
  }

  private M weakerThan(M mode, SplittableRandom rnd) {
    List<M> weaker = new ArrayList<>();
    for (M m : modes) {
      if (table.isWeaker(m, mode)) {
        weaker.add(m);
      }
    }
    return weaker.isEmpty() ? null : weaker.get(rnd.nextInt(weaker.size()));
  }

  /** Tiny, page-sized, huge, and to-the-end ranges over a space where they overlap often. */
  static Range randomRange(SplittableRandom rnd) {
    long page = 4096;
    long start = rnd.nextLong(256) * page + (rnd.nextBoolean() ? 0 : rnd.nextInt(4096));
    switch (rnd.nextInt(10)) {
      case 0:
        return Range.from(start);
      case 1:
        return Range.ofLength(start, 1L << (30 + rnd.nextInt(12))); // 1 GiB .. 2 TiB
      case 2:
      case 3:
        return Range.ofLength(start, 1 + rnd.nextInt(16)); // tiny
      case 4:
        return Range.ofLength(start, page * (1 + rnd.nextInt(64))); // an IO
      default:
        return Range.ofLength(start - start % page, page); // a page: a fault
    }
  }

  private Result report(PrintStream out, long elapsedNanos) {
    long total = 0;
    out.printf(
        Locale.ROOT,
        "%-14s %10s %10s %10s %11s %10s%n",
        "entry point",
        "attempts",
        "acquired",
        "failed",
        "interrupted",
        "cancelled");
    for (Entry e : Entry.values()) {
      long a = 0;
      long g = 0;
      long f = 0;
      for (int m = 0; m < modes.length; m++) {
        a += attempts[m][e.ordinal()].sum();
        g += acquired[m][e.ordinal()].sum();
        f += failed[m][e.ordinal()].sum();
      }
      total += g;
      out.printf(
          Locale.ROOT,
          "%-14s %10d %10d %10d %11d %10d%n",
          e,
          a,
          g,
          f,
          interruptedBy[e.ordinal()].sum(),
          cancelledBy[e.ordinal()].sum());
    }
    out.printf(Locale.ROOT, "%-14s %10s %10s %10s%n", "mode", "attempts", "acquired", "failed");
    for (M m : modes) {
      long a = 0;
      long g = 0;
      long f = 0;
      for (Entry e : Entry.values()) {
        a += attempts[m.ordinal()][e.ordinal()].sum();
        g += acquired[m.ordinal()][e.ordinal()].sum();
        f += failed[m.ordinal()][e.ordinal()].sum();
      }
      out.printf(Locale.ROOT, "%-14s %10d %10d %10d%n", m, a, g, f);
    }
    out.printf(
        Locale.ROOT,
        "acquisitions %d in %.1f s (%.0f/s); downgrades %d; closed by another thread %d%n",
        total,
        elapsedNanos / 1e9,
        total / (elapsedNanos / 1e9),
        downgrades.sum(),
        closedElsewhere.sum());
    out.printf(
        Locale.ROOT,
        "interrupts delivered %d; futures cancelled by the disturber %d; longest wait %.1f ms%n",
        interruptsDelivered.sum(),
        cancelsDelivered.sum(),
        longestWaitNanos.get() / 1e6);
    boolean passed = violations.isEmpty();
    out.println(
        "final check: "
            + (passed
                ? "lock empty, Range.all() grantable at once in every mode"
                : "see violations"));
    for (String v : violations) {
      out.println("VIOLATION: " + v);
    }
    out.println(passed ? "RESULT: PASS" : "RESULT: FAIL (" + violations.size() + " violations)");
    return new Result(passed, new ArrayList<>(violations), total);
  }

  // Virtual threads exist from JDK 21; this module compiles for 17, so they are reached
  // reflectively.
  static boolean virtualThreadsAvailable() {
    try {
      Thread.class.getMethod("ofVirtual");
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private Thread newThread(Runnable r, String name) {
    if (!virtual) {
      return new Thread(r, name);
    }
    try {
      Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
      Class<?> b = Class.forName("java.lang.Thread$Builder");
      builder = b.getMethod("name", String.class).invoke(builder, name);
      Method unstarted = b.getMethod("unstarted", Runnable.class);
      return (Thread) unstarted.invoke(builder, r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("virtual threads unavailable", e);
    }
  }
}
