package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.MappingMode.DIRECT;
import static org.rangelock.MappingMode.FAULT;
import static org.rangelock.MappingMode.INVALIDATE;
import static org.rangelock.MappingMode.READ;
import static org.rangelock.MappingMode.WRITE;
import static org.rangelock.MappingMode.WRITEBACK;
import static org.rangelock.ReadWriteMode.EXCLUSIVE;
import static org.rangelock.ReadWriteMode.SHARED;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Unit tests of every method of {@link RangeLock} and its handle, each run on several zone layouts:
 * the default, a single zone (one tree), and tiny granules so that every request spans several
 * zones and the pair-lives-in-one-zone rule is exercised.
 */
@Timeout(60)
class RangeLockTest {

  private final List<RangeLock<?>> created = new ArrayList<>();

  static Stream<String> layouts() {
    return Stream.of("default", "one-zone", "tiny-granules", "wrapping");
  }

  private <M extends Enum<M>> RangeLock<M> lock(ModeTable<M> table, String layout) {
    RangeLock.Builder<M> b = RangeLock.builder(table);
    switch (layout) {
      case "one-zone":
        b.zones(1);
        break;
      case "tiny-granules":
        b.zones(4).granule(2); // [0,10) covers granules 0..4: every zone
        break;
      case "wrapping":
        b.zones(8).granule(4); // ranges of a few granules wrap around zone 7 -> 0
        break;
      default:
        break;
    }
    RangeLock<M> lock = b.build();
    created.add(lock);
    return lock;
  }

  @AfterEach
  void everyLockIsEmptyAfterTheTest() {
    for (RangeLock<?> l : created) {
      assertTrue(l.snapshot().isEmpty(), () -> "lock not empty after test:\n" + l.snapshot());
    }
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void acquireAndCloseReportRangeModeAndHeld(String layout) {
    RangeLock<ReadWriteMode> lock = lock(ModeTable.readWrite(), layout);
    Range r = Range.of(3, 17);
    RangeHandle<ReadWriteMode> h = lock.acquire(r, EXCLUSIVE);
    assertSame(r, h.range());
    assertEquals(EXCLUSIVE, h.mode());
    assertTrue(h.isHeld());
    assertEquals(1, lock.snapshot().held().size());
    h.close();
    assertFalse(h.isHeld());
    var e = assertThrows(IllegalStateException.class, h::close);
    assertTrue(e.getMessage().contains("double close"), e.getMessage());
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void conflictIffOverlapAndIncompatible(String layout) {
    RangeLock<MappingMode> lock = lock(ModeTable.mapping(), layout);
    ModeTable<MappingMode> t = ModeTable.mapping();
    for (MappingMode a : MappingMode.values()) {
      for (MappingMode b : MappingMode.values()) {
        try (RangeHandle<MappingMode> h = lock.acquire(Range.of(10, 20), a)) {
          RangeHandle<MappingMode> overlapping = lock.tryAcquire(Range.of(19, 30), b);
          assertEquals(t.compatible(a, b), overlapping != null, a + " then " + b);
          if (overlapping != null) {
            overlapping.close();
          }
          RangeHandle<MappingMode> adjacent = lock.tryAcquire(Range.of(20, 30), b);
          assertNotNull(adjacent, "adjacent ranges never conflict: " + a + " then " + b);
          adjacent.close();
          RangeHandle<MappingMode> before = lock.tryAcquire(Range.of(0, 10), b);
          assertNotNull(before, "adjacent ranges never conflict: " + a + " then " + b);
          before.close();
          assertEquals(h, h);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void fifoLaterSharedWaitsBehindWaitingExclusive(String layout) throws Exception {
    RangeLock<ReadWriteMode> lock = lock(ModeTable.readWrite(), layout);
    RangeHandle<ReadWriteMode> s = lock.acquire(Range.of(0, 10), SHARED);
    CompletableFuture<RangeHandle<ReadWriteMode>> x = lock.acquireAsync(Range.of(5, 15), EXCLUSIVE);
    assertFalse(x.isDone());
    assertNull(lock.tryAcquire(Range.of(8, 9), SHARED), "a try must not overtake a waiter");
    CompletableFuture<RangeHandle<ReadWriteMode>> later = lock.acquireAsync(Range.of(8, 9), SHARED);
    assertFalse(later.isDone(), "later SHARED [8,9) must wait behind EXCLUSIVE [5,15)");
    // A shared request that overlaps only the held shared range, not the waiter, is granted.
    RangeHandle<ReadWriteMode> free = lock.tryAcquire(Range.of(0, 5), SHARED);
    assertNotNull(free);
    var snap = lock.snapshot();
    assertEquals(2, snap.held().size());
    assertEquals(2, snap.waiting().size());
    assertEquals(Range.of(5, 15), snap.waiting().get(0).range(), "waiting oldest first");
    free.close();
    s.close();
    assertTrue(x.isDone());
    assertFalse(later.isDone());
    x.get().close();
    assertTrue(later.isDone());
    later.get().close();
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void blockingAcquireWaitsAndIsWokenByRelease(String layout) throws Exception {
    RangeLock<MappingMode> lock = lock(ModeTable.mapping(), layout);
    RangeHandle<MappingMode> truncate = lock.acquire(Range.from(4), INVALIDATE);
    AtomicReference<RangeHandle<MappingMode>> got = new AtomicReference<>();
    CountDownLatch started = new CountDownLatch(1);
    Thread t =
        new Thread(
            () -> {
              started.countDown();
              got.set(lock.acquire(Range.of(8, 12), FAULT));
            });
    t.start();
    started.await();
    awaitWaiting(lock, 1);
    assertNull(got.get());
    truncate.close();
    t.join(30_000);
    assertFalse(t.isAlive());
    assertEquals(FAULT, got.get().mode());
    got.get().close(); // closed by another thread than the acquirer: allowed
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void releaseHappensBeforeConflictingAcquire(String layout) throws Exception {
    RangeLock<ReadWriteMode> lock = lock(ModeTable.readWrite(), layout);
    int[] data = new int[1];
    int rounds = 2_000;
    Runnable worker =
        () -> {
          for (int i = 0; i < rounds; i++) {
            try (var h = lock.acquire(Range.of(0, 8), EXCLUSIVE)) {
              data[0]++; // plain field: only the lock orders these
            }
          }
        };
    Thread a = new Thread(worker);
    Thread b = new Thread(worker);
    a.start();
    b.start();
    a.join();
    b.join();
    assertEquals(2 * rounds, data[0]);
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void interruptibleAcquireThrowsAndLeavesNothing(String layout) throws Exception {
    RangeLock<ReadWriteMode> lock = lock(ModeTable.readWrite(), layout);
    RangeHandle<ReadWriteMode> held = lock.acquire(Range.of(0, 100), EXCLUSIVE);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                lock.acquireInterruptibly(Range.of(50, 60), SHARED);
              } catch (Throwable e) {
                thrown.set(e);
              }
            });
    t.start();
    awaitWaiting(lock, 1);
    t.interrupt();
    t.join(30_000);
    assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
    assertEquals(0, lock.snapshot().waiting().size());
    held.close();
    // interrupted before the call: throws at once, nothing enqueued
    Thread.currentThread().interrupt();
    assertThrows(
        InterruptedException.class, () -> lock.acquireInterruptibly(Range.of(0, 1), SHARED));
    assertFalse(Thread.interrupted());
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void cancelledWaiterUnblocksWhatItAloneBlocked(String layout) throws Exception {
    RangeLock<ReadWriteMode> lock = lock(ModeTable.readWrite(), layout);
    RangeHandle<ReadWriteMode> s = lock.acquire(Range.of(0, 10), SHARED);
    var x = lock.acquireAsync(Range.of(5, 15), EXCLUSIVE); // waits for s
    var y = lock.acquireAsync(Range.of(12, 20), SHARED); // waits for x only
    assertFalse(y.isDone());
    assertTrue(x.cancel(false));
    assertTrue(y.isDone(), "cancelling x must grant y, which only x blocked");
    assertThrows(CancellationException.class, x::join);
    y.get().close();
    s.close();
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void asyncCompletedByOtherMeansWithdrawsTheRequest(String layout) throws Exception {
    RangeLock<ReadWriteMode> lock = lock(ModeTable.readWrite(), layout);
    RangeHandle<ReadWriteMode> held = lock.acquire(Range.of(0, 10), EXCLUSIVE);
    var a = lock.acquireAsync(Range.of(0, 10), SHARED);
    var b = lock.acquireAsync(Range.of(0, 10), SHARED);
    var c = lock.acquireAsync(Range.of(0, 10), SHARED).orTimeout(1, TimeUnit.MILLISECONDS);
    assertTrue(a.completeExceptionally(new RuntimeException("gave up")));
    assertTrue(b.complete(null));
    ExecutionException e = assertThrows(ExecutionException.class, c::get);
    assertTrue(e.getCause() instanceof java.util.concurrent.TimeoutException);
    awaitWaiting(lock, 0);
    assertThrows(UnsupportedOperationException.class, () -> a.obtrudeValue(null));
    held.close();
    assertTrue(lock.snapshot().isEmpty());
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void timedTryAcquire(String layout) throws Exception {
    RangeLock<ReadWriteMode> lock = lock(ModeTable.readWrite(), layout);
    RangeHandle<ReadWriteMode> held = lock.acquire(Range.of(0, 10), EXCLUSIVE);
    // a different thread, so the self-deadlock check does not apply
    var result = new AtomicReference<Object>();
    Thread t =
        new Thread(
            () -> {
              try {
                result.set(lock.tryAcquire(Range.of(5, 6), SHARED, Duration.ofMillis(20)));
              } catch (InterruptedException e) {
                result.set(e);
              }
            });
    t.start();
    t.join(30_000);
    assertNull(result.get(), "timed out: null, and nothing left waiting");
    assertEquals(0, lock.snapshot().waiting().size());
    assertNull(lock.tryAcquire(Range.of(5, 6), SHARED, Duration.ZERO));
    held.close();
    RangeHandle<ReadWriteMode> h = lock.tryAcquire(Range.of(5, 6), SHARED, Duration.ofDays(1));
    assertNotNull(h);
    h.close();
    h = lock.tryAcquire(Range.of(5, 6), SHARED, Duration.ofSeconds(Long.MAX_VALUE));
    assertNotNull(h, "a huge timeout is 'forever', not an overflow");
    h.close();
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> lock.tryAcquire(Range.of(5, 6), SHARED, Duration.ofNanos(-5)));
    assertTrue(e.getMessage().contains("PT-0.000000005S"), e.getMessage());
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void timedTryAcquireGrantedWhileWaiting(String layout) throws Exception {
    RangeLock<ReadWriteMode> lock = lock(ModeTable.readWrite(), layout);
    RangeHandle<ReadWriteMode> held = lock.acquire(Range.of(0, 10), EXCLUSIVE);
    var result = new AtomicReference<RangeHandle<ReadWriteMode>>();
    Thread t =
        new Thread(
            () -> {
              try {
                result.set(lock.tryAcquire(Range.of(5, 6), SHARED, Duration.ofMinutes(5)));
              } catch (InterruptedException e) {
                throw new AssertionError(e);
              }
            });
    t.start();
    awaitWaiting(lock, 1);
    held.close();
    t.join(30_000);
    assertNotNull(result.get());
    result.get().close();
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void selfDeadlockIsReportedNotHung(String layout) throws Exception {
    RangeLock<MappingMode> lock = lock(ModeTable.mapping(), layout);
    RangeHandle<MappingMode> mine = lock.acquire(Range.of(0, 8), WRITE);
    var e = assertThrows(IllegalStateException.class, () -> lock.acquire(Range.of(4, 6), FAULT));
    assertTrue(e.getMessage().contains("self-deadlock"), e.getMessage());
    assertTrue(e.getMessage().contains("WRITE [0, 8)"), e.getMessage());
    assertThrows(
        IllegalStateException.class, () -> lock.acquireInterruptibly(Range.of(4, 6), FAULT));
    assertThrows(
        IllegalStateException.class,
        () -> lock.tryAcquire(Range.of(4, 6), FAULT, Duration.ofSeconds(1)));
    assertNull(lock.tryAcquire(Range.of(4, 6), FAULT), "a plain try just fails");
    assertEquals(1, lock.snapshot().held().size(), "the failed calls left nothing behind");
    assertEquals(0, lock.snapshot().waiting().size());
    // compatible with its own hold: fine
    lock.acquire(Range.of(4, 6), READ).close();
    mine.close();
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void selfDeadlockCheckCanBeSwitchedOffForHandOff(String layout) throws Exception {
    RangeLock<ReadWriteMode> lock =
        RangeLock.builder(ModeTable.readWrite()).failOnSelfDeadlock(false).build();
    created.add(lock);
    RangeHandle<ReadWriteMode> mine = lock.acquire(Range.of(0, 8), EXCLUSIVE);
    Thread closer =
        new Thread(
            () -> {
              awaitWaiting(lock, 1);
              mine.close(); // the hand-off: another thread completes and releases
            });
    closer.start();
    lock.acquire(Range.of(0, 8), EXCLUSIVE).close();
    closer.join(30_000);
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void downgradeGrantsExactlyTheWaitersItNoLongerBlocks(String layout) throws Exception {
    RangeLock<MappingMode> lock = lock(ModeTable.mapping(), layout);
    RangeHandle<MappingMode> killer = lock.acquire(Range.from(0), INVALIDATE);
    var fault = lock.acquireAsync(Range.of(4, 8), FAULT);
    var wb = lock.acquireAsync(Range.of(100, 108), WRITEBACK);
    var write = lock.acquireAsync(Range.of(6, 9), WRITE);
    killer.downgrade(FAULT);
    assertEquals(FAULT, killer.mode());
    assertTrue(fault.isDone(), "FAULT is compatible with FAULT");
    assertTrue(wb.isDone(), "WRITEBACK is compatible with FAULT");
    assertFalse(write.isDone(), "WRITE conflicts with FAULT still");
    var e = assertThrows(IllegalArgumentException.class, () -> killer.downgrade(INVALIDATE));
    assertTrue(e.getMessage().contains("INVALIDATE"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> killer.downgrade(FAULT));
    assertThrows(IllegalArgumentException.class, () -> killer.downgrade(WRITE));
    assertThrows(NullPointerException.class, () -> killer.downgrade(null));
    killer.close();
    assertThrows(IllegalStateException.class, () -> killer.downgrade(READ));
    fault.get().close();
    assertTrue(write.isDone());
    write.get().close();
    wb.get().close();
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void compatibleHoldsAreConcurrent(String layout) throws Exception {
    RangeLock<MappingMode> lock = lock(ModeTable.mapping(), layout);
    CountDownLatch bothIn = new CountDownLatch(2);
    Runnable direct =
        () -> {
          try (var h = lock.acquire(Range.of(0, 64), DIRECT)) {
            bothIn.countDown();
            assertTrue(bothIn.await(30, TimeUnit.SECONDS), "the other DIRECT never came in");
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
        };
    var errors = new AtomicReference<Throwable>();
    Thread a = new Thread(direct);
    Thread b = new Thread(direct);
    a.setUncaughtExceptionHandler((th, ex) -> errors.set(ex));
    b.setUncaughtExceptionHandler((th, ex) -> errors.set(ex));
    a.start();
    b.start();
    a.join();
    b.join();
    assertNull(errors.get());
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void snapshotShowsOwnersAndOrder(String layout) {
    RangeLock<ReadWriteMode> lock = lock(ModeTable.readWrite(), layout);
    RangeHandle<ReadWriteMode> a = lock.acquire(Range.of(0, 4), SHARED);
    var w = lock.acquireAsync(Range.of(2, 6), EXCLUSIVE);
    var snap = lock.snapshot();
    assertEquals(1, snap.held().size());
    LockSnapshot.Entry<ReadWriteMode> held = snap.held().get(0);
    assertEquals(Thread.currentThread().getId(), held.ownerId());
    assertEquals(Thread.currentThread().getName(), held.ownerName());
    assertFalse(held.async());
    LockSnapshot.Entry<ReadWriteMode> waiting = snap.waiting().get(0);
    assertTrue(waiting.async());
    assertTrue(waiting.timed(), "waiters always record since when");
    assertTrue(snap.toString().contains("EXCLUSIVE [2, 6)"), snap.toString());
    a.close();
    w.join().close();
  }

  @Test
  void unboundedAndHugeRangesAcrossAllZones() {
    RangeLock<ReadWriteMode> lock = lock(ModeTable.readWrite(), "default");
    RangeHandle<ReadWriteMode> far =
        lock.acquire(Range.of(Long.MAX_VALUE - 2, Long.MAX_VALUE), SHARED);
    assertNull(lock.tryAcquire(Range.all(), EXCLUSIVE));
    RangeHandle<ReadWriteMode> low = lock.tryAcquire(Range.of(0, 1L << 40), EXCLUSIVE);
    assertNotNull(low, "disjoint from the far range");
    low.close();
    far.close();
    lock.acquire(Range.all(), EXCLUSIVE).close();
  }

  @Test
  void builderRejectsBadSettingsNamingTheValue() {
    var b = RangeLock.builder(ModeTable.readWrite());
    var e = assertThrows(IllegalArgumentException.class, () -> b.zones(3));
    assertTrue(e.getMessage().contains("3"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.zones(0));
    assertThrows(IllegalArgumentException.class, () -> b.zones(2048));
    e = assertThrows(IllegalArgumentException.class, () -> b.granule(1000));
    assertTrue(e.getMessage().contains("1000"), e.getMessage());
    assertThrows(NullPointerException.class, () -> RangeLock.create(null));
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void badArgumentsChangeNothing() {
    RangeLock<ReadWriteMode> lock = lock(ModeTable.readWrite(), "default");
    assertThrows(NullPointerException.class, () -> lock.acquire(null, SHARED));
    var npe = assertThrows(NullPointerException.class, () -> lock.acquire(Range.all(), null));
    assertTrue(npe.getMessage().contains("mode"), npe.getMessage());
    RangeLock raw = lock;
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> raw.acquire(Range.of(0, 1), MappingMode.FAULT));
    assertTrue(e.getMessage().contains("FAULT"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> raw.acquireAsync(Range.all(), DlmMode.EX));
    assertThrows(NullPointerException.class, () -> lock.tryAcquire(Range.all(), SHARED, null));
    assertTrue(lock.snapshot().isEmpty());
    lock.tryAcquire(Range.all(), EXCLUSIVE).close();
  }

  /** Waits (bounded) until the lock shows {@code n} waiting requests. */
  private static void awaitWaiting(RangeLock<?> lock, int n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (lock.snapshot().waiting().size() != n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never reached " + n + " waiting:\n" + lock.snapshot());
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}
