package org.rangelock.bench.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.rangelock.LockSnapshot;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;
import org.rangelock.ReadWriteMode;

/**
 * The torture passes on the real lock, and fails, with the right kind of violation, on locks broken
 * on purpose: so a PASS means something. No timing is asserted; the broken locks are broken
 * deterministically, so each is caught however slow the machine.
 */
class TortureTest {

  /** A bound generous enough that a loaded two-core machine never trips it on the real lock. */
  private static final int REAL_BOUND_SECONDS = 60;

  /** For broken locks: how long a stuck waiter or a lingering async request is given. */
  private static final int BROKEN_BOUND_SECONDS = 3;

  private static <M extends Enum<M>> RangeLock<M> realLock(ModeTable<M> table) {
    return RangeLock.builder(table).recordHoldTimes(true).build();
  }

  private static <M extends Enum<M>> TortureRun.Result torture(
      ModeTable<M> table,
      TortureTarget<M> target,
      int threads,
      boolean virtual,
      long millis,
      int boundSeconds) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    TortureRun.Result r;
    try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      r = new TortureRun<>(table, target, threads, virtual, millis, 42, boundSeconds).run(out);
    }
    String text = buf.toString(StandardCharsets.UTF_8);
    System.out.println(text.length() > 20_000 ? text.substring(0, 20_000) + "\n..." : text);
    assertTrue(text.contains(r.passed() ? "RESULT: PASS" : "RESULT: FAIL"), text);
    return r;
  }

  @Test
  void realLockPassesEveryTable() {
    for (ModeTable<?> table :
        new ModeTable<?>[] {
          ModeTable.mapping(), ModeTable.readWrite(), ModeTable.dlm(), ModeTable.twoState()
        }) {
      passes(table, false);
    }
  }

  @Test
  void realLockPassesWithVirtualThreads() {
    assumeTrue(TortureRun.virtualThreadsAvailable(), "virtual threads need JDK 21+");
    passes(ModeTable.mapping(), true);
  }

  private static <M extends Enum<M>> void passes(ModeTable<M> table, boolean virtual) {
    RangeLock<M> lock = realLock(table);
    TortureRun.Result r =
        torture(
            table,
            TortureTarget.of(lock),
            virtual ? 200 : 4,
            virtual,
            virtual ? 3000 : 1500,
            REAL_BOUND_SECONDS);
    assertTrue(r.passed(), () -> String.valueOf(r.violations()));
    assertTrue(r.acquisitions() > 0);
    assertTrue(lock.snapshot().isEmpty());
  }

  /** Grants every request in the weakest mode but reports the mode asked for. */
  @Test
  void conflictingGrantsAreCaught() {
    RangeLock<ReadWriteMode> lock = realLock(ModeTable.readWrite());
    TortureTarget<ReadWriteMode> broken =
        new Broken<>(lock) {
          @Override
          ReadWriteMode granted(ReadWriteMode asked) {
            return ReadWriteMode.SHARED;
          }
        };
    TortureRun.Result r =
        torture(ModeTable.readWrite(), broken, 4, false, 60_000, BROKEN_BOUND_SECONDS);
    assertFalse(r.passed());
    assertTrue(r.kinds().contains(TortureRun.Kind.CONFLICT), () -> r.kinds().toString());
  }

  /** The 100th close of a synchronously acquired hold forgets to release it. */
  @Test
  void neverReleasedHoldIsCaught() {
    // Without the self-deadlock check: a worker meeting its own leaked hold just waits (it would
    // otherwise die of the IllegalStateException before the leak scan comes round).
    RangeLock<MappingMode> lock =
        RangeLock.builder(ModeTable.mapping())
            .recordHoldTimes(true)
            .failOnSelfDeadlock(false)
            .build();
    AtomicInteger closes = new AtomicInteger();
    List<RangeHandle<MappingMode>> leaked = new CopyOnWriteArrayList<>();
    TortureTarget<MappingMode> broken =
        new Broken<>(lock) {
          @Override
          boolean releaseOnClose(RangeHandle<MappingMode> inner, boolean async) {
            if (!async && closes.incrementAndGet() == 100) {
              leaked.add(inner);
              return false;
            }
            return true;
          }
        };
    try {
      TortureRun.Result r =
          torture(ModeTable.mapping(), broken, 4, false, 60_000, BROKEN_BOUND_SECONDS);
      assertFalse(r.passed());
      assertEquals(
          TortureRun.Kind.LEAK, r.violations().get(0).kind(), () -> r.violations().toString());
      assertEquals(1, leaked.size());
    } finally {
      leaked.forEach(RangeHandle::close); // let the workers stuck behind it finish
    }
  }

  /**
   * Blocking acquires wait for a wake-up that close never sends (a waiter that tries, fails and
   * sleeps until "a release" notifies it; releases forget to). No hold leaks: only the waiter is
   * stuck.
   */
  @Test
  void lostWakeUpIsCaught() {
    RangeLock<MappingMode> lock = realLock(ModeTable.mapping());
    Object monitor = new Object();
    boolean[] open = {false};
    TortureTarget<MappingMode> broken =
        new Broken<>(lock) {
          @Override
          public RangeHandle<MappingMode> acquire(Range r, MappingMode m) {
            boolean interrupted = false;
            try {
              while (true) {
                RangeHandle<MappingMode> h = lock.tryAcquire(r, m);
                if (h != null) {
                  return h;
                }
                synchronized (monitor) {
                  while (!open[0]) {
                    try {
                      monitor.wait(); // nobody notifies
                    } catch (InterruptedException e) {
                      interrupted = true; // not interruptible, like RangeLock.acquire
                    }
                  }
                }
                Thread.onSpinWait();
              }
            } finally {
              if (interrupted) {
                Thread.currentThread().interrupt();
              }
            }
          }
        };
    try {
      TortureRun.Result r =
          torture(ModeTable.mapping(), broken, 4, false, 60_000, BROKEN_BOUND_SECONDS);
      assertFalse(r.passed());
      assertEquals(
          TortureRun.Kind.STUCK, r.violations().get(0).kind(), () -> r.violations().toString());
    } finally {
      synchronized (monitor) { // let the stuck workers out
        open[0] = true;
        monitor.notifyAll();
      }
    }
  }

  /** A second close is swallowed instead of throwing: a silent double unlock. */
  @Test
  void silentDoubleCloseIsCaught() {
    RangeLock<ReadWriteMode> lock = realLock(ModeTable.readWrite());
    TortureTarget<ReadWriteMode> broken =
        new Broken<>(lock) {
          @Override
          boolean silentDoubleClose() {
            return true;
          }
        };
    TortureRun.Result r =
        torture(ModeTable.readWrite(), broken, 4, false, 60_000, BROKEN_BOUND_SECONDS);
    assertFalse(r.passed());
    assertTrue(r.kinds().contains(TortureRun.Kind.DOUBLE_CLOSE), () -> r.kinds().toString());
  }

  /**
   * A wrapper around the real lock with hooks to break it: the mode actually taken, whether a close
   * really releases, whether a double close is silent. Its handles report the mode asked for.
   */
  private abstract static class Broken<M extends Enum<M>> implements TortureTarget<M> {
    final RangeLock<M> lock;

    Broken(RangeLock<M> lock) {
      this.lock = lock;
    }

    M granted(M asked) {
      return asked;
    }

    boolean releaseOnClose(RangeHandle<M> inner, boolean async) {
      return true;
    }

    boolean silentDoubleClose() {
      return false;
    }

    private RangeHandle<M> wrap(RangeHandle<M> h, M asked, boolean async) {
      return h == null ? null : new Handle(h, asked, async);
    }

    @Override
    public RangeHandle<M> acquire(Range r, M m) {
      return wrap(lock.acquire(r, granted(m)), m, false);
    }

    @Override
    public RangeHandle<M> acquireInterruptibly(Range r, M m) throws InterruptedException {
      return wrap(lock.acquireInterruptibly(r, granted(m)), m, false);
    }

    @Override
    public RangeHandle<M> tryAcquire(Range r, M m) {
      return wrap(lock.tryAcquire(r, granted(m)), m, false);
    }

    @Override
    public RangeHandle<M> tryAcquire(Range r, M m, Duration d) throws InterruptedException {
      return wrap(lock.tryAcquire(r, granted(m), d), m, false);
    }

    @Override
    public CompletableFuture<RangeHandle<M>> acquireAsync(Range r, M m) {
      CompletableFuture<RangeHandle<M>> inner = lock.acquireAsync(r, granted(m));
      CompletableFuture<RangeHandle<M>> outer =
          new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterrupt) {
              inner.cancel(mayInterrupt);
              return super.cancel(mayInterrupt);
            }

            @Override
            public boolean completeExceptionally(Throwable ex) {
              inner.completeExceptionally(ex);
              return super.completeExceptionally(ex);
            }
          };
      inner.whenComplete(
          (h, ex) -> {
            if (ex != null) {
              outer.completeExceptionally(ex);
            } else if (!outer.complete(wrap(h, m, true))) {
              h.close(); // the outer future was cancelled first
            }
          });
      return outer;
    }

    @Override
    public LockSnapshot<M> snapshot() {
      return lock.snapshot();
    }

    private final class Handle implements RangeHandle<M> {
      final RangeHandle<M> inner;
      final boolean async;
      volatile M mode;
      volatile boolean closed;

      Handle(RangeHandle<M> inner, M mode, boolean async) {
        this.inner = inner;
        this.mode = mode;
        this.async = async;
      }

      @Override
      public Range range() {
        return inner.range();
      }

      @Override
      public M mode() {
        return mode;
      }

      @Override
      public boolean isHeld() {
        return !closed;
      }

      @Override
      public void downgrade(M weaker) {
        M real = inner.mode();
        if (lock.table().isWeaker(weaker, real)) {
          inner.downgrade(weaker);
        }
        mode = weaker;
      }

      @Override
      public synchronized void close() {
        if (closed) {
          if (silentDoubleClose()) {
            return;
          }
          throw new IllegalStateException("already closed");
        }
        closed = true;
        if (releaseOnClose(inner, async)) {
          inner.close();
        }
      }

      @Override
      public String toString() {
        return mode + " " + range();
      }
    }
  }
}
