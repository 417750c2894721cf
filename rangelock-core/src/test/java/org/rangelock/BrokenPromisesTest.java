package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.rangelock.ReadWriteMode.EXCLUSIVE;
import static org.rangelock.ReadWriteMode.SHARED;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The five promises of issue 10, each with the test that the code before the fix failed: a
 * consistent snapshot, every completion path of an async request's future withdrawing the request
 * before any dependent stage runs, a zone tree whose depth no caller can drive, and snapshot
 * metadata as documented.
 */
@Timeout(120)
class BrokenPromisesTest {

  // ---------------------------------------------------------------------------------------------
  // 1. snapshot() is consistent

  /**
   * One thread takes and closes SHARED holds (nothing can ever wait) while another takes snapshots:
   * no snapshot may list anything as waiting. Before the fix, state was read after the zone locks
   * were dropped, so a hold closed in between was listed as waiting.
   */
  @Test
  void aSnapshotTakenWhileHoldsChurnNeverListsAHoldAsWaiting() throws Exception {
    RangeLock<ReadWriteMode> lock = RangeLock.builder(ModeTable.readWrite()).zones(4).build();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread churn =
        new Thread(
            () -> {
              List<RangeHandle<ReadWriteMode>> held = new ArrayList<>();
              try {
                while (!stop.get()) {
                  for (int i = 0; i < 500; i++) {
                    held.add(lock.acquire(Range.ofLength(i * 7L, 3), SHARED));
                  }
                  for (RangeHandle<ReadWriteMode> h : held) {
                    h.close();
                  }
                  held.clear();
                }
              } catch (Throwable t) {
                failure.set(t);
              }
            },
            "churn");
    churn.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      int snapshots = 0;
      int nonEmpty = 0;
      while (System.nanoTime() < deadline || nonEmpty < 20) {
        LockSnapshot<ReadWriteMode> s = lock.snapshot();
        snapshots++;
        if (!s.held().isEmpty()) {
          nonEmpty++;
        }
        int n = snapshots;
        assertTrue(
            s.waiting().isEmpty(),
            () -> "snapshot #" + n + " lists " + s.waiting().size() + " holds as waiting");
        assertTrue(s.held().size() <= 500, () -> "more holds than exist: " + s.held().size());
        for (LockSnapshot.Entry<ReadWriteMode> e : s.held()) {
          assertEquals(SHARED, e.mode());
        }
      }
    } finally {
      stop.set(true);
      churn.join();
    }
    if (failure.get() != null) {
      throw new AssertionError("churn thread failed", failure.get());
    }
  }

  /** Mode is captured with the state: a downgrade racing a snapshot shows one or the other. */
  @Test
  void aSnapshotShowsTheModeOfTheSameInstantAsTheState() throws Exception {
    RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    AtomicBoolean stop = new AtomicBoolean();
    Thread churn =
        new Thread(
            () -> {
              while (!stop.get()) {
                try (RangeHandle<ReadWriteMode> h = lock.acquire(Range.of(0, 10), EXCLUSIVE)) {
                  h.downgrade(SHARED);
                }
              }
            });
    churn.start();
    try {
      for (int i = 0; i < 5_000; i++) {
        LockSnapshot<ReadWriteMode> s = lock.snapshot();
        assertEquals(List.of(), s.waiting());
        assertTrue(s.held().size() <= 1);
      }
    } finally {
      stop.set(true);
      churn.join();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 2 and 3. Every completion path of the async future withdraws the request, before dependents

  /**
   * Each public method of {@link CompletableFuture} (JDK 17 and 25) that can complete a future,
   * applied to a waiting async request. {@code obtrude*} are refused (see below).
   */
  static Stream<String> completionPaths() {
    return Stream.of(
        "complete",
        "completeExceptionally",
        "cancel(true)",
        "cancel(false)",
        "completeAsync(supplier)",
        "completeAsync(supplier, executor)",
        "completeAsync(throwing supplier, executor)",
        "orTimeout",
        "completeOnTimeout");
  }

  private static final ExecutorService EXECUTOR = Executors.newCachedThreadPool();

  private static void completeBy(
      String path, CompletableFuture<RangeHandle<ReadWriteMode>> f, RangeHandle<ReadWriteMode> v) {
    completeBy(path, f, v, true);
  }

  /** Completes f by path; with strict, asserts that a synchronous completion took effect. */
  private static void completeBy(
      String path,
      CompletableFuture<RangeHandle<ReadWriteMode>> f,
      RangeHandle<ReadWriteMode> v,
      boolean strict) {
    boolean done;
    switch (path) {
      case "complete":
        done = f.complete(v);
        break;
      case "completeExceptionally":
        done = f.completeExceptionally(new IllegalStateException("gave up"));
        break;
      case "cancel(true)":
        done = f.cancel(true);
        break;
      case "cancel(false)":
        done = f.cancel(false);
        break;
      case "completeAsync(supplier)":
        f.completeAsync(() -> v);
        done = true;
        break;
      case "completeAsync(supplier, executor)":
        f.completeAsync(() -> v, EXECUTOR);
        done = true;
        break;
      case "completeAsync(throwing supplier, executor)":
        f.completeAsync(
            () -> {
              throw new IllegalStateException("supplier failed");
            },
            EXECUTOR);
        done = true;
        break;
      case "orTimeout":
        f.orTimeout(1, TimeUnit.MILLISECONDS);
        done = true;
        break;
      case "completeOnTimeout":
        f.completeOnTimeout(v, 1, TimeUnit.MILLISECONDS);
        done = true;
        break;
      default:
        throw new AssertionError(path);
    }
    if (strict) {
      assertTrue(done, path + " did not complete the future");
    }
  }

  /**
   * SHARED [0,10) is held; EXCLUSIVE [0,10) waits (async). A later SHARED [0,10) conflicts only
   * with the waiting request (FIFO): once the future is completed by any path, that try must
   * succeed and the snapshot must show nobody waiting.
   */
  @ParameterizedTest
  @MethodSource("completionPaths")
  void everyCompletionPathWithdrawsTheRequest(String path) throws Exception {
    RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    RangeHandle<ReadWriteMode> blocker = lock.acquire(Range.of(0, 10), SHARED);
    CompletableFuture<RangeHandle<ReadWriteMode>> f = lock.acquireAsync(Range.of(0, 10), EXCLUSIVE);
    assertFalse(f.isDone());
    assertNull(lock.tryAcquire(Range.of(0, 10), SHARED), "FIFO: the waiting exclusive is first");
    completeBy(path, f, blocker);
    awaitDone(f);
    assertEquals(List.of(), lock.snapshot().waiting(), path + " left the request waiting");
    RangeHandle<ReadWriteMode> later = lock.tryAcquire(Range.of(0, 10), SHARED);
    assertNotNull(later, path + " left the request queued: a later try still waits behind it");
    later.close();
    blocker.close();
    assertTrue(lock.snapshot().isEmpty(), () -> path + ": " + lock.snapshot());
    // The withdrawn request never turns into a hold: an exclusive try succeeds and stays alone.
    RangeHandle<ReadWriteMode> x = lock.tryAcquire(Range.of(0, 10), EXCLUSIVE);
    assertNotNull(x);
    x.close();
  }

  /**
   * The same, with a dependent stage registered before the completion that retries the range the
   * withdrawn request alone blocked: the withdrawal must be done before the stage runs, so its try
   * succeeds (and a blocking acquire there would not deadlock).
   */
  @ParameterizedTest
  @MethodSource("completionPaths")
  void dependentStagesRunAfterTheWithdrawal(String path) throws Exception {
    RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    RangeHandle<ReadWriteMode> blocker = lock.acquire(Range.of(0, 10), SHARED);
    CompletableFuture<RangeHandle<ReadWriteMode>> f = lock.acquireAsync(Range.of(0, 10), EXCLUSIVE);
    List<String> seen = new ArrayList<>();
    Consumer<String> record =
        s -> {
          synchronized (seen) {
            seen.add(s);
          }
        };
    CompletableFuture<Void> fallbacks =
        CompletableFuture.allOf(
            f.whenComplete(
                (h, ex) -> {
                  RangeHandle<ReadWriteMode> retry = lock.tryAcquire(Range.of(0, 10), SHARED);
                  record.accept("whenComplete:" + (retry != null));
                  if (retry != null) {
                    retry.close();
                  }
                  record.accept("waiting:" + lock.snapshot().waiting().size());
                }),
            f.handle(
                (h, ex) -> {
                  RangeHandle<ReadWriteMode> retry = lock.tryAcquire(Range.of(0, 10), SHARED);
                  record.accept("handle:" + (retry != null));
                  if (retry != null) {
                    retry.close();
                  }
                  return null;
                }));
    completeBy(path, f, blocker);
    try {
      fallbacks.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException expected) {
      // whenComplete propagates f's exception; the records are what matter
    }
    synchronized (seen) {
      seen.sort(null);
      assertEquals(List.of("handle:true", "waiting:0", "whenComplete:true"), seen, path);
    }
    blocker.close();
    assertTrue(lock.snapshot().isEmpty(), () -> path + ": " + lock.snapshot());
  }

  /** A blocking acquire in a fallback must not deadlock with the cancelling thread's hold. */
  @Test
  void aBlockingRetryInAFallbackDoesNotDeadlock() throws Exception {
    RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    RangeHandle<ReadWriteMode> blocker = lock.acquire(Range.of(0, 10), SHARED);
    CompletableFuture<RangeHandle<ReadWriteMode>> f = lock.acquireAsync(Range.of(0, 10), EXCLUSIVE);
    AtomicReference<String> result = new AtomicReference<>();
    f.exceptionally(
        ex -> {
          // runs in the cancelling thread, which still holds the SHARED blocker: a SHARED
          // acquire is compatible with it and conflicts only with the withdrawn request
          try (RangeHandle<ReadWriteMode> h = lock.tryAcquire(Range.of(0, 10), SHARED)) {
            result.set(h == null ? "would wait" : "granted");
          }
          return null;
        });
    long t0 = System.nanoTime();
    assertTrue(f.cancel(false));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals("granted", result.get());
    assertTrue(ms < 20_000, "cancel took " + ms + " ms");
    blocker.close();
    assertTrue(lock.snapshot().isEmpty());
  }

  /** obtrude* would replace a granted hold (leaking it): refused, and the request stays intact. */
  @Test
  void obtrudeIsRefusedAndChangesNothing() throws Exception {
    RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    RangeHandle<ReadWriteMode> blocker = lock.acquire(Range.of(0, 10), SHARED);
    CompletableFuture<RangeHandle<ReadWriteMode>> f = lock.acquireAsync(Range.of(0, 10), EXCLUSIVE);
    assertThrows(UnsupportedOperationException.class, () -> f.obtrudeValue(blocker));
    assertThrows(
        UnsupportedOperationException.class, () -> f.obtrudeException(new RuntimeException()));
    assertFalse(f.isDone());
    assertEquals(1, lock.snapshot().waiting().size());
    blocker.close();
    RangeHandle<ReadWriteMode> h = f.get(30, TimeUnit.SECONDS);
    assertEquals(EXCLUSIVE, h.mode());
    assertThrows(UnsupportedOperationException.class, () -> f.obtrudeValue(null));
    h.close();
    assertTrue(lock.snapshot().isEmpty());
  }

  /**
   * Every public instance method of {@link CompletableFuture} of the running JDK is classified here
   * as completing (covered above) or not. A JDK that adds a completion path fails this test until
   * the path is covered.
   */
  @Test
  void everyPublicMethodOfCompletableFutureIsClassified() {
    List<String> completing =
        List.of(
            "complete",
            "completeExceptionally",
            "cancel",
            "completeAsync",
            "orTimeout",
            "completeOnTimeout",
            "obtrudeValue",
            "obtrudeException");
    List<String> notCompleting =
        List.of(
            // reading
            "isDone",
            "get",
            "join",
            "getNow",
            "resultNow",
            "exceptionNow",
            "isCancelled",
            "isCompletedExceptionally",
            "state",
            "getNumberOfDependents",
            "toString",
            "defaultExecutor",
            // new futures (dependents complete themselves, never this one)
            "newIncompleteFuture",
            "copy",
            "minimalCompletionStage",
            "toCompletableFuture",
            "thenApply",
            "thenApplyAsync",
            "thenAccept",
            "thenAcceptAsync",
            "thenRun",
            "thenRunAsync",
            "thenCombine",
            "thenCombineAsync",
            "thenAcceptBoth",
            "thenAcceptBothAsync",
            "runAfterBoth",
            "runAfterBothAsync",
            "applyToEither",
            "applyToEitherAsync",
            "acceptEither",
            "acceptEitherAsync",
            "runAfterEither",
            "runAfterEitherAsync",
            "thenCompose",
            "thenComposeAsync",
            "whenComplete",
            "whenCompleteAsync",
            "handle",
            "handleAsync",
            "exceptionally",
            "exceptionallyAsync",
            "exceptionallyCompose",
            "exceptionallyComposeAsync",
            // Object
            "equals",
            "hashCode",
            "getClass",
            "notify",
            "notifyAll",
            "wait");
    List<String> unknown = new ArrayList<>();
    for (var m : CompletableFuture.class.getMethods()) {
      if (java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
        continue; // factories: they create other futures
      }
      if (!completing.contains(m.getName()) && !notCompleting.contains(m.getName())) {
        unknown.add(m.getName());
      }
    }
    assertEquals(List.of(), unknown, "unclassified CompletableFuture methods on this JDK");
  }

  /** The grant racing every completion path: never a leaked hold, never a lost request. */
  @ParameterizedTest
  @MethodSource("completionPaths")
  void aCompletionRacingTheGrantLeavesNothingBehind(String path) throws Exception {
    RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    for (int i = 0; i < 300; i++) {
      RangeHandle<ReadWriteMode> blocker = lock.acquire(Range.of(0, 10), EXCLUSIVE);
      CompletableFuture<RangeHandle<ReadWriteMode>> f = lock.acquireAsync(Range.of(5, 15), SHARED);
      Thread closer = new Thread(blocker::close);
      closer.start();
      completeBy(path, f, null, false);
      closer.join();
      awaitDone(f);
      RangeHandle<ReadWriteMode> got = null;
      try {
        got = f.getNow(null);
      } catch (CancellationException | CompletionException failed) {
        // withdrawn
      }
      if (got != null && got.isHeld()) {
        got.close(); // the grant won: the caller owns it
      }
      awaitEmpty(lock, path + " round " + i);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 4. A zone's tree cannot be driven deep by chosen ranges

  /** The priority function of the treap before the fix: a fixed hash of the insertion number. */
  private static int oldPriority(long seq) {
    long h = seq * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 29));
  }

  /**
   * 20,000 one-byte SHARED holds in one zone whose starts follow the old priority order (the n-th
   * request's start is the rank of the n-th priority), so the old treap became a 20,000-deep left
   * path. Then, on a thread with a small stack, an ordinary two-zone acquire whose range sorts
   * before all of them. Before the fix it threw StackOverflowError; it must be granted, the tree
   * must stay shallow, and the lock must be left exactly as expected.
   */
  @Test
  void craftedRangesCannotWreckAZoneTree() throws Exception {
    int n = 20_000;
    RangeLock<ReadWriteMode> lock = RangeLock.builder(ModeTable.readWrite()).zones(2).build();
    long granule = 1 << 16; // granule 1 is zone 1; the holds all sit in it
    Integer[] bySeq = new Integer[n];
    for (int i = 0; i < n; i++) {
      bySeq[i] = i;
    }
    Arrays.sort(bySeq, Comparator.comparingInt(i -> oldPriority(i + 1L)));
    long[] start = new long[n];
    for (int rank = 0; rank < n; rank++) {
      start[bySeq[rank]] = granule + 10 + rank; // higher priority, larger start: a left path
    }
    List<RangeHandle<ReadWriteMode>> holds = new ArrayList<>(n);
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      holds.add(lock.acquire(Range.ofLength(start[i], 1), SHARED));
    }
    long buildMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<RangeHandle<ReadWriteMode>> got = new AtomicReference<>();
    Thread small =
        new Thread(
            null,
            () -> {
              try {
                got.set(lock.acquire(Range.of(granule - 5, granule + 5), SHARED));
              } catch (Throwable t) {
                thrown.set(t);
              }
            },
            "small-stack",
            256 * 1024);
    small.start();
    small.join();
    if (thrown.get() != null) {
      throw new AssertionError(
          "a two-zone acquire failed (tree built in " + buildMs + " ms)", thrown.get());
    }
    assertNotNull(got.get());
    assertEquals(n + 1, lock.snapshot().held().size());
    got.get().close();
    // An exclusive over the two-zone range must now be free: nothing was left linked.
    RangeHandle<ReadWriteMode> x = lock.tryAcquire(Range.of(granule - 5, granule + 5), EXCLUSIVE);
    assertNotNull(x, "the two-zone range is still locked");
    x.close();
    int height = lock.treeHeight();
    assertTrue(height < 100, "tree height " + height + " for " + n + " entries");
    for (RangeHandle<ReadWriteMode> h : holds) {
      h.close();
    }
    assertTrue(lock.snapshot().isEmpty());
  }

  // ---------------------------------------------------------------------------------------------
  // 5. Snapshot metadata

  @Test
  void ownerNameIsTheNameAtRequestTime() throws Exception {
    RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    AtomicReference<RangeHandle<ReadWriteMode>> h = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              h.set(lock.acquire(Range.of(0, 10), SHARED));
              Thread.currentThread().setName("renamed-later");
            },
            "requester");
    t.start();
    t.join();
    LockSnapshot.Entry<ReadWriteMode> e = lock.snapshot().held().get(0);
    assertEquals("requester", e.ownerName());
    h.get().close();
  }

  @Test
  void anUntimedHoldPrintsNoMadeUpAge() {
    RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite()); // hold times off
    try (RangeHandle<ReadWriteMode> h = lock.acquire(Range.of(0, 10), SHARED)) {
      String s = lock.snapshot().held().get(0).toString();
      assertTrue(s.contains("age unknown"), s);
      assertFalse(s.matches(".*for \\d+ ms.*"), s);
      assertFalse(lock.snapshot().held().get(0).timed());
    }
    RangeLock<ReadWriteMode> timed =
        RangeLock.builder(ModeTable.readWrite()).recordHoldTimes(true).build();
    try (RangeHandle<ReadWriteMode> h = timed.acquire(Range.of(0, 10), SHARED)) {
      LockSnapshot.Entry<ReadWriteMode> e = timed.snapshot().held().get(0);
      assertTrue(e.timed());
      assertTrue(e.toString().matches(".*for \\d+ ms"), e.toString());
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static void awaitDone(CompletableFuture<?> f) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!f.isDone()) {
      if (System.nanoTime() > deadline) {
        fail("future not completed");
      }
      Thread.sleep(1);
    }
    try {
      f.get();
    } catch (ExecutionException | CancellationException expected) {
      // any outcome; only completion matters here
    }
  }

  private static void awaitEmpty(RangeLock<?> lock, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!lock.snapshot().isEmpty()) {
      if (System.nanoTime() > deadline) {
        fail(what + ": left behind " + lock.snapshot());
      }
      Thread.sleep(1);
    }
  }
}
