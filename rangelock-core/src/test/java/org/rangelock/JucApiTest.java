package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.ReadWriteMode.EXCLUSIVE;
import static org.rangelock.ReadWriteMode.SHARED;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The API for java.util.concurrent users (issue 13): each addition, exercised. */
@Timeout(60)
class JucApiTest {

  private final RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());

  // ---------------------------------------------------------------------------------------------
  // tryAcquire(range, mode, long, TimeUnit)

  @Test
  void timedTryWithTimeUnitTimesOutLeavingNothing() throws Exception {
    RangeHandle<ReadWriteMode> x = holdFrom("holder", Range.of(0, 10), EXCLUSIVE);
    long t0 = System.nanoTime();
    assertNull(lock.tryAcquire(Range.of(5, 6), SHARED, 30, TimeUnit.MILLISECONDS));
    assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(30));
    assertNull(lock.tryAcquire(Range.of(5, 6), SHARED, 0, TimeUnit.SECONDS), "zero: a try");
    assertEquals(List.of(), lock.snapshot().waiting());
    x.close();
    assertTrue(lock.snapshot().isEmpty());
  }

  @Test
  void timedTryWithTimeUnitIsGrantedWhenTheBlockerLeaves() throws Exception {
    RangeHandle<ReadWriteMode> x = holdFrom("holder", Range.of(0, 10), EXCLUSIVE);
    Thread closer =
        new Thread(
            () -> {
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
              x.close();
            });
    closer.start();
    // Long.MAX_VALUE days overflows nanoseconds: no limit
    RangeHandle<ReadWriteMode> h =
        lock.tryAcquire(Range.of(5, 6), SHARED, Long.MAX_VALUE, TimeUnit.DAYS);
    assertNotNull(h);
    h.close();
    closer.join();
  }

  @Test
  void timedTryWithTimeUnitRejectsBadInputNamingIt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> lock.tryAcquire(Range.of(0, 1), SHARED, -1, TimeUnit.SECONDS));
    assertTrue(e.getMessage().contains("-1 SECONDS"), e.getMessage());
    NullPointerException n =
        assertThrows(
            NullPointerException.class, () -> lock.tryAcquire(Range.of(0, 1), SHARED, 1, null));
    assertTrue(n.getMessage().contains("unit"));
    assertTrue(lock.snapshot().isEmpty());
  }

  // ---------------------------------------------------------------------------------------------
  // Lock and ReadWriteLock views

  @Test
  void lockViewLocksAndUnlocksTheRange() throws Exception {
    Lock l = lock.asLock(Range.of(0, 10), EXCLUSIVE);
    l.lock();
    assertEquals(1, lock.holdCount());
    assertNull(lock.tryAcquire(Range.of(5, 6), SHARED));
    // another thread's tryLock fails, its timed tryLock times out
    AtomicReference<String> other = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                other.set(l.tryLock() + " " + l.tryLock(10, TimeUnit.MILLISECONDS));
              } catch (InterruptedException e) {
                other.set("interrupted");
              }
            });
    t.start();
    t.join();
    assertEquals("false false", other.get());
    l.unlock();
    assertTrue(lock.snapshot().isEmpty());
    assertTrue(l.tryLock());
    l.unlock();
    assertTrue(l.tryLock(-5, TimeUnit.SECONDS), "a negative time counts as zero");
    l.unlock();
    l.lockInterruptibly();
    l.unlock();
    assertTrue(lock.snapshot().isEmpty());
  }

  @Test
  void lockViewIsNotReentrantAndChecksItsOwner() {
    Lock l = lock.asLock(Range.of(0, 10), SHARED);
    l.lock();
    IllegalStateException e = assertThrows(IllegalStateException.class, l::lock);
    assertTrue(e.getMessage().contains("not reentrant"), e.getMessage());
    assertThrows(IllegalStateException.class, l::tryLock);
    assertEquals(1, lock.holdCount(), "the refused re-lock left nothing");
    l.unlock();
    assertThrows(IllegalMonitorStateException.class, l::unlock);
    UnsupportedOperationException u =
        assertThrows(UnsupportedOperationException.class, l::newCondition);
    assertTrue(u.getMessage().contains("FIFO"), u.getMessage());
    assertTrue(lock.snapshot().isEmpty());
  }

  @Test
  void lockViewInterruptedWhileWaitingHoldsNothing() throws Exception {
    RangeHandle<ReadWriteMode> x = lock.acquire(Range.of(0, 10), EXCLUSIVE);
    Lock l = lock.asLock(Range.of(0, 10), SHARED);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                l.lockInterruptibly();
              } catch (Throwable e) {
                thrown.set(e);
              }
            });
    t.start();
    awaitWaiting(1);
    t.interrupt();
    t.join();
    assertInstanceOf(InterruptedException.class, thrown.get());
    x.close();
    assertTrue(lock.snapshot().isEmpty());
  }

  @Test
  void readWriteViewSharesReadsAndExcludesWrites() throws Exception {
    ReadWriteLock rw = lock.asReadWriteLock(Range.of(0, 10), SHARED, EXCLUSIVE);
    rw.readLock().lock();
    AtomicReference<String> other = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              boolean read = rw.readLock().tryLock();
              if (read) {
                rw.readLock().unlock();
              }
              other.set(read + " " + rw.writeLock().tryLock());
            });
    t.start();
    t.join();
    assertEquals("true false", other.get(), "readers share, a writer is excluded");
    // no upgrade: the thread's own read hold conflicts with its write request
    assertThrows(IllegalStateException.class, () -> rw.writeLock().lock());
    rw.readLock().unlock();
    rw.writeLock().lock();
    assertFalse(lock.asLock(Range.of(9, 20), SHARED).tryLock());
    rw.writeLock().unlock();
    assertTrue(lock.snapshot().isEmpty());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> lock.asReadWriteLock(Range.of(0, 1), EXCLUSIVE, EXCLUSIVE));
    assertTrue(e.getMessage().contains("EXCLUSIVE"), e.getMessage());
    assertThrows(NullPointerException.class, () -> lock.asLock(null, SHARED));
  }

  // ---------------------------------------------------------------------------------------------
  // Cheap state queries

  @Test
  void countsFollowHoldsAndWaiters() throws Exception {
    RangeLock<ReadWriteMode> l =
        RangeLock.builder(ModeTable.readWrite()).zones(4).granule(16).build();
    assertEquals(0, l.holdCount());
    assertEquals(0, l.waitingCount());
    RangeHandle<ReadWriteMode> fast = l.acquire(Range.of(0, 4), SHARED); // the zone's fast holder
    assertEquals(1, l.holdCount());
    RangeHandle<ReadWriteMode> tree = l.acquire(Range.of(2, 6), SHARED); // folds the first in
    RangeHandle<ReadWriteMode> multi = l.acquire(Range.of(100, 200), SHARED); // several zones
    assertEquals(3, l.holdCount());
    CompletableFuture<RangeHandle<ReadWriteMode>> waiting =
        l.acquireAsync(Range.of(0, 150), EXCLUSIVE);
    assertEquals(1, l.waitingCount());
    assertTrue(l.hasWaiters());
    String s = l.toString();
    assertTrue(s.contains("holds=3, waiting=1"), s);
    fast.close();
    tree.close();
    assertEquals(1, l.holdCount());
    assertEquals(1, l.waitingCount());
    multi.close();
    RangeHandle<ReadWriteMode> granted = waiting.get(10, TimeUnit.SECONDS);
    assertEquals(1, l.holdCount());
    assertEquals(0, l.waitingCount());
    assertFalse(l.hasWaiters());
    CompletableFuture<RangeHandle<ReadWriteMode>> cancelled =
        l.acquireAsync(Range.of(0, 1), SHARED);
    assertEquals(1, l.waitingCount());
    cancelled.cancel(false);
    assertEquals(0, l.waitingCount());
    granted.close();
    assertEquals(0, l.holdCount());
    assertTrue(l.toString().contains("holds=0, waiting=0"), l.toString());
  }

  // ---------------------------------------------------------------------------------------------
  // JFR

  @Test
  void longWaitsAreRecordedAsFlightRecorderEvents(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("waits.jfr");
    try (Recording rec = new Recording()) {
      rec.enable("org.rangelock.Wait").withThreshold(Duration.ofMillis(20));
      rec.start();
      RangeHandle<ReadWriteMode> x = holdFrom("truncator", Range.of(0, 10), EXCLUSIVE);
      Thread waiter =
          new Thread(
              () -> {
                try (RangeHandle<ReadWriteMode> h = lock.acquire(Range.of(5, 6), SHARED)) {
                  // granted after about 100 ms
                }
              },
              "faulter");
      waiter.start();
      awaitWaiting(1);
      Thread.sleep(100);
      x.close();
      waiter.join();
      // a wait far below the threshold is not recorded
      RangeHandle<ReadWriteMode> y = holdFrom("quick", Range.of(50, 60), EXCLUSIVE);
      Thread brief =
          new Thread(
              () -> {
                try (RangeHandle<ReadWriteMode> h = lock.acquire(Range.of(55, 56), SHARED)) {
                  // granted at once after the close below
                }
              });
      brief.start();
      awaitWaiting(1);
      y.close();
      brief.join();
      rec.stop();
      rec.dump(file);
    }
    List<RecordedEvent> events =
        RecordingFile.readAllEvents(file).stream()
            .filter(e -> e.getEventType().getName().equals("org.rangelock.Wait"))
            .toList();
    RecordedEvent e =
        events.stream()
            .filter(ev -> ev.getLong("rangeStart") == 5)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no wait event for [5, 6): " + events));
    assertEquals(6, e.getLong("rangeEnd"));
    assertEquals("SHARED", e.getString("mode"));
    assertEquals("granted", e.getString("outcome"));
    assertEquals("faulter", e.getThread().getJavaName());
    assertTrue(e.getDuration().toMillis() >= 90, e.getDuration().toString());
    String behind = e.getString("waitedBehind");
    assertTrue(behind.startsWith("EXCLUSIVE [0, 10) held by truncator"), behind);
    assertTrue(e.getString("lock").startsWith("RangeLock@"), e.getString("lock"));
    assertNotNull(e.getStackTrace());
    for (RecordedEvent ev : events) {
      assertTrue(ev.getDuration().toMillis() >= 20, "below the threshold but recorded: " + ev);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // acquireAsync with an Executor

  @Test
  void asyncGrantsAreDeliveredOnTheGivenExecutor() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "deliverer"));
    try {
      RangeHandle<ReadWriteMode> x = lock.acquire(Range.of(0, 10), EXCLUSIVE);
      CompletableFuture<RangeHandle<ReadWriteMode>> f =
          lock.acquireAsync(Range.of(5, 6), SHARED, pool);
      CompletableFuture<String> where = f.thenApply(h -> Thread.currentThread().getName());
      x.close(); // grants f in this thread; the delivery goes to the pool
      assertEquals("deliverer", where.get(10, TimeUnit.SECONDS));
      f.get().close();
      // granted at once: still delivered on the executor, not in the caller
      List<Runnable> queued = new java.util.ArrayList<>();
      CompletableFuture<RangeHandle<ReadWriteMode>> now =
          lock.acquireAsync(Range.of(5, 6), SHARED, queued::add);
      assertFalse(now.isDone(), "delivered in the caller's thread");
      assertEquals(1, queued.size());
      assertEquals(1, lock.holdCount(), "granted, waiting for delivery");
      queued.get(0).run();
      RangeHandle<ReadWriteMode> h = now.getNow(null);
      assertNotNull(h);
      h.close();
      assertTrue(lock.snapshot().isEmpty());
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aRejectingExecutorFailsTheFutureAndReleasesTheGrant() throws Exception {
    Executor rejecting =
        r -> {
          throw new RejectedExecutionException("full");
        };
    RangeHandle<ReadWriteMode> x = lock.acquire(Range.of(0, 10), EXCLUSIVE);
    CompletableFuture<RangeHandle<ReadWriteMode>> f =
        lock.acquireAsync(Range.of(5, 6), SHARED, rejecting);
    x.close();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
    assertInstanceOf(RejectedExecutionException.class, e.getCause());
    assertTrue(lock.snapshot().isEmpty(), lock.snapshot().toString());
    assertThrows(NullPointerException.class, () -> lock.acquireAsync(Range.of(0, 1), SHARED, null));
  }

  // ---------------------------------------------------------------------------------------------
  // Park blocker

  @Test
  void aParkedWaitersBlockerIsItsRequest() throws Exception {
    RangeHandle<ReadWriteMode> x = lock.acquire(Range.of(0, 10), EXCLUSIVE);
    Thread t =
        new Thread(
            () -> {
              try (RangeHandle<ReadWriteMode> h = lock.acquire(Range.of(5, 6), SHARED)) {
                // granted after the close below
              }
            });
    t.start();
    Object blocker = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (blocker == null && System.nanoTime() < deadline) {
      blocker = LockSupport.getBlocker(t); // set once it parks, after its spins and yields
      Thread.sleep(1);
    }
    assertInstanceOf(RangeHandle.class, blocker);
    assertEquals("SHARED [5, 6) (waiting)", blocker.toString());
    x.close();
    t.join();
  }

  // ---------------------------------------------------------------------------------------------
  // JSpecify

  @Test
  void nullnessIsDeclaredWithJSpecify() throws Exception {
    assertTrue(RangeLock.class.getPackage().isAnnotationPresent(NullMarked.class));
    for (Method m : RangeLock.class.getMethods()) {
      if (m.getName().equals("tryAcquire")) {
        assertTrue(
            m.getAnnotatedReturnType().isAnnotationPresent(Nullable.class),
            m + " may return null and must say so");
      }
      if (m.getName().startsWith("acquire")) {
        assertFalse(m.getAnnotatedReturnType().isAnnotationPresent(Nullable.class), m.toString());
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  private RangeHandle<ReadWriteMode> holdFrom(String thread, Range range, ReadWriteMode mode)
      throws InterruptedException {
    AtomicReference<RangeHandle<ReadWriteMode>> h = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    Thread t =
        new Thread(
            () -> {
              h.set(lock.acquire(range, mode));
              done.countDown();
            },
            thread);
    t.start();
    done.await();
    t.join();
    return h.get();
  }

  private void awaitWaiting(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (lock.waitingCount() < n) {
      assertTrue(System.nanoTime() < deadline, "nobody waits");
      Thread.sleep(1);
    }
  }
}
