package org.rangelock.bench.torture;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.rangelock.LockSnapshot;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;

/**
 * One torture run over one lock.
 *
 * <p>Worker threads loop until the time is up. Each step picks a range (tiny, page-sized, IO-sized,
 * huge, or {@code Range.from}), a mode and an entry point — blocking, interruptible, try, timed
 * with a zero, tiny, long or unbounded timeout, async, async cancelled at once, async with {@code
 * orTimeout} — holds the grant briefly (now and then long enough that waiters park), sometimes
 * downgrades it to a weaker mode, and closes it: usually itself, sometimes from another thread,
 * sometimes twice (the second close must throw), sometimes racing a close in another thread
 * (exactly one may win). A disturber thread interrupts random workers and cancels their pending
 * futures; tiny timeouts expire all the time. A step leaves the worker holding nothing and waiting
 * for nothing. Checks:
 *
 * <ul>
 *   <li><b>exclusion</b> ({@link Kind#CONFLICT}): a shadow list of holds, entered right after each
 *       grant and left right before each close (and, for a downgrade, switched to the weaker mode
 *       right before it), flags two overlapping holds whose modes conflict;
 *   <li><b>leaks</b> ({@link Kind#LEAK}): a watchdog takes snapshots and flags any request, held or
 *       waiting, that a worker made in a step it has finished (released, failed, timed out,
 *       interrupted or cancelled). A synchronous request must be gone when its step ends; an async
 *       one may linger while the thread that granted it releases it after a racing cancel, so it is
 *       flagged only if still there after the bound. At the end the snapshot must be empty and
 *       {@code Range.all()} grantable at once in every mode;
 *   <li><b>liveness</b> ({@link Kind#STUCK}): the watchdog flags a worker that made no progress for
 *       the bound (a lost wake-up or a deadlock: holds last microseconds, so any wait that long is
 *       one);
 *   <li><b>double release</b> ({@link Kind#DOUBLE_CLOSE}): a second close must throw {@link
 *       IllegalStateException}, and of two racing closes exactly one must succeed;
 *   <li><b>handles</b> ({@link Kind#HANDLE}): a handle describes its grant, reports itself held
 *       until closed and not after;
 *   <li><b>errors</b> ({@link Kind#ERROR}): any unexpected exception in a worker or closer.
 * </ul>
 *
 * <p>Each violation is recorded with the lock's snapshot and the stacks of the workers (all of them
 * up to 64, else the 64 that made no progress the longest), and stops the run.
 *
 * <p>The leak check reads {@link LockSnapshot.Entry#sinceNanos}, so the lock should record hold
 * times ({@code RangeLock.Builder.recordHoldTimes(true)}); entries without a time are not checked.
 *
 * <p>Which thread touches what: the counters are adders any thread bumps; the shadow list is
 * guarded by its own monitor; each worker's {@link Worker#pending}, {@link Worker#stepStart} and
 * {@link Worker#lastProgress} are written by that worker and read by the disturber and watchdog;
 * {@link #suspects} belongs to the watchdog.
 *
 * @param <M> the mode enum
 */
final class TortureRun<M extends Enum<M>> {

  /** The entry points a step may use. */
  enum Entry {
    ACQUIRE,
    INTERRUPTIBLY,
    TRY,
    TIMED_ZERO,
    TIMED_TINY,
    TIMED_LONG,
    ASYNC,
    ASYNC_CANCEL,
    ASYNC_TIMEOUT
  }

  /** What went wrong. */
  enum Kind {
    CONFLICT,
    LEAK,
    STUCK,
    DOUBLE_CLOSE,
    HANDLE,
    ERROR
  }

  /** One violation, with its report. */
  record Violation(Kind kind, String report) {
    @Override
    public String toString() {
      return kind + ": " + report;
    }
  }

  /** The verdict. */
  record Result(boolean passed, List<Violation> violations, long acquisitions) {
    Set<Kind> kinds() {
      Set<Kind> s = EnumSet.noneOf(Kind.class);
      for (Violation v : violations) {
        s.add(v.kind());
      }
      return s;
    }
  }

  /** Violations kept in full; later ones are only counted. */
  private static final int MAX_REPORTS = 10;

  private final ModeTable<M> table;
  private final TortureTarget<M> target;
  private final int threads;
  private final boolean virtual;
  private final long millis;
  private final long seed;
  private final int maxWaitSeconds;
  private final M[] modes;

  // [mode][entry]
  private final LongAdder[][] attempts;
  private final LongAdder[][] acquired;
  private final LongAdder[][] busy;
  private final LongAdder[][] timedOut;
  private final LongAdder[][] interrupted;
  private final LongAdder[][] cancelled;
  private final LongAdder downgrades = new LongAdder();
  private final LongAdder closedElsewhere = new LongAdder();
  private final LongAdder doubleCloses = new LongAdder();
  private final LongAdder racingCloses = new LongAdder();
  private final LongAdder parkedHolds = new LongAdder();
  private final LongAdder interruptsDelivered = new LongAdder();
  private final LongAdder cancelsDelivered = new LongAdder();
  private final LongAdder snapshots = new LongAdder();
  private final AtomicLong longestWaitNanos = new AtomicLong();
  private volatile String longestWaitWhat = "";
  private final AtomicLong maxEntries = new AtomicLong();

  private final List<Hold> shadow = new ArrayList<>();
  private final ConcurrentLinkedQueue<Violation> violations = new ConcurrentLinkedQueue<>();
  private final AtomicInteger violationCount = new AtomicInteger();
  private volatile boolean stop;
  private volatile List<Worker> workers = List.of();

  /**
   * Where handles are closed "from another thread" (an IO completion, say): a new thread per close
   * (a pool's hand-off turned out slower than starting a thread, and all conflicting waiters wait
   * for it).
   */
  private final java.util.concurrent.Executor closers;

  /** Async requests of finished steps still in the lock: key to when first seen. Watchdog only. */
  private final Map<String, Long> suspects = new HashMap<>();

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
    this.closers = r -> newThread(r, "torture-closer").start();
    int e = Entry.values().length;
    attempts = adders(modes.length, e);
    acquired = adders(modes.length, e);
    busy = adders(modes.length, e);
    timedOut = adders(modes.length, e);
    interrupted = adders(modes.length, e);
    cancelled = adders(modes.length, e);
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

  private static long sum(LongAdder[][] x, int mode, int entry) {
    long s = 0;
    for (int m = 0; m < x.length; m++) {
      for (int e = 0; e < x[m].length; e++) {
        if ((mode < 0 || m == mode) && (entry < 0 || e == entry)) {
          s += x[m][e].sum();
        }
      }
    }
    return s;
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
    volatile long stepStart = System.nanoTime();
    volatile long lastProgress = System.nanoTime();
    // What the worker is doing, for reports: a phase and the request (built lazily).
    volatile String phase = "starting";
    volatile Entry entry;
    volatile M mode;
    volatile Range range;

    String doing() {
      return phase + " " + entry + " " + mode + " " + range;
    }

    Worker(int id) {
      this.id = id;
      this.rnd = new SplittableRandom(seed * 1_000_003L + id);
    }

    @Override
    public void run() {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      try {
        while (!stop && System.nanoTime() < end) {
          Thread.interrupted(); // an interrupt that arrived between operations is spent here
          stepStart = System.nanoTime();
          step(this);
          lastProgress = System.nanoTime();
        }
      } catch (Throwable t) {
        violation(Kind.ERROR, thread.getName() + " died while " + doing() + ": " + trace(t));
      } finally {
        Thread.interrupted();
      }
    }
  }

  /** Acquisitions so far, for the command's progress lines (any thread, any time). */
  long acquisitionsSoFar() {
    return sum(acquired, -1, -1);
  }

  /** Violations so far, for the command's progress lines (any thread, any time). */
  int violationsSoFar() {
    return violationCount.get();
  }

  Result run(PrintStream out) {
    List<Worker> ws = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Worker w = new Worker(i);
      w.thread = newThread(w, "torture-" + i);
      ws.add(w);
    }
    workers = List.copyOf(ws);
    long started = System.nanoTime();
    for (Worker w : ws) {
      w.thread.start();
    }
    Thread disturber = new Thread(() -> disturb(ws), "torture-disturber");
    disturber.setDaemon(true);
    disturber.start();
    Thread watchdog = new Thread(() -> watch(ws), "torture-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    // Normally every worker ends within the run time plus one step; a worker stuck in the lock
    // (which the watchdog reports) is given up on after the bound, or 2 s after a violation.
    long bound = started + TimeUnit.MILLISECONDS.toNanos(millis + 1000L * (maxWaitSeconds + 30L));
    long stopSeen = 0;
    boolean interruptedMain = false;
    for (Worker w : ws) {
      while (w.thread.isAlive()) {
        long now = System.nanoTime();
        if (stop && stopSeen == 0) {
          stopSeen = now;
        }
        if (now > bound || (stopSeen != 0 && now - stopSeen > TimeUnit.SECONDS.toNanos(2))) {
          break;
        }
        try {
          w.thread.join(50);
        } catch (InterruptedException e) {
          interruptedMain = true;
          stop = true;
        }
      }
    }
    stop = true;
    disturber.interrupt();
    watchdog.interrupt();
    joinQuietly(disturber);
    joinQuietly(watchdog);

    List<Worker> alive = new ArrayList<>();
    for (Worker w : ws) {
      if (w.thread.isAlive()) {
        alive.add(w);
      }
    }
    if (!alive.isEmpty()) {
      if (violationCount.get() == 0) {
        violation(
            Kind.STUCK,
            alive.size() + " workers still running after the bound, e.g. " + alive.get(0).doing());
      }
    } else {
      finalCheck();
    }
    if (interruptedMain) {
      Thread.currentThread().interrupt();
    }
    long elapsed = System.nanoTime() - started;
    return report(out, elapsed);
  }

  private static void joinQuietly(Thread t) {
    try {
      t.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void step(Worker w) {
    SplittableRandom rnd = w.rnd;
    Range range = randomRange(rnd);
    M mode = modes[rnd.nextInt(modes.length)];
    Entry entry = Entry.values()[rnd.nextInt(Entry.values().length)];
    int mi = mode.ordinal();
    int ei = entry.ordinal();
    w.phase = "requesting";
    w.entry = entry;
    w.mode = mode;
    w.range = range;
    attempts[mi][ei].increment();
    long t0 = System.nanoTime();
    RangeHandle<M> h = null;
    LongAdder outcome = null;
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
          outcome = busy[mi][ei];
          break;
        case TIMED_ZERO:
          h = target.tryAcquire(range, mode, Duration.ZERO);
          outcome = busy[mi][ei];
          break;
        case TIMED_TINY:
          h = target.tryAcquire(range, mode, Duration.ofNanos(1 + rnd.nextInt(50_000)));
          outcome = timedOut[mi][ei];
          break;
        case TIMED_LONG:
          // A long timeout, or one too long for a long of nanoseconds (waits indefinitely).
          Duration d =
              rnd.nextBoolean()
                  ? Duration.ofSeconds(maxWaitSeconds * 10L)
                  : Duration.ofSeconds(Long.MAX_VALUE);
          h = target.tryAcquire(range, mode, d);
          outcome = timedOut[mi][ei];
          break;
        case ASYNC:
          h = awaitAsync(w, target.acquireAsync(range, mode), mi, ei);
          break;
        case ASYNC_CANCEL:
          CompletableFuture<RangeHandle<M>> g = target.acquireAsync(range, mode);
          if (g.cancel(false)) {
            cancelled[mi][ei].increment();
          } else {
            h = join(g); // the grant came first: it is ours to close
          }
          break;
        default: // ASYNC_TIMEOUT: completed exceptionally by the JDK's delayer thread
          CompletableFuture<RangeHandle<M>> f = target.acquireAsync(range, mode);
          f.orTimeout(1 + rnd.nextInt(200), TimeUnit.MICROSECONDS);
          h = awaitAsync(w, f, mi, ei);
      }
    } catch (InterruptedException e) {
      interrupted[mi][ei].increment();
    }
    long waited = System.nanoTime() - t0;
    if (longestWaitNanos.accumulateAndGet(waited, Math::max) == waited) {
      longestWaitWhat =
          entry + " " + mode + " " + range + (h == null ? " (not granted)" : " (granted)");
    }
    if (h == null) {
      if (outcome != null) {
        outcome.increment();
      }
      return;
    }
    acquired[mi][ei].increment();
    if (h.mode() != mode || !h.range().equals(range) || !h.isHeld()) {
      violation(
          Kind.HANDLE,
          "handle does not describe its grant: " + h + " for " + entry + " " + mode + " " + range);
    }
    w.phase = "holding";
    hold(w, h, range);
  }

  /** Waits for an async grant; an interrupt makes the caller give up (cancel, or keep a grant). */
  private RangeHandle<M> awaitAsync(Worker w, CompletableFuture<RangeHandle<M>> f, int mi, int ei) {
    w.pending = f;
    try {
      return f.get();
    } catch (InterruptedException e) {
      interrupted[mi][ei].increment();
      if (f.cancel(false)) {
        return null;
      }
      return join(f); // completed meanwhile: granted (ours), or cancelled/timed out (nothing)
    } catch (CancellationException e) {
      cancelled[mi][ei].increment(); // the disturber cancelled it
      return null;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TimeoutException) {
        timedOut[mi][ei].increment();
      } else {
        violation(Kind.ERROR, "async request failed: " + trace(e.getCause()));
      }
      return null;
    } finally {
      w.pending = null;
    }
  }

  /** The handle of a completed future, or null if it completed by cancellation or timeout. */
  private static <M extends Enum<M>> RangeHandle<M> join(CompletableFuture<RangeHandle<M>> f) {
    try {
      return f.join();
    } catch (CancellationException e) {
      return null;
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof TimeoutException) {
        return null;
      }
      throw e;
    }
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
    if (rnd.nextInt(512) == 0) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // long enough that waiters park
      parkedHolds.increment();
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
        if (h.mode() != weaker || !h.isHeld()) {
          violation(Kind.HANDLE, "after a downgrade to " + weaker + " the handle says " + h);
        }
      }
    }
    exit(hold);
    w.phase = "closing";
    int how = rnd.nextInt(256); // closes in other threads are costly: keep them rare
    if (how == 0) {
      closeFromAnotherThread(h);
    } else if (how == 1) {
      h.close();
      closeTwice(h);
    } else if (how == 2) {
      closeRacing(h);
    } else {
      h.close();
    }
    if (h.isHeld()) {
      violation(Kind.HANDLE, "a closed handle still reports itself held: " + h);
    }
  }

  private void closeTwice(RangeHandle<M> h) {
    try {
      h.close();
      violation(Kind.DOUBLE_CLOSE, "a second close of " + h + " did not throw");
    } catch (IllegalStateException expected) {
      doubleCloses.increment();
    }
  }

  /**
   * Closes h in this thread and in another at once: exactly one close must succeed. The two meet
   * first (each blocks until the other is there, then the closer spins a little so that the two
   * closes really overlap). No unbounded spin or yield loop: in a virtual run a thread that yields
   * in a loop waiting for another virtual thread can keep its carrier's queue busy and starve the
   * threads woken from outside it (timers, unparks from platform threads), the very thread it waits
   * for included.
   */
  private void closeRacing(RangeHandle<M> h) {
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    CountDownLatch ready = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    Runnable close =
        () -> {
          try {
            h.close();
            ok.incrementAndGet();
          } catch (IllegalStateException e) {
            refused.incrementAndGet();
          } catch (Throwable t) {
            violation(Kind.ERROR, "close racing close threw " + trace(t));
          }
        };
    CompletableFuture<Void> other =
        CompletableFuture.runAsync(
            () -> {
              ready.countDown();
              for (int i = 0; i < 10_000 && go.getCount() != 0; i++) {
                Thread.onSpinWait();
              }
              awaitUninterruptibly(go);
              close.run();
            },
            closers);
    awaitUninterruptibly(ready);
    go.countDown();
    close.run();
    awaitUninterruptibly(other);
    racingCloses.increment();
    if (ok.get() != 1 || refused.get() != 1) {
      violation(
          Kind.DOUBLE_CLOSE,
          "two racing closes of "
              + h
              + ": "
              + ok.get()
              + " succeeded, "
              + refused.get()
              + " threw IllegalStateException (want 1 and 1)");
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeFromAnotherThread(RangeHandle<M> h) {
    awaitUninterruptibly(
        CompletableFuture.runAsync(
            () -> {
              try {
                h.close();
              } catch (Throwable t) {
                violation(Kind.ERROR, "close from another thread threw " + trace(t));
              }
            },
            closers));
    closedElsewhere.increment();
  }

  /** We must see a close through, or the hold would leak past the step. */
  private static void awaitUninterruptibly(CompletableFuture<Void> f) {
    boolean interrupted = false;
    while (true) {
      try {
        f.get();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void enter(Hold h) {
    String conflict = null;
    synchronized (shadow) {
      for (Hold o : shadow) {
        if (o.range.overlaps(h.range) && !table.compatible(o.mode, h.mode)) {
          conflict =
              "conflicting holds coexist: "
                  + o
                  + " and "
                  + h
                  + "\n"
                  + stack(o.thread)
                  + stack(h.thread);
          break;
        }
      }
      shadow.add(h);
    }
    if (conflict != null) {
      violation(Kind.CONFLICT, conflict);
    }
  }

  private void exit(Hold h) {
    synchronized (shadow) {
      shadow.remove(h);
    }
  }

  private void disturb(List<Worker> ws) {
    SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
    while (!stop) {
      Worker w = ws.get(rnd.nextInt(ws.size()));
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

  private void watch(List<Worker> ws) {
    long bound = TimeUnit.SECONDS.toNanos(maxWaitSeconds);
    Map<Long, Worker> byId = new HashMap<>();
    for (Worker w : ws) {
      byId.put(w.thread.getId(), w);
    }
    while (!stop) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
      scanForLeaks(byId, bound);
      long now = System.nanoTime();
      for (Worker w : ws) {
        if (w.thread.isAlive() && now - w.lastProgress > bound) {
          violation(
              Kind.STUCK,
              "no progress for "
                  + maxWaitSeconds
                  + " s in "
                  + w.thread.getName()
                  + " while "
                  + w.doing()
                  + " (lost wake-up or deadlock)\n"
                  + stack(w.thread));
          return;
        }
      }
    }
  }

  /**
   * Flags requests made in a step their worker has finished. Reads each worker's step start
   * <em>before</em> the snapshot: a request older than that start belongs to a step that was over
   * before the snapshot was taken.
   */
  private void scanForLeaks(Map<Long, Worker> byId, long bound) {
    Map<Worker, Long> starts = new HashMap<>();
    for (Worker w : byId.values()) {
      starts.put(w, w.stepStart);
    }
    LockSnapshot<M> snap = target.snapshot();
    snapshots.increment();
    maxEntries.accumulateAndGet(snap.held().size() + snap.waiting().size(), Math::max);
    long now = System.nanoTime();
    Set<String> seen = new java.util.HashSet<>();
    for (int list = 0; list < 2; list++) {
      boolean held = list == 0;
      for (LockSnapshot.Entry<M> e : held ? snap.held() : snap.waiting()) {
        Worker w = byId.get(e.ownerId());
        if (w == null || !e.timed() || e.sinceNanos() - starts.get(w) >= 0) {
          continue; // not a worker's, no time recorded, or of the step under way
        }
        String what =
            (held ? "held " : "waiting ")
                + e
                + ": made in a step that "
                + w.thread.getName()
                + " has finished";
        if (!e.async()) {
          violation(Kind.LEAK, what + "\nsnapshot:\n" + snap);
          return;
        }
        String key = e.ownerId() + "/" + e.sinceNanos() + "/" + e.mode() + "/" + e.range();
        seen.add(key);
        Long first = suspects.putIfAbsent(key, now);
        if (first != null && now - first > bound) {
          violation(
              Kind.LEAK,
              what + " (async; still there after " + maxWaitSeconds + " s)\nsnapshot:\n" + snap);
          return;
        }
      }
    }
    suspects.keySet().retainAll(seen);
  }

  private void finalCheck() {
    LockSnapshot<M> snap = target.snapshot();
    if (!snap.isEmpty()) {
      violation(Kind.LEAK, "leaked after the run:\n" + snap);
      return;
    }
    for (M m : modes) {
      RangeHandle<M> h = target.tryAcquire(Range.all(), m);
      if (h == null) {
        violation(Kind.LEAK, "Range.all() in " + m + " not grantable at once after the run");
      } else {
        h.close();
      }
    }
    if (!target.snapshot().isEmpty()) {
      violation(Kind.LEAK, "not empty after the final check:\n" + target.snapshot());
    }
  }

  private void violation(Kind kind, String what) {
    stop = true;
    if (violationCount.incrementAndGet() > MAX_REPORTS) {
      return;
    }
    StringBuilder sb = new StringBuilder(what);
    sb.append("\nsnapshot at detection:\n").append(target.snapshot());
    List<Worker> ws = new ArrayList<>(workers);
    if (!ws.isEmpty()) {
      ws.sort(Comparator.comparingLong(w -> w.lastProgress));
      int shown = Math.min(ws.size(), 64);
      sb.append("\nworkers (")
          .append(shown)
          .append(" of ")
          .append(ws.size())
          .append(", longest without progress first):");
      for (Worker w : ws.subList(0, shown)) {
        sb.append('\n').append("  [").append(w.doing()).append("] ").append(stack(w.thread));
      }
    }
    violations.add(new Violation(kind, sb.toString()));
  }

  private static String stack(Thread t) {
    StringBuilder sb =
        new StringBuilder(t.getName()).append(" (").append(t.getState()).append(")\n");
    for (StackTraceElement e : t.getStackTrace()) {
      sb.append("    at ").append(e).append('\n');
    }
    return sb.toString();
  }

  private static String trace(Throwable t) {
    StringWriter s = new StringWriter();
    t.printStackTrace(new PrintWriter(s));
    return s.toString();
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

  /** Tiny, page-sized, IO-sized, huge, and to-the-end ranges over a space where they overlap. */
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
    String row = "%-14s %10d %10d %10d %10d %11d %10d%n";
    out.printf(
        Locale.ROOT,
        "%-14s %10s %10s %10s %10s %11s %10s%n",
        "entry point",
        "attempts",
        "acquired",
        "busy",
        "timed out",
        "interrupted",
        "cancelled");
    for (Entry e : Entry.values()) {
      int i = e.ordinal();
      out.printf(
          Locale.ROOT,
          row,
          e,
          sum(attempts, -1, i),
          sum(acquired, -1, i),
          sum(busy, -1, i),
          sum(timedOut, -1, i),
          sum(interrupted, -1, i),
          sum(cancelled, -1, i));
    }
    for (M m : modes) {
      int i = m.ordinal();
      out.printf(
          Locale.ROOT,
          row,
          "mode " + m,
          sum(attempts, i, -1),
          sum(acquired, i, -1),
          sum(busy, i, -1),
          sum(timedOut, i, -1),
          sum(interrupted, i, -1),
          sum(cancelled, i, -1));
    }
    long total = sum(acquired, -1, -1);
    long failures =
        sum(busy, -1, -1)
            + sum(timedOut, -1, -1)
            + sum(interrupted, -1, -1)
            + sum(cancelled, -1, -1);
    out.printf(
        Locale.ROOT,
        row,
        "total",
        sum(attempts, -1, -1),
        total,
        sum(busy, -1, -1),
        sum(timedOut, -1, -1),
        sum(interrupted, -1, -1),
        sum(cancelled, -1, -1));
    out.printf(
        Locale.ROOT,
        "acquisitions %d, failures %d in %.1f s (%.0f acquisitions/s)%n",
        total,
        failures,
        elapsedNanos / 1e9,
        total / (elapsedNanos / 1e9));
    out.printf(
        Locale.ROOT,
        "downgrades %d; closed by another thread %d; double closes refused %d; racing closes %d;"
            + " long (parked) holds %d%n",
        downgrades.sum(),
        closedElsewhere.sum(),
        doubleCloses.sum(),
        racingCloses.sum(),
        parkedHolds.sum());
    out.printf(
        Locale.ROOT,
        "disturber: interrupts delivered %d, futures cancelled %d; leak scans %d (max %d requests"
            + " in the lock)%n",
        interruptsDelivered.sum(),
        cancelsDelivered.sum(),
        snapshots.sum(),
        maxEntries.get());
    out.printf(
        Locale.ROOT, "longest wait %.1f ms (%s)%n", longestWaitNanos.get() / 1e6, longestWaitWhat);
    int count = violationCount.get();
    boolean passed = count == 0;
    out.println(
        "final check: "
            + (passed
                ? "lock empty, Range.all() grantable at once in every mode"
                : "see violations"));
    List<Violation> vs = new ArrayList<>(violations);
    for (Violation v : vs) {
      out.println("VIOLATION " + v);
    }
    if (count > vs.size()) {
      out.println("(" + (count - vs.size()) + " more violations not shown)");
    }
    out.println(passed ? "RESULT: PASS" : "RESULT: FAIL (" + count + " violations)");
    return new Result(passed, Collections.unmodifiableList(vs), total);
  }

  /**
   * Whether this JVM can start virtual threads (JDK 21+; on 19 and 20 only with preview features
   * enabled). This module compiles for 17, so they are reached reflectively.
   */
  static boolean virtualThreadsAvailable() {
    try {
      Thread.class.getMethod("ofVirtual").invoke(null);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  private Thread newThread(Runnable r, String name) {
    if (!virtual) {
      Thread t = new Thread(r, name);
      t.setDaemon(true); // a worker stuck in a broken lock must not keep the JVM alive
      return t;
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
