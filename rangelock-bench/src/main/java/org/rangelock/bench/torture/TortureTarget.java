package org.rangelock.bench.torture;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.rangelock.LockSnapshot;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;

/**
 * The entry points the torture drives, so that a test can put a deliberately broken lock under the
 * same torture and show the checker catches it.
 *
 * @param <M> the mode enum
 */
interface TortureTarget<M extends Enum<M>> {
  RangeHandle<M> acquire(Range r, M m);

  RangeHandle<M> acquireInterruptibly(Range r, M m) throws InterruptedException;

  RangeHandle<M> tryAcquire(Range r, M m);

  RangeHandle<M> tryAcquire(Range r, M m, Duration d) throws InterruptedException;

  CompletableFuture<RangeHandle<M>> acquireAsync(Range r, M m);

  LockSnapshot<M> snapshot();

  static <M extends Enum<M>> TortureTarget<M> of(RangeLock<M> lock) {
    return new TortureTarget<>() {
      @Override
      public RangeHandle<M> acquire(Range r, M m) {
        return lock.acquire(r, m);
      }

      @Override
      public RangeHandle<M> acquireInterruptibly(Range r, M m) throws InterruptedException {
        return lock.acquireInterruptibly(r, m);
      }

      @Override
      public RangeHandle<M> tryAcquire(Range r, M m) {
        return lock.tryAcquire(r, m);
      }

      @Override
      public RangeHandle<M> tryAcquire(Range r, M m, Duration d) throws InterruptedException {
        return lock.tryAcquire(r, m, d);
      }

      @Override
      public CompletableFuture<RangeHandle<M>> acquireAsync(Range r, M m) {
        return lock.acquireAsync(r, m);
      }

      @Override
      public LockSnapshot<M> snapshot() {
        return lock.snapshot();
      }

      @Override
      public String toString() {
        return lock.toString();
      }
    };
  }

  /** The table the modes come from (for the final "strongest mode" check). */
  static <M extends Enum<M>> M strongest(ModeTable<M> table) {
    M best = null;
    int bestCompat = Integer.MAX_VALUE;
    for (M m : table.modeClass().getEnumConstants()) {
      int c = 0;
      for (M o : table.modeClass().getEnumConstants()) {
        if (table.compatible(m, o)) {
          c++;
        }
      }
      if (c < bestCompat) {
        best = m;
        bestCompat = c;
      }
    }
    return best;
  }
}
