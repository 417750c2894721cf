package org.rangelock.bench.torture;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.rangelock.LockSnapshot;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;
import org.rangelock.ReadWriteMode;

/**
 * The torture runner's adversarial section: inputs chosen to break a promise rather than to load
 * the lock (issue 10). Three parts, run one after the other for a share of the time each:
 *
 * <ul>
 *   <li><b>crafted orders</b>: thousands of holds in one zone whose starts follow an order that
 *       lines keys up with a predictable priority (the insertion-number hash the treap used before;
 *       ascending; descending), then two-zone acquires on a thread with a 256 KiB stack. Any
 *       throwable, a two-zone range not granted at once or not free afterwards, or a build slower
 *       than {@link #BUILD_BOUND_MS} per thousand holds (the quadratic build of a degenerate tree)
 *       is a violation;
 *   <li><b>every completion path</b>: each worker keeps a SHARED blocker on its own range and an
 *       async EXCLUSIVE request behind it, completes the future by a random public completion
 *       method of {@code CompletableFuture} while another thread closes the blocker, and checks
 *       from a dependent stage that the request is already gone (a SHARED try of the range, which
 *       only the withdrawn request could block, must succeed), and afterwards that nothing is left;
 *   <li><b>snapshot under churn</b>: threads take and close SHARED holds (nothing can wait) while
 *       the checker takes snapshots; any entry listed as waiting is a violation.
 * </ul>
 */
final class Adversary {
  /** Per thousand holds; a balanced tree needs a few milliseconds, a list seconds. */
  static final long BUILD_BOUND_MS = 1_000;

  private static final String[] PATHS = {
    "complete",
    "completeExceptionally",
    "cancel",
    "completeAsync",
    "completeAsyncExecutor",
    "orTimeout",
    "completeOnTimeout"
  };

  private final long seed;
  private final long millis;
  private final int threads;
  private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
  private final AtomicLong rounds = new AtomicLong();

  Adversary(long seed, long millis, int threads) {
    this.seed = seed;
    this.millis = millis;
    this.threads = Math.max(2, threads);
  }

  /** Runs the three parts; returns the violations found (empty: passed). */
  List<String> run(PrintStream out) throws InterruptedException {
    long share = Math.max(1_000, millis / 3);
    out.printf(Locale.ROOT, "torture: adversarial section, %d ms per part%n", share);
    craftedOrders(share);
    out.printf(Locale.ROOT, "  crafted orders: %d rounds, %d violations%n", rounds.get(), count());
    rounds.set(0);
    completionPaths(share);
    out.printf(
        Locale.ROOT, "  completion paths: %d rounds, %d violations%n", rounds.get(), count());
    rounds.set(0);
    snapshotChurn(share);
    out.printf(
        Locale.ROOT, "  snapshot churn: %d snapshots, %d violations%n", rounds.get(), count());
    for (String v : violations) {
      out.println("  VIOLATION " + v);
    }
    return new ArrayList<>(violations);
  }

  private int count() {
    return violations.size();
  }

  // ---------------------------------------------------------------------------------------------

  private static int oldPriority(long seq) {
    long h = seq * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 29));
  }

  private void craftedOrders(long share) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(share);
    SplittableRandom rnd = new SplittableRandom(seed);
    String[] orders = {"old-priority", "ascending", "descending"};
    for (int round = 0; System.nanoTime() < deadline || round < orders.length; round++) {
      String order = orders[round % orders.length];
      int n = 5_000 + rnd.nextInt(5_000);
      RangeLock<ReadWriteMode> lock = RangeLock.builder(ModeTable.readWrite()).zones(2).build();
      long granule = 1 << 16; // granule 1 is zone 1, where the holds go
      long[] start = new long[n];
      if (order.equals("old-priority")) {
        Integer[] bySeq = new Integer[n];
        for (int i = 0; i < n; i++) {
          bySeq[i] = i;
        }
        Arrays.sort(bySeq, Comparator.comparingInt(i -> oldPriority(i + 1L)));
        for (int rank = 0; rank < n; rank++) {
          start[bySeq[rank]] = granule + 10 + rank;
        }
      } else {
        for (int i = 0; i < n; i++) {
          start[i] = granule + 10 + (order.equals("ascending") ? i : n - i);
        }
      }
      List<RangeHandle<ReadWriteMode>> holds = new ArrayList<>(n);
      long t0 = System.nanoTime();
      try {
        for (int i = 0; i < n; i++) {
          holds.add(lock.acquire(Range.ofLength(start[i], 1), ReadWriteMode.SHARED));
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        if (ms > BUILD_BOUND_MS * (n / 1000 + 1)) {
          violations.add(order + ": " + n + " holds took " + ms + " ms to build");
        }
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread small =
            new Thread(
                null,
                () -> {
                  try {
                    for (int k = 0; k < 50; k++) {
                      Range two = Range.of(granule - 5 - k, granule + 5 + k * 3);
                      RangeHandle<ReadWriteMode> h = lock.acquire(two, ReadWriteMode.SHARED);
                      h.close();
                      RangeHandle<ReadWriteMode> x = lock.tryAcquire(two, ReadWriteMode.SHARED);
                      if (x == null) {
                        violations.add(order + ": a free two-zone range was not granted");
                        return;
                      }
                      x.close();
                    }
                  } catch (Throwable t) {
                    thrown.set(t);
                  }
                },
                "adversary-small-stack",
                256 * 1024);
        small.start();
        small.join();
        if (thrown.get() != null) {
          violations.add(order + ": two-zone acquire threw " + thrown.get());
        }
      } catch (Throwable t) {
        violations.add(order + ": building " + n + " holds threw " + t);
      } finally {
        for (RangeHandle<ReadWriteMode> h : holds) {
          h.close();
        }
      }
      if (!lock.snapshot().isEmpty()) {
        violations.add(order + ": left behind " + lock.snapshot());
      }
      rounds.incrementAndGet();
      if (!violations.isEmpty()) {
        return;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void completionPaths(long share) throws InterruptedException {
    RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    ExecutorService executor = Executors.newFixedThreadPool(2);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(share);
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      int id = w;
      Thread t =
          new Thread(
              () -> {
                SplittableRandom rnd = new SplittableRandom(seed + id);
                Range mine = Range.ofLength(id * 1_000_000L, 4096);
                try {
                  while (System.nanoTime() < deadline && violations.isEmpty()) {
                    completionRound(lock, mine, PATHS[rnd.nextInt(PATHS.length)], rnd, executor);
                    rounds.incrementAndGet();
                  }
                } catch (Throwable e) {
                  violations.add("completion worker " + id + " threw " + e);
                }
              },
              "adversary-completion-" + w);
      workers.add(t);
      t.start();
    }
    for (Thread t : workers) {
      t.join();
    }
    executor.shutdown();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!lock.snapshot().isEmpty() && System.nanoTime() < until) {
      Thread.sleep(1);
    }
    if (!lock.snapshot().isEmpty()) {
      violations.add("completion paths left behind " + lock.snapshot());
    }
  }

  private void completionRound(
      RangeLock<ReadWriteMode> lock,
      Range mine,
      String path,
      SplittableRandom rnd,
      ExecutorService executor)
      throws Exception {
    RangeHandle<ReadWriteMode> blocker = lock.acquire(mine, ReadWriteMode.SHARED);
    CompletableFuture<RangeHandle<ReadWriteMode>> f =
        lock.acquireAsync(mine, ReadWriteMode.EXCLUSIVE);
    CompletableFuture<Void> dependent =
        f.handle(
            (h, ex) -> {
              if (h == null || !h.isHeld()) {
                // completed by a caller: the request must already be gone
                RangeHandle<ReadWriteMode> retry = lock.tryAcquire(mine, ReadWriteMode.SHARED);
                if (retry == null) {
                  violations.add(path + ": a dependent stage ran before the withdrawal");
                } else {
                  retry.close();
                }
              }
              return null;
            });
    boolean race = rnd.nextBoolean();
    Thread closer = race ? new Thread(blocker::close) : null;
    if (closer != null) {
      closer.start();
    }
    switch (path) {
      case "complete":
        f.complete(null);
        break;
      case "completeExceptionally":
        f.completeExceptionally(new IllegalStateException("adversary"));
        break;
      case "cancel":
        f.cancel(rnd.nextBoolean());
        break;
      case "completeAsync":
        f.completeAsync(() -> null);
        break;
      case "completeAsyncExecutor":
        f.completeAsync(() -> null, executor);
        break;
      case "orTimeout":
        f.orTimeout(rnd.nextInt(2), TimeUnit.MILLISECONDS);
        break;
      default:
        f.completeOnTimeout(null, rnd.nextInt(2), TimeUnit.MILLISECONDS);
    }
    if (closer != null) {
      closer.join();
    }
    dependent.get(30, TimeUnit.SECONDS);
    RangeHandle<ReadWriteMode> got = null;
    try {
      got = f.getNow(null);
    } catch (CancellationException | CompletionException withdrawn) {
      // completed by the caller
    }
    if (got != null) {
      got.close(); // the grant won the race: the caller owns it
    }
    if (!race) {
      blocker.close();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void snapshotChurn(long share) throws InterruptedException {
    RangeLock<ReadWriteMode> lock = RangeLock.builder(ModeTable.readWrite()).zones(4).build();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> churners = new ArrayList<>();
    for (int w = 0; w < threads - 1; w++) {
      int id = w;
      Thread t =
          new Thread(
              () -> {
                List<RangeHandle<ReadWriteMode>> held = new ArrayList<>();
                try {
                  while (!stop.get()) {
                    for (int i = 0; i < 200; i++) {
                      held.add(lock.acquire(Range.ofLength(i * 7L + id, 3), ReadWriteMode.SHARED));
                    }
                    for (RangeHandle<ReadWriteMode> h : held) {
                      h.close();
                    }
                    held.clear();
                  }
                } catch (Throwable e) {
                  violations.add("churn thread threw " + e);
                }
              },
              "adversary-churn-" + w);
      churners.add(t);
      t.start();
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(share);
    try {
      while (System.nanoTime() < deadline && violations.isEmpty()) {
        LockSnapshot<ReadWriteMode> s = lock.snapshot();
        rounds.incrementAndGet();
        if (!s.waiting().isEmpty()) {
          violations.add(
              "a snapshot listed " + s.waiting().size() + " SHARED holds as waiting (none can)");
        }
      }
    } finally {
      stop.set(true);
      for (Thread t : churners) {
        t.join();
      }
    }
  }
}
