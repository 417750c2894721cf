package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * Every public method fed bad input: a null, a negative, overflowing, empty or reversed range, a
 * mode of another table smuggled in through raw types, a negative or huge duration, bad builder
 * settings. Each must throw the documented exception type with a message naming the bad value, and
 * leave the lock as it was: afterwards {@code Range.all()} in the strongest mode is granted at once
 * and the snapshot is empty.
 */
@Timeout(60)
@SuppressWarnings({"unchecked", "rawtypes"})
class BadInputTest {

  private final RangeLock<MappingMode> lock = RangeLock.create(ModeTable.mapping());
  private final RangeLock raw = lock;

  @AfterEach
  void lockIsUntouched() {
    assertUntouched(lock, MappingMode.INVALIDATE);
  }

  /** The whole range in the strongest mode is granted at once, and nothing is left behind. */
  static <M extends Enum<M>> void assertUntouched(RangeLock<M> lock, M strongest) {
    assertTrue(lock.snapshot().isEmpty(), () -> "lock not empty:\n" + lock.snapshot());
    RangeHandle<M> h = lock.tryAcquire(Range.all(), strongest);
    assertNotNull(
        h, () -> "Range.all() " + strongest + " not granted at once:\n" + lock.snapshot());
    h.close();
    assertTrue(lock.snapshot().isEmpty(), () -> "lock not empty:\n" + lock.snapshot());
  }

  private static <T extends Throwable> T assertNamed(
      Class<T> type, Executable call, String... named) {
    T e = assertThrows(type, call);
    assertNotNull(e.getMessage(), () -> type.getSimpleName() + " without a message");
    for (String n : named) {
      assertTrue(
          e.getMessage().contains(n), () -> "'" + e.getMessage() + "' does not name '" + n + "'");
    }
    return e;
  }

  // ---------------------------------------------------------------------------------------------
  // Range

  @Test
  void rangeFactoriesNameTheBadValues() {
    assertNamed(IllegalArgumentException.class, () -> Range.of(-1, 10), "-1");
    assertNamed(
        IllegalArgumentException.class, () -> Range.of(Long.MIN_VALUE, 0), "" + Long.MIN_VALUE);
    assertNamed(IllegalArgumentException.class, () -> Range.of(5, 5), "5"); // empty
    assertNamed(IllegalArgumentException.class, () -> Range.of(10, 3), "10", "3"); // reversed
    assertNamed(IllegalArgumentException.class, () -> Range.of(0, -1), "-1");
    assertNamed(IllegalArgumentException.class, () -> Range.ofLength(-4096, 4096), "-4096");
    assertNamed(IllegalArgumentException.class, () -> Range.ofLength(7, 0), "0");
    assertNamed(IllegalArgumentException.class, () -> Range.ofLength(7, -3), "-3");
    assertNamed(
        IllegalArgumentException.class,
        () -> Range.ofLength(Long.MAX_VALUE - 10, 11),
        "" + (Long.MAX_VALUE - 10),
        "11");
    assertNamed(
        IllegalArgumentException.class,
        () -> Range.ofLength(1, Long.MAX_VALUE),
        "" + Long.MAX_VALUE);
    assertNamed(IllegalArgumentException.class, () -> Range.from(-1), "-1");
    assertNamed(
        IllegalArgumentException.class, () -> Range.from(Long.MAX_VALUE), "" + Long.MAX_VALUE);
    // The edges that are fine.
    assertEquals(Long.MAX_VALUE, Range.ofLength(Long.MAX_VALUE - 10, 10).end());
    assertEquals(Long.MAX_VALUE - 1, Range.from(Long.MAX_VALUE - 1).start());
    assertEquals(Range.all(), Range.of(0, Long.MAX_VALUE));
  }

  // ---------------------------------------------------------------------------------------------
  // Acquire methods: nulls and modes of another table

  @Test
  void nullRangeOrModeInEveryAcquire() throws Exception {
    Range r = Range.of(0, 10);
    MappingMode m = MappingMode.WRITE;
    Duration d = Duration.ofMillis(1);
    assertNamed(NullPointerException.class, () -> lock.acquire(null, m), "range");
    assertNamed(NullPointerException.class, () -> lock.acquire(r, null), "mode");
    assertNamed(NullPointerException.class, () -> lock.acquireInterruptibly(null, m), "range");
    assertNamed(NullPointerException.class, () -> lock.acquireInterruptibly(r, null), "mode");
    assertNamed(NullPointerException.class, () -> lock.tryAcquire(null, m), "range");
    assertNamed(NullPointerException.class, () -> lock.tryAcquire(r, null), "mode");
    assertNamed(NullPointerException.class, () -> lock.tryAcquire(null, m, d), "range");
    assertNamed(NullPointerException.class, () -> lock.tryAcquire(r, null, d), "mode");
    assertNamed(NullPointerException.class, () -> lock.tryAcquire(r, m, null), "timeout");
    assertNamed(NullPointerException.class, () -> lock.acquireAsync(null, m), "range");
    assertNamed(NullPointerException.class, () -> lock.acquireAsync(r, null), "mode");
  }

  @Test
  void nullsAreCheckedBeforeAnInterruptIsConsumed() {
    // Bad input is reported as such even with the interrupt flag set, and the flag is kept.
    Thread.currentThread().interrupt();
    try {
      assertThrows(
          NullPointerException.class, () -> lock.acquireInterruptibly(null, MappingMode.READ));
      assertThrows(
          NullPointerException.class,
          () -> lock.tryAcquire(Range.of(0, 1), null, Duration.ofSeconds(1)));
      assertTrue(Thread.currentThread().isInterrupted());
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void modeOfAnotherTableInEveryAcquire() {
    Range r = Range.of(0, 10);
    for (Enum<?> wrong : List.of(ReadWriteMode.EXCLUSIVE, DlmMode.EX, TwoStateMode.BLOCK)) {
      String name = wrong.name();
      String cls = wrong.getDeclaringClass().getName();
      assertNamed(IllegalArgumentException.class, () -> raw.acquire(r, wrong), name, cls);
      assertNamed(
          IllegalArgumentException.class, () -> raw.acquireInterruptibly(r, wrong), name, cls);
      assertNamed(IllegalArgumentException.class, () -> raw.tryAcquire(r, wrong), name, cls);
      assertNamed(
          IllegalArgumentException.class,
          () -> raw.tryAcquire(r, wrong, Duration.ofSeconds(1)),
          name,
          cls);
      assertNamed(IllegalArgumentException.class, () -> raw.acquireAsync(r, wrong), name, cls);
    }
  }

  @Test
  void badInputWhileOthersHoldAndWaitChangesNothing() throws Exception {
    // The same bad calls against a lock with a hold and a waiter: both are still there, in the
    // same state, afterwards.
    RangeHandle<MappingMode> held = lock.acquire(Range.of(0, 100), MappingMode.WRITE);
    CompletableFuture<RangeHandle<MappingMode>> waiting =
        lock.acquireAsync(Range.of(50, 150), MappingMode.INVALIDATE);
    LockSnapshot<MappingMode> before = lock.snapshot();
    assertThrows(IllegalArgumentException.class, () -> raw.tryAcquire(Range.of(0, 1), DlmMode.EX));
    assertThrows(NullPointerException.class, () -> lock.acquire(Range.of(0, 1), null));
    assertThrows(
        IllegalArgumentException.class,
        () -> lock.tryAcquire(Range.of(0, 1), MappingMode.READ, Duration.ofNanos(-1)));
    assertThrows(IllegalArgumentException.class, () -> raw.acquireAsync(Range.all(), DlmMode.EX));
    assertEquals(before, lock.snapshot());
    assertTrue(held.isHeld());
    assertTrue(!waiting.isDone());
    held.close();
    waiting.get().close();
  }

  // ---------------------------------------------------------------------------------------------
  // Durations

  @Test
  void negativeTimeoutsNameTheValue() {
    Range r = Range.of(0, 10);
    for (Duration d :
        List.of(
            Duration.ofNanos(-1),
            Duration.ofSeconds(-5),
            Duration.ofSeconds(Long.MIN_VALUE),
            Duration.ofSeconds(0, -1))) {
      assertNamed(
          IllegalArgumentException.class,
          () -> lock.tryAcquire(r, MappingMode.READ, d),
          d.toString());
    }
  }

  @Test
  void hugeTimeoutsAreUsableAndDoNotOverflow() throws Exception {
    Range r = Range.of(0, 10);
    // Free range: granted at once whatever the timeout.
    for (Duration d :
        List.of(
            Duration.ofSeconds(Long.MAX_VALUE, 999_999_999),
            Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L + 1),
            Duration.ofNanos(Long.MAX_VALUE),
            Duration.ofNanos(Long.MAX_VALUE - 1),
            Duration.ofDays(365L * 1000))) {
      RangeHandle<MappingMode> h = lock.tryAcquire(r, MappingMode.WRITE, d);
      assertNotNull(h, d::toString);
      h.close();
    }
    // Busy range: a huge timeout waits (it must not overflow into "already expired") until the
    // hold is released by another thread.
    for (Duration d :
        List.of(Duration.ofSeconds(Long.MAX_VALUE), Duration.ofNanos(Long.MAX_VALUE - 1))) {
      RangeHandle<MappingMode> h = lock.acquire(r, MappingMode.INVALIDATE);
      CompletableFuture<RangeHandle<MappingMode>> waiter = new CompletableFuture<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  waiter.complete(lock.tryAcquire(r, MappingMode.READ, d));
                } catch (Throwable e) {
                  waiter.completeExceptionally(e);
                }
              });
      t.start();
      while (lock.snapshot().waiting().isEmpty()) {
        Thread.yield();
      }
      assertTrue(!waiter.isDone(), "a huge timeout expired at once");
      h.close();
      RangeHandle<MappingMode> got = waiter.get();
      assertNotNull(got, "a huge timeout returned null: " + d);
      got.close();
      t.join();
    }
  }

  @Test
  void zeroTimeoutIsATry() throws Exception {
    Range r = Range.of(0, 10);
    RangeHandle<MappingMode> h = lock.acquire(r, MappingMode.WRITE);
    CompletableFuture<RangeHandle<MappingMode>> other =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return lock.tryAcquire(r, MappingMode.INVALIDATE, Duration.ZERO);
              } catch (InterruptedException e) {
                throw new AssertionError(e);
              }
            });
    assertNull(other.get());
    assertEquals(1, lock.snapshot().held().size());
    assertTrue(lock.snapshot().waiting().isEmpty());
    h.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Handles

  @Test
  void badDowngradeLeavesTheHoldAsItWas() {
    RangeHandle<MappingMode> h = lock.acquire(Range.of(0, 4096), MappingMode.WRITE);
    assertNamed(NullPointerException.class, () -> h.downgrade(null), "mode");
    RangeHandle rawHandle = h;
    assertNamed(
        IllegalArgumentException.class,
        () -> rawHandle.downgrade(ReadWriteMode.SHARED),
        "SHARED",
        ReadWriteMode.class.getName());
    // Not strictly weaker: the same mode, a stronger one, an unrelated one.
    assertNamed(IllegalArgumentException.class, () -> h.downgrade(MappingMode.WRITE), "WRITE");
    assertNamed(
        IllegalArgumentException.class, () -> h.downgrade(MappingMode.INVALIDATE), "INVALIDATE");
    assertNamed(IllegalArgumentException.class, () -> h.downgrade(MappingMode.DIRECT), "DIRECT");
    assertTrue(h.isHeld());
    assertSame(MappingMode.WRITE, h.mode());
    assertEquals(List.of(MappingMode.WRITE), modesHeld(lock));
    // The hold still excludes what WRITE excludes.
    assertNull(lock.tryAcquire(Range.of(0, 1), MappingMode.FAULT));
    h.close();
    // After close: downgrade is an IllegalStateException naming the hold, close too.
    assertNamed(IllegalStateException.class, () -> h.downgrade(MappingMode.READ), "WRITE");
    assertNamed(IllegalStateException.class, h::close, "WRITE", "[0, 4096)");
  }

  private static List<MappingMode> modesHeld(RangeLock<MappingMode> lock) {
    return lock.snapshot().held().stream().map(LockSnapshot.Entry::mode).toList();
  }

  @Test
  void doubleCloseOfEveryKindOfHandle() throws Exception {
    // Fast-path hold (alone in its zone), tree hold (shares the zone), all-zone hold, async hold.
    RangeHandle<MappingMode> fast = lock.acquire(Range.of(0, 10), MappingMode.READ);
    RangeHandle<MappingMode> tree = lock.acquire(Range.of(5, 20), MappingMode.READ);
    RangeHandle<MappingMode> all = lock.acquire(Range.from(1 << 20), MappingMode.READ);
    RangeHandle<MappingMode> async = lock.acquireAsync(Range.of(100, 200), MappingMode.FAULT).get();
    for (RangeHandle<MappingMode> h : List.of(fast, tree, all, async)) {
      h.close();
      assertNamed(IllegalStateException.class, h::close, h.range().toString());
      assertTrue(!h.isHeld());
    }
    RangeHandle<MappingMode> lone = lock.acquire(Range.of(0, 10), MappingMode.WRITE);
    lone.close();
    assertNamed(IllegalStateException.class, lone::close, "WRITE");
  }

  // ---------------------------------------------------------------------------------------------
  // Builders and tables

  @Test
  void lockBuilderRejectsBadSettingsNamingTheValue() {
    var b = RangeLock.builder(ModeTable.mapping());
    for (int z : new int[] {0, -1, -16, 3, 6, 1000, 2048, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
      assertNamed(IllegalArgumentException.class, () -> b.zones(z), Integer.toString(z));
    }
    for (long g :
        new long[] {0, -1, -4096, 3, 1000, 4097, 1L << 41, Long.MAX_VALUE, Long.MIN_VALUE}) {
      assertNamed(IllegalArgumentException.class, () -> b.granule(g), Long.toString(g));
    }
    // The rejected calls left the builder at its defaults: it still builds a working lock.
    RangeLock<MappingMode> built = b.build();
    assertTrue(built.toString().contains("zones=16"), built.toString());
    assertUntouched(built, MappingMode.INVALIDATE);
    assertNamed(NullPointerException.class, () -> RangeLock.create(null), "table");
    assertNamed(NullPointerException.class, () -> RangeLock.builder(null), "table");
    // The edges that are fine.
    assertUntouched(
        RangeLock.builder(ModeTable.readWrite()).zones(1).granule(1).build(),
        ReadWriteMode.EXCLUSIVE);
    assertUntouched(
        RangeLock.builder(ModeTable.readWrite()).zones(1024).granule(1L << 40).build(),
        ReadWriteMode.EXCLUSIVE);
  }

  enum NoModes {}

  enum Colour {
    RED,
    GREEN
  }

  @Test
  void tableBuilderRejectsBadInputNamingIt() {
    assertNamed(NullPointerException.class, () -> ModeTable.builder(null), "modeClass");
    Class notAnEnum = String.class;
    assertNamed(
        IllegalArgumentException.class, () -> ModeTable.builder(notAnEnum), "java.lang.String");
    assertNamed(IllegalArgumentException.class, () -> ModeTable.builder(NoModes.class), "NoModes");
    var b = ModeTable.builder(Colour.class);
    assertNamed(NullPointerException.class, () -> b.row(null), "mode");
    assertNamed(
        NullPointerException.class, () -> b.row(Colour.RED, (Colour[]) null), "compatibleWith");
    assertNamed(NullPointerException.class, () -> b.row(Colour.RED, Colour.GREEN, null), "mode");
    assertNamed(NullPointerException.class, () -> b.compatible(Colour.RED, null), "mode");
    assertNamed(NullPointerException.class, () -> b.incompatible(null, Colour.RED), "mode");
    ModeTable.Builder rawBuilder = b;
    assertNamed(
        IllegalArgumentException.class,
        () -> rawBuilder.row(ReadWriteMode.SHARED),
        "SHARED",
        Colour.class.getName());
    assertNamed(
        IllegalArgumentException.class,
        () -> rawBuilder.compatible(Colour.RED, DlmMode.NL),
        "NL",
        Colour.class.getName());
    assertNamed(IllegalArgumentException.class, b::build, "RED"); // incomplete: names a pair
    // Still usable after all that.
    ModeTable<Colour> t = b.row(Colour.RED, Colour.RED).row(Colour.GREEN).build();
    assertTrue(t.compatible(Colour.RED, Colour.RED));
    assertUntouched(RangeLock.create(t), Colour.GREEN);
  }

  @Test
  void tableQueriesRejectNullsAndForeignModes() {
    ModeTable<MappingMode> t = ModeTable.mapping();
    ModeTable rawTable = t;
    assertNamed(NullPointerException.class, () -> t.compatible(null, MappingMode.READ), "mode");
    assertNamed(NullPointerException.class, () -> t.isWeaker(MappingMode.READ, null), "mode");
    assertNamed(
        IllegalArgumentException.class,
        () -> rawTable.compatible(MappingMode.READ, ReadWriteMode.SHARED),
        "SHARED");
    assertNamed(
        IllegalArgumentException.class,
        () -> rawTable.isWeaker(DlmMode.NL, MappingMode.READ),
        "NL");
  }

  @Test
  void snapshotRecordsRejectNulls() {
    assertThrows(NullPointerException.class, () -> new LockSnapshot<MappingMode>(null, List.of()));
    assertThrows(NullPointerException.class, () -> new LockSnapshot<MappingMode>(List.of(), null));
  }
}
