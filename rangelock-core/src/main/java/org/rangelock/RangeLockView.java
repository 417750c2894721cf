package org.rangelock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Lock} over one fixed range and mode of a {@link RangeLock}: see {@link
 * RangeLock#asLock(Range, Enum)}. Each thread's hold is kept in a thread-local, so {@link
 * #unlock()} must be called by the thread that locked, as with {@code ReentrantLock}.
 *
 * @param <M> the mode enum
 */
final class RangeLockView<M extends Enum<M>> implements Lock {
  private final RangeLock<M> lock;
  private final Range range;
  private final M mode;
  private final ThreadLocal<@Nullable RangeHandle<M>> held = new ThreadLocal<>();

  RangeLockView(RangeLock<M> lock, Range range, M mode) {
    this.lock = lock;
    this.range = range;
    this.mode = mode;
  }

  private void checkNotHeld() {
    if (held.get() != null) {
      throw new IllegalStateException(
          "not reentrant: "
              + Thread.currentThread().getName()
              + " already holds "
              + mode
              + " "
              + range
              + " through this view");
    }
  }

  @Override
  public void lock() {
    checkNotHeld();
    held.set(lock.acquire(range, mode));
  }

  @Override
  public void lockInterruptibly() throws InterruptedException {
    checkNotHeld();
    held.set(lock.acquireInterruptibly(range, mode));
  }

  @Override
  public boolean tryLock() {
    checkNotHeld();
    RangeHandle<M> h = lock.tryAcquire(range, mode);
    if (h == null) {
      return false;
    }
    held.set(h);
    return true;
  }

  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    checkNotHeld();
    // Lock.tryLock treats a negative time as zero; so does this view.
    RangeHandle<M> h = lock.tryAcquire(range, mode, Math.max(0, time), unit);
    if (h == null) {
      return false;
    }
    held.set(h);
    return true;
  }

  /**
   * Releases the current thread's hold.
   *
   * @throws IllegalMonitorStateException if the current thread does not hold it through this view
   */
  @Override
  public void unlock() {
    RangeHandle<M> h = held.get();
    if (h == null) {
      throw new IllegalMonitorStateException(
          Thread.currentThread().getName() + " does not hold " + mode + " " + range);
    }
    held.remove();
    h.close();
  }

  /**
   * Not supported.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public Condition newCondition() {
    throw new UnsupportedOperationException(
        "a range lock view has no conditions: an await would have to release the range and"
            + " re-request it at the back of the FIFO queue, silently losing the caller's place"
            + " among conflicting requests; use a Condition of a separate lock");
  }

  @Override
  public String toString() {
    RangeHandle<M> h = held.get();
    return mode + " " + range + " of " + lock + (h != null ? " (held by current thread)" : "");
  }
}
