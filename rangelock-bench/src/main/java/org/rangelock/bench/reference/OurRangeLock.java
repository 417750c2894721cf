package org.rangelock.bench.reference;

import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;
import org.rangelock.ReadWriteMode;

/** Ours, {@code rangelock-rw} and {@code rangelock-mapping}, with the default builder settings. */
final class OurRangeLock {
  private OurRangeLock() {}

  /** {@code rangelock-rw}: {@link ModeTable#readWrite()}. */
  static final class Rw implements RangeExclusion {
    private final RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());

    @Override
    public String name() {
      return "rangelock-rw";
    }

    @Override
    public Object lock(long start, long end, boolean shared) {
      return lock.acquire(
          Range.of(start, end), shared ? ReadWriteMode.SHARED : ReadWriteMode.EXCLUSIVE);
    }

    @Override
    public Object tryLock(long start, long end, boolean shared) {
      return lock.tryAcquire(
          Range.of(start, end), shared ? ReadWriteMode.SHARED : ReadWriteMode.EXCLUSIVE);
    }

    @Override
    public void unlock(Object token) {
      ((RangeHandle<?>) token).close();
    }

    @Override
    public String toString() {
      return lock.toString();
    }
  }

  /**
   * {@code rangelock-mapping}: {@link ModeTable#mapping()}; shared is {@code FAULT} and exclusive
   * is {@code INVALIDATE} (the one pair of modes that behaves exactly like a reader/writer lock),
   * and workloads in mapping modes use their modes.
   */
  static final class Mapping implements RangeExclusion {
    private final RangeLock<MappingMode> lock = RangeLock.create(ModeTable.mapping());

    @Override
    public String name() {
      return "rangelock-mapping";
    }

    @Override
    public Object lock(long start, long end, boolean shared) {
      return lock.acquire(
          Range.of(start, end), shared ? MappingMode.FAULT : MappingMode.INVALIDATE);
    }

    @Override
    public Object lock(long start, long end, MappingMode mode, boolean shared) {
      return lock.acquire(Range.of(start, end), mode);
    }

    @Override
    public Object tryLock(long start, long end, boolean shared) {
      return lock.tryAcquire(
          Range.of(start, end), shared ? MappingMode.FAULT : MappingMode.INVALIDATE);
    }

    @Override
    public void unlock(Object token) {
      ((RangeHandle<?>) token).close();
    }

    @Override
    public String toString() {
      return lock.toString();
    }
  }
}
