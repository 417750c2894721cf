package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Threads hammer random ranges and modes of the mapping table through every entry point (acquire,
 * acquireInterruptibly, tryAcquire, timed tryAcquire, acquireAsync with and without cancel,
 * downgrade) while a disturber interrupts them. A shadow occupancy check flags any two conflicting
 * holds that coexist; a watchdog fails the run, with the lock's snapshot and the stuck thread's
 * stack, if a thread makes no progress for {@link #STUCK_SECONDS} (a lost wake-up or a deadlock);
 * at the end the lock must be empty.
 *
 * <p>Verdicts do not depend on timing: the run length only decides how much is explored.
 */
class StressWatchdogTest {
  static final int THREADS = 6;
  static final long RUN_MILLIS = 3_000;
  static final int STUCK_SECONDS = 30;
  static final ModeTable<MappingMode> TABLE = ModeTable.mapping();

  /** Holds seen by the shadow check; a plain list under its own monitor, for exactness. */
  private final List<Object[]> shadow = new ArrayList<>();

  private final AtomicReference<String> violation = new AtomicReference<>();

  private void enter(Object[] hold) {
    synchronized (shadow) {
      for (Object[] o : shadow) {
        if (((Range) o[0]).overlaps((Range) hold[0])
            && !TABLE.compatible((MappingMode) o[1], (MappingMode) hold[1])) {
          violation.compareAndSet(
              null,
              "coexisting conflict: " + o[1] + " " + o[0] + " and " + hold[1] + " " + hold[0]);
        }
      }
      shadow.add(hold);
    }
  }

  private void exit(Object[] hold) {
    synchronized (shadow) {
      shadow.remove(hold);
    }
  }

  @ParameterizedTest(name = "zones={0}")
  @ValueSource(ints = {1, 4, 16})
  void noConflictNoLeakNoLostWakeup(int zones) throws Exception {
    // tiny granules with several zones: requests span zones and wrap around
    RangeLock<MappingMode> lock =
        RangeLock.builder(TABLE).zones(zones).granule(zones == 16 ? 8 : 2).build();
    AtomicLongArray progress = new AtomicLongArray(THREADS);
    AtomicLong ops = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS);
    Thread[] workers = new Thread[THREADS];
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < THREADS; i++) {
      final int id = i;
      workers[i] =
          new Thread(
              () -> {
                SplittableRandom rnd = new SplittableRandom(1000L * zones + id);
                while (System.nanoTime() < end && violation.get() == null) {
                  step(lock, rnd);
                  progress.incrementAndGet(id);
                  ops.incrementAndGet();
                }
              },
              "stress-" + i);
      workers[i].setUncaughtExceptionHandler((t, e) -> failure.compareAndSet(null, e));
      workers[i].start();
    }
    Thread disturber =
        new Thread(
            () -> {
              SplittableRandom rnd = new SplittableRandom(zones);
              while (System.nanoTime() < end) {
                workers[rnd.nextInt(THREADS)].interrupt();
                try {
                  Thread.sleep(1);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "disturber");
    disturber.start();
    long[] last = new long[THREADS];
    long lastChange = System.nanoTime();
    while (true) {
      boolean alive = false;
      for (Thread t : workers) {
        alive |= t.isAlive();
      }
      if (!alive) {
        break;
      }
      Thread.sleep(200);
      boolean moved = false;
      for (int i = 0; i < THREADS; i++) {
        long p = progress.get(i);
        moved |= p != last[i] || !workers[i].isAlive();
        last[i] = p;
      }
      if (moved) {
        lastChange = System.nanoTime();
      } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(STUCK_SECONDS)) {
        StringBuilder sb = new StringBuilder("no progress for " + STUCK_SECONDS + " s\n");
        sb.append(lock.snapshot()).append('\n');
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
          if (e.getKey().getName().startsWith("stress-")) {
            sb.append(e.getKey().getName()).append('\n');
            for (StackTraceElement s : e.getValue()) {
              sb.append("    ").append(s).append('\n');
            }
          }
        }
        throw new AssertionError(sb.toString());
      }
    }
    disturber.join();
    if (failure.get() != null) {
      throw new AssertionError("a worker failed", failure.get());
    }
    assertEquals(null, violation.get());
    assertTrue(lock.snapshot().isEmpty(), () -> "leaked:\n" + lock.snapshot());
    assertTrue(ops.get() > 0);
  }

  private void step(RangeLock<MappingMode> lock, SplittableRandom rnd) {
    long start = rnd.nextInt(64);
    Range range =
        rnd.nextInt(16) == 0 ? Range.from(start) : Range.of(start, start + 1 + rnd.nextInt(16));
    MappingMode mode = MappingMode.values()[rnd.nextInt(MappingMode.values().length)];
    RangeHandle<MappingMode> h = null;
    try {
      switch (rnd.nextInt(6)) {
        case 0:
          h = lock.acquire(range, mode);
          break;
        case 1:
          h = lock.acquireInterruptibly(range, mode);
          break;
        case 2:
          h = lock.tryAcquire(range, mode);
          break;
        case 3:
          h = lock.tryAcquire(range, mode, Duration.ofNanos(rnd.nextInt(300_000)));
          break;
        default:
          CompletableFuture<RangeHandle<MappingMode>> f = lock.acquireAsync(range, mode);
          if (rnd.nextBoolean() && f.cancel(false)) {
            break;
          }
          try {
            h = f.get();
          } catch (InterruptedException e) {
            // give up like a caller would: cancel, or take the grant if it already came
            h = f.cancel(false) ? null : f.join();
          } catch (CancellationException e) {
            h = null;
          }
      }
    } catch (InterruptedException e) {
      h = null; // interrupted waits leave nothing behind; the final emptiness check proves it
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError(e);
    }
    if (h == null) {
      return;
    }
    Object[] hold = {range, h.mode()};
    enter(hold);
    if (rnd.nextInt(4) == 0) {
      Thread.yield();
    }
    if (rnd.nextInt(5) == 0) {
      for (MappingMode w : MappingMode.values()) {
        if (TABLE.isWeaker(w, h.mode())) {
          // Shadow first: while the strong mode is still held nothing conflicting can enter, and
          // once downgrade returns, newcomers compatible with w may (and must not be flagged).
          Object[] weaker = {range, w};
          exit(hold);
          enter(weaker);
          hold = weaker;
          h.downgrade(w);
          break;
        }
      }
    }
    exit(hold);
    h.close();
  }
}
