package org.rangelock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** STUB: the API is fixed, the implementation lands next. */
public final class RangeLock<M extends Enum<M>> {
  private final ModeTable<M> table;

  private RangeLock(ModeTable<M> table) {
    this.table = table;
  }

  public static <M extends Enum<M>> RangeLock<M> create(ModeTable<M> table) {
    return new RangeLock<>(table);
  }

  public ModeTable<M> table() {
    return table;
  }

  public RangeHandle<M> acquire(Range range, M mode) {
    throw new UnsupportedOperationException("not yet");
  }

  public RangeHandle<M> acquireInterruptibly(Range range, M mode) throws InterruptedException {
    throw new UnsupportedOperationException("not yet");
  }

  public RangeHandle<M> tryAcquire(Range range, M mode) {
    throw new UnsupportedOperationException("not yet");
  }

  public RangeHandle<M> tryAcquire(Range range, M mode, Duration timeout)
      throws InterruptedException {
    throw new UnsupportedOperationException("not yet");
  }

  public CompletableFuture<RangeHandle<M>> acquireAsync(Range range, M mode) {
    throw new UnsupportedOperationException("not yet");
  }

  public LockSnapshot<M> snapshot() {
    throw new UnsupportedOperationException("not yet");
  }
}
