package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.BadInputTest.assertUntouched;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults a caller can commit or suffer: an exception inside a held section, a handle never closed,
 * a handle closed by another thread, two closes racing, and a long run of contended, cancelled,
 * timed-out and interrupted requests. Each behaves as documented and leaves the lock usable; after
 * the long run the lock's internal structures are back to empty and it retains none of the requests
 * it served.
 */
@Timeout(120)
class FaultTest {

  private static final Range PAGE = Range.ofLength(4096, 4096);

  @Test
  void exceptionInsideHeldSectionReleases() {
    RangeLock<MappingMode> lock = RangeLock.create(ModeTable.mapping());
    List<RangeHandle<MappingMode>> seen = new ArrayList<>();
    // An unchecked exception, a checked one and an Error, on a fast-path hold, a hold sharing its
    // zone, and a hold over every zone.
    Throwable[] faults = {
      new IllegalStateException("boom"), new IOException("disk gone"), new AssertionError("bug")
    };
    Range[] ranges = {PAGE, Range.ofLength(4096 + 100, 10), Range.from(0)};
    RangeHandle<MappingMode> neighbour = null;
    for (Range range : ranges) {
      // WRITEBACK over every zone: compatible with the neighbour, so no self-deadlock.
      MappingMode mode = range.isUnbounded() ? MappingMode.WRITEBACK : MappingMode.INVALIDATE;
      for (Throwable fault : faults) {
        Throwable caught =
            assertThrows(
                fault.getClass(),
                () -> {
                  try (RangeHandle<MappingMode> h = lock.acquire(range, mode)) {
                    seen.add(h);
                    assertTrue(h.isHeld());
                    throwIt(fault);
                  }
                });
        assertSame(fault, caught);
        assertEquals(0, caught.getSuppressed().length, "close() threw during the unwinding");
        assertFalse(seen.get(seen.size() - 1).isHeld());
      }
      if (neighbour == null) {
        // From the second range on, a compatible neighbour shares the zone (tree path).
        neighbour = lock.acquire(Range.ofLength(1 << 20, 10), MappingMode.READ);
      }
    }
    neighbour.close();
    assertUntouched(lock, MappingMode.INVALIDATE);
  }

  private static void throwIt(Throwable t) throws IOException {
    if (t instanceof IOException) {
      throw (IOException) t;
    }
    if (t instanceof RuntimeException) {
      throw (RuntimeException) t;
    }
    throw (Error) t;
  }

  @Test
  void handleNeverClosedIsFoundInTheSnapshotWithItsOwner() throws Exception {
    RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    AtomicReference<RangeHandle<ReadWriteMode>> escaped = new AtomicReference<>();
    Thread careless =
        new Thread(
            () -> escaped.set(lock.acquire(Range.ofLength(0, 4096), ReadWriteMode.EXCLUSIVE)),
            "careless-writer");
    careless.start();
    careless.join(); // the thread is gone; its hold is not
    LockSnapshot<ReadWriteMode> snap = lock.snapshot();
    assertEquals(1, snap.held().size(), snap::toString);
    assertTrue(snap.waiting().isEmpty());
    LockSnapshot.Entry<ReadWriteMode> e = snap.held().get(0);
    assertEquals("careless-writer", e.ownerName());
    assertEquals(careless.getId(), e.ownerId());
    assertEquals(Range.ofLength(0, 4096), e.range());
    assertEquals(ReadWriteMode.EXCLUSIVE, e.mode());
    assertFalse(e.async());
    assertTrue(snap.toString().contains("careless-writer"), snap::toString);
    // It still excludes others, and anyone may close it.
    assertNull(lock.tryAcquire(Range.ofLength(100, 1), ReadWriteMode.SHARED));
    escaped.get().close();
    assertUntouched(lock, ReadWriteMode.EXCLUSIVE);

    // An async hold nobody closes is reported too, marked async.
    RangeHandle<ReadWriteMode> asyncHold =
        lock.acquireAsync(Range.from(1 << 30), ReadWriteMode.SHARED).get();
    LockSnapshot.Entry<ReadWriteMode> a = lock.snapshot().held().get(0);
    assertTrue(a.async());
    assertEquals(Thread.currentThread().getName(), a.ownerName());
    assertTrue(a.timed());
    asyncHold.close();
    assertUntouched(lock, ReadWriteMode.EXCLUSIVE);
  }

  @Test
  void handleClosedFromAnotherThreadReleasesAndWakesWaiters() throws Exception {
    RangeLock<MappingMode> lock = RangeLock.create(ModeTable.mapping());
    for (Range range : new Range[] {PAGE, Range.from(4096)}) {
      RangeHandle<MappingMode> h = lock.acquire(range, MappingMode.WRITE);
      CompletableFuture<RangeHandle<MappingMode>> waiter =
          lock.acquireAsync(Range.ofLength(4096, 1), MappingMode.INVALIDATE);
      assertFalse(waiter.isDone());
      Thread completion = new Thread(h::close, "io-completion");
      completion.start();
      completion.join();
      assertFalse(h.isHeld());
      RangeHandle<MappingMode> w = waiter.get(30, TimeUnit.SECONDS);
      assertTrue(w.isHeld());
      // The acquiring thread's own close is now the second one.
      IllegalStateException e = assertThrows(IllegalStateException.class, h::close);
      assertTrue(e.getMessage().contains("WRITE"), e.getMessage());
      assertTrue(w.isHeld(), "a refused double close released someone else's hold");
      w.close();
      assertUntouched(lock, MappingMode.INVALIDATE);
    }
  }

  @Test
  void closeRacingCloseExactlyOneWins() throws Exception {
    RangeLock<MappingMode> lock = RangeLock.create(ModeTable.mapping());
    int rounds = 3000;
    CyclicBarrier start = new CyclicBarrier(2);
    AtomicReference<RangeHandle<MappingMode>> current = new AtomicReference<>();
    AtomicInteger otherWon = new AtomicInteger();
    AtomicInteger otherRefused = new AtomicInteger();
    AtomicReference<Throwable> otherFailed = new AtomicReference<>();
    Thread other =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < rounds; i++) {
                  start.await();
                  try {
                    current.get().close();
                    otherWon.incrementAndGet();
                  } catch (IllegalStateException expected) {
                    otherRefused.incrementAndGet();
                  }
                  start.await();
                }
              } catch (Throwable t) {
                otherFailed.set(t);
              }
            },
            "racing-closer");
    other.start();
    int won = 0;
    int refused = 0;
    RangeHandle<MappingMode> bystander = null;
    for (int i = 0; i < rounds; i++) {
      // Vary the path: a lone fast-path hold, a hold in a tree (a bystander shares the zone), a
      // hold over every zone, and an async grant.
      int kind = i % 4;
      if (kind == 1 && bystander == null) {
        bystander = lock.acquire(Range.ofLength(40_000, 1), MappingMode.READ);
      }
      RangeHandle<MappingMode> h;
      switch (kind) {
        case 0:
        case 1:
          h = lock.acquire(PAGE, MappingMode.WRITE);
          break;
        case 2:
          h = lock.acquire(Range.from(100), MappingMode.FAULT);
          break;
        default:
          h = lock.acquireAsync(PAGE, MappingMode.DIRECT).join();
      }
      current.set(h);
      start.await();
      try {
        h.close();
        won++;
      } catch (IllegalStateException expected) {
        refused++;
      }
      start.await();
      if (bystander != null && kind == 1) {
        bystander.close();
        bystander = null;
      }
      assertFalse(h.isHeld());
      assertTrue(lock.snapshot().isEmpty(), () -> "after a racing close:\n" + lock.snapshot());
    }
    other.join();
    if (otherFailed.get() != null) {
      throw new AssertionError(otherFailed.get());
    }
    assertEquals(rounds, won + otherWon.get(), "closes that succeeded");
    assertEquals(rounds, refused + otherRefused.get(), "closes refused");
    assertUntouched(lock, MappingMode.INVALIDATE);
  }

  /**
   * A long run of acquire, contend, cancel, time out and interrupt; afterwards the lock is empty
   * down to its internal structures (no tree node, no waiting count, every fast-path word clear),
   * and the handles and futures it served are garbage: the lock retains nothing per request, so a
   * long run cannot grow its heap.
   */
  @Test
  void longAbuseLeavesNothingBehind() throws Exception {
    RangeLock<ReadWriteMode> lock =
        RangeLock.builder(ModeTable.readWrite()).failOnSelfDeadlock(false).build();
    List<WeakReference<Object>> served = new ArrayList<>();
    Thread helper = null;
    for (int i = 0; i < 20_000; i++) {
      Range r = i % 3 == 0 ? Range.from(i % 1000) : Range.ofLength((i % 64) * 4096L, 4096);
      RangeHandle<ReadWriteMode> h = lock.acquire(r, ReadWriteMode.EXCLUSIVE);
      assertNull(lock.tryAcquire(r, ReadWriteMode.SHARED)); // contend
      assertNull(
          lock.tryAcquire(r, ReadWriteMode.SHARED, Duration.ofNanos(1 + i % 1000))); // time out
      CompletableFuture<RangeHandle<ReadWriteMode>> cancelled =
          lock.acquireAsync(r, ReadWriteMode.SHARED);
      assertTrue(cancelled.cancel(false));
      CompletableFuture<RangeHandle<ReadWriteMode>> failed =
          lock.acquireAsync(r, ReadWriteMode.EXCLUSIVE);
      assertTrue(failed.completeExceptionally(new TimeoutException("gave up")));
      CompletableFuture<RangeHandle<ReadWriteMode>> granted =
          lock.acquireAsync(r, ReadWriteMode.SHARED);
      if (i % 100 == 0) {
        // A waiter in another thread, interrupted while it waits.
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        helper =
            new Thread(
                () -> {
                  try {
                    lock.acquireInterruptibly(r, ReadWriteMode.EXCLUSIVE).close();
                    outcome.complete(null);
                  } catch (Throwable t) {
                    outcome.complete(t);
                  }
                });
        helper.start();
        while (lock.snapshot().waiting().size() < 2) {
          Thread.yield();
        }
        helper.interrupt();
        assertTrue(outcome.get() instanceof InterruptedException, () -> "" + outcome.join());
        helper.join();
      }
      assertFalse(granted.isDone());
      h.close();
      RangeHandle<ReadWriteMode> g = granted.join();
      if (i % 97 == 0) {
        served.add(new WeakReference<>(h));
        served.add(new WeakReference<>(g));
        served.add(new WeakReference<>(cancelled));
        served.add(new WeakReference<>(failed));
        served.add(new WeakReference<>(granted));
      }
      g.close();
      assertThrows(ExecutionException.class, failed::get);
    }
    helper = null;
    assertTrue(lock.snapshot().isEmpty(), lock.snapshot()::toString);
    assertInternalsEmpty(lock);
    // Everything the lock served is unreachable once the caller drops it. Bounded: a few full
    // collections, no timing assertion.
    for (int attempt = 0;
        attempt < 20 && served.stream().anyMatch(w -> w.get() != null);
        attempt++) {
      System.gc();
      Thread.sleep(20);
    }
    long retained = served.stream().filter(w -> w.get() != null).count();
    assertEquals(0, retained, "handles/futures still reachable after the run");
    assertUntouched(lock, ReadWriteMode.EXCLUSIVE);
    assertInternalsEmpty(lock);
  }

  /** Every zone: no tree, no waiting count, fast-path word clear (through reflection). */
  static void assertInternalsEmpty(RangeLock<?> lock) throws Exception {
    Field zonesField = RangeLock.class.getDeclaredField("zones");
    zonesField.setAccessible(true);
    Object[] zones = (Object[]) zonesField.get(lock);
    for (Object o : zones) {
      if (o == null) {
        continue; // never used
      }
      RangeLock.Zone z = (RangeLock.Zone) o;
      assertNull(z.root, "zone " + z.index + " still has a tree");
      assertEquals(0, z.waiting, "zone " + z.index + " waiting count");
      assertNull(z.word, "zone " + z.index + " fast-path word");
      assertFalse(z.hasBlockedThreads(), "zone " + z.index + " mutex has queued threads");
    }
  }

  @Test
  void asyncGrantRacingCancelLeavesNothing() throws Exception {
    // The grant and the cancel race from two threads; whoever wins, nothing is left.
    RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    int kept = 0;
    for (int i = 0; i < 2000; i++) {
      RangeHandle<ReadWriteMode> h = lock.acquire(PAGE, ReadWriteMode.EXCLUSIVE);
      CompletableFuture<RangeHandle<ReadWriteMode>> f =
          lock.acquireAsync(PAGE, ReadWriteMode.SHARED);
      CyclicBarrier go = new CyclicBarrier(2);
      Thread releaser =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (Exception e) {
                  throw new AssertionError(e);
                }
                h.close();
              });
      releaser.start();
      go.await();
      boolean cancelled = f.cancel(false);
      releaser.join();
      if (!cancelled) {
        kept++;
        f.join().close();
      } else {
        assertThrows(CancellationException.class, f::join);
      }
      // The grant that lost to the cancel is released by the granting thread before its close
      // returns, so the lock is empty now.
      assertTrue(lock.snapshot().isEmpty(), () -> "round with cancel:\n" + lock.snapshot());
    }
    assertUntouched(lock, ReadWriteMode.EXCLUSIVE);
    assertNotNull(Integer.valueOf(kept)); // either outcome may win any round
  }
}
