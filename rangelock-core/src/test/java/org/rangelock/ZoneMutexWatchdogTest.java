package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The zone mutex ({@code RangeLock.Zone.lock/unlock}: CAS, spins, yields, then {@code wait} on the
 * zone's monitor with a waiter count) under a watchdog: no lost wake-up and mutual exclusion, with
 * the blocking path really taken.
 *
 * <p>Some holders keep the mutex for a millisecond and then until they see a thread blocked on it
 * (at most 200 ms), far longer than a waiter's spins and yields, so the other threads reach {@code
 * monitor.wait()}; a lost wake-up leaves them there with the mutex free, and the watchdog fails the
 * test with their stacks. Lincheck cannot look for this: its model of {@code wait} may wake
 * spuriously.
 */
class ZoneMutexWatchdogTest {

  private static final int THREADS = 6;
  private static final int ROUNDS = 400;
  private static final long WATCHDOG_SECONDS = 120;

  @Test
  void blockedWaitersAreAlwaysWokenAndExclusionHolds() throws InterruptedException {
    RangeLock.Zone zone = new RangeLock.Zone(0, 42L);
    int[] counter = new int[1]; // plain: only the mutex orders the increments
    AtomicBoolean sawBlocked = new AtomicBoolean();
    Thread[] workers = new Thread[THREADS];
    for (int t = 0; t < THREADS; t++) {
      workers[t] =
          new Thread(
              () -> {
                for (int r = 0; r < ROUNDS; r++) {
                  zone.lock();
                  try {
                    int seen = counter[0];
                    if (r % 8 == 0) {
                      // Long hold: the waiters run out of spins and yields and block. The holder
                      // keeps the mutex until it sees one blocked (up to 200 ms), so the wait
                      // path is taken and seen however the machine schedules the sampler.
                      LockSupport.parkNanos(1_000_000);
                      long until = System.nanoTime() + 200_000_000L;
                      while (!zone.hasBlockedThreads() && System.nanoTime() < until) {
                        LockSupport.parkNanos(100_000);
                      }
                      if (zone.hasBlockedThreads()) {
                        sawBlocked.set(true);
                      }
                    }
                    counter[0] = seen + 1;
                  } finally {
                    zone.unlock();
                  }
                }
              },
              "zone-mutex-" + t);
      workers[t].setDaemon(true); // a stuck worker must not keep the test JVM alive
      workers[t].start();
    }
    Thread sampler =
        new Thread(
            () -> {
              while (Arrays.stream(workers).anyMatch(Thread::isAlive)) {
                if (zone.hasBlockedThreads()) {
                  sawBlocked.set(true);
                }
                LockSupport.parkNanos(50_000);
              }
            },
            "zone-mutex-sampler");
    sampler.setDaemon(true);
    sampler.start();

    // Watchdog only: the run takes about a second; a lost wake-up never ends.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WATCHDOG_SECONDS);
    for (Thread w : workers) {
      w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    sampler.join(TimeUnit.SECONDS.toMillis(10));
    StringBuilder stuck = new StringBuilder();
    for (Thread w : workers) {
      if (w.isAlive()) {
        stuck.append('\n').append(w.getName()).append(' ').append(w.getState());
        for (StackTraceElement e : w.getStackTrace()) {
          stuck.append("\n    at ").append(e);
        }
      }
    }
    if (stuck.length() > 0) {
      fail(
          "zone mutex: threads still waiting after "
              + WATCHDOG_SECONDS
              + " s (mutex="
              + zone.mutex
              + ", waiters="
              + zone.mutexWaiters
              + "):"
              + stuck);
    }
    assertEquals(THREADS * ROUNDS, counter[0], "an increment was lost: two holders at once");
    assertEquals(0, zone.mutex, "mutex left held");
    assertFalse(zone.hasBlockedThreads(), "waiter count left non-zero");
    assertTrue(
        sawBlocked.get(), "no thread ever blocked on the monitor: the wait path went untested");
  }
}
