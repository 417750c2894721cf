package org.rangelock.bench.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same correctness tests for every lock the benchmarks compare: a broken baseline makes every
 * ratio meaningless.
 */
class RangeExclusionTest {

  static List<String> names() {
    return RangeExclusions.NAMES;
  }

  /**
   * Mutual exclusion under stress: threads take random overlapping ranges, shared or exclusive,
   * blocking or by trylock, and a shadow of per-cell counters (-1 exclusive, n &gt; 0 shared)
   * catches any two conflicting holds at once. A watchdog fails the test, with stack traces,
   * instead of hanging if the lock deadlocks or loses a wake-up.
   */
  @ParameterizedTest
  @MethodSource("names")
  void mutualExclusionUnderStress(String name) throws Exception {
    RangeExclusion lock = RangeExclusions.of(name);
    int cells = 64;
    int threads = 4;
    int ops = name.endsWith("-spin") ? 20_000 : 100_000;
    AtomicIntegerArray shadow = new AtomicIntegerArray(cells);
    AtomicReference<String> violation = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long seed = 1234 + t;
      Thread w =
          new Thread(
              () -> {
                SplittableRandom rnd = new SplittableRandom(seed);
                for (int i = 0; i < ops && violation.get() == null; i++) {
                  int start = rnd.nextInt(cells);
                  int len =
                      1
                          + rnd.nextInt(
                              rnd.nextInt(8) == 0 ? cells - start : Math.min(8, cells - start));
                  boolean shared = rnd.nextInt(3) != 0;
                  Object token = null;
                  if (rnd.nextInt(4) == 0) {
                    token = lock.tryLock(start, start + len, shared);
                  }
                  if (token == null) {
                    token = lock.lock(start, start + len, shared);
                  }
                  for (int c = start; c < start + len; c++) {
                    if (!enter(shadow, c, shared)) {
                      violation.compareAndSet(
                          null,
                          name
                              + ": conflicting hold at cell "
                              + c
                              + " for ["
                              + start
                              + ", "
                              + (start + len)
                              + ") "
                              + (shared ? "shared" : "exclusive")
                              + ", shadow "
                              + shadow.get(c));
                    }
                  }
                  if (rnd.nextInt(8) == 0) {
                    Thread.yield();
                  }
                  for (int c = start; c < start + len; c++) {
                    leave(shadow, c, shared);
                  }
                  lock.unlock(token);
                }
              },
              name + "-worker-" + t);
      w.setDaemon(true);
      workers.add(w);
    }
    workers.forEach(Thread::start);
    // The watchdog: generous, it only turns a hang into a failure with stack traces.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (Thread w : workers) {
      w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    for (Thread w : workers) {
      if (w.isAlive()) {
        StringBuilder sb = new StringBuilder(name + ": hang; lock " + lock + "\n");
        for (Thread x : workers) {
          sb.append(x.getName()).append(' ').append(x.getState()).append('\n');
          for (StackTraceElement e : x.getStackTrace()) {
            sb.append("    at ").append(e).append('\n');
          }
        }
        fail(sb.toString());
      }
    }
    assertNull(violation.get(), violation.get());
    for (int c = 0; c < cells; c++) {
      assertEquals(0, shadow.get(c), "shadow cell " + c);
    }
    Object all = lock.tryLock(0, cells, false);
    assertNotNull(all, name + ": something still held after every thread released");
    lock.unlock(all);
  }

  private static boolean enter(AtomicIntegerArray shadow, int c, boolean shared) {
    if (!shared) {
      return shadow.compareAndSet(c, 0, -1);
    }
    for (; ; ) {
      int v = shadow.get(c);
      if (v < 0) {
        return false;
      }
      if (shadow.compareAndSet(c, v, v + 1)) {
        return true;
      }
    }
  }

  private static void leave(AtomicIntegerArray shadow, int c, boolean shared) {
    if (!shared) {
      shadow.compareAndSet(c, -1, 0);
    } else {
      shadow.getAndDecrement(c);
    }
  }

  /**
   * A randomized sequential model of trylock: a number of owner threads (one single-thread executor
   * each, since a {@code ReentrantReadWriteLock} needs the owner to release), each holding at most
   * one range; at each step a random owner releases its hold or tries a random range. With nothing
   * waiting, trylock must succeed exactly when no held range conflicts (for the whole-file locks,
   * every two ranges overlap).
   */
  @ParameterizedTest
  @MethodSource("names")
  void trylockMatchesSequentialModel(String name) throws Exception {
    RangeExclusion lock = RangeExclusions.of(name);
    int owners = 12;
    int space = 40;
    ExecutorService[] ex = new ExecutorService[owners];
    for (int i = 0; i < owners; i++) {
      ex[i] = Executors.newSingleThreadExecutor();
    }
    try {
      long[] hs = new long[owners];
      long[] he = new long[owners];
      boolean[] hsh = new boolean[owners];
      Object[] tok = new Object[owners];
      SplittableRandom rnd = new SplittableRandom(42);
      int granted = 0;
      int refused = 0;
      for (int step = 0; step < 6_000; step++) {
        int o = rnd.nextInt(owners);
        if (tok[o] != null) {
          Object t = tok[o];
          ex[o].submit(() -> lock.unlock(t)).get(60, TimeUnit.SECONDS);
          tok[o] = null;
          continue;
        }
        long s = rnd.nextInt(space);
        long e = s + 1 + rnd.nextInt((int) Math.min(10, space - s));
        boolean shared = rnd.nextInt(3) != 0;
        boolean expect = true;
        for (int p = 0; p < owners; p++) {
          if (tok[p] != null
              && (!lock.rangeAware() || (hs[p] < e && s < he[p]))
              && !(shared && hsh[p])) {
            expect = false;
          }
        }
        Object t = ex[o].submit(() -> lock.tryLock(s, e, shared)).get(60, TimeUnit.SECONDS);
        assertEquals(
            expect,
            t != null,
            name
                + " step "
                + step
                + ": tryLock ["
                + s
                + ", "
                + e
                + ") "
                + (shared ? "shared" : "exclusive"));
        if (t != null) {
          tok[o] = t;
          hs[o] = s;
          he[o] = e;
          hsh[o] = shared;
          granted++;
        } else {
          refused++;
        }
      }
      assertTrue(
          granted > 100 && refused > 100,
          "the model exercised both outcomes: " + granted + "/" + refused);
      for (int o = 0; o < owners; o++) {
        if (tok[o] != null) {
          Object t = tok[o];
          ex[o].submit(() -> lock.unlock(t)).get(60, TimeUnit.SECONDS);
        }
      }
      Object all = lock.tryLock(0, space, false);
      assertNotNull(all, name + ": something still held after the model released everything");
      lock.unlock(all);
    } finally {
      for (ExecutorService e : ex) {
        e.shutdownNow();
      }
    }
  }

  /**
   * Compatible holds are truly concurrent: a blocking shared lock is granted while another is held.
   */
  @ParameterizedTest
  @MethodSource("names")
  void sharedHoldsCoexistAndExclusiveWaits(String name) throws Exception {
    RangeExclusion lock = RangeExclusions.of(name);
    ExecutorService a = Executors.newSingleThreadExecutor();
    ExecutorService b = Executors.newSingleThreadExecutor();
    ExecutorService c = Executors.newSingleThreadExecutor();
    try {
      Object ta = a.submit(() -> lock.lock(0, 10, true)).get(60, TimeUnit.SECONDS);
      Object tb = b.submit(() -> lock.lock(5, 15, true)).get(60, TimeUnit.SECONDS);
      var writer = c.submit(() -> lock.lock(8, 9, false));
      b.submit(() -> lock.unlock(tb)).get(60, TimeUnit.SECONDS);
      a.submit(() -> lock.unlock(ta)).get(60, TimeUnit.SECONDS);
      Object tw = writer.get(60, TimeUnit.SECONDS);
      c.submit(() -> lock.unlock(tw)).get(60, TimeUnit.SECONDS);
      Object all = lock.tryLock(0, 100, false);
      assertNotNull(all);
      lock.unlock(all);
    } finally {
      a.shutdownNow();
      b.shutdownNow();
      c.shutdownNow();
    }
  }
}
