package org.rangelock.bench.reference;

import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;
import org.rangelock.ReadWriteMode;

/**
 * Ours, with the default builder settings: {@code rangelock-rw} ({@link ModeTable#readWrite()}) and
 * {@code rangelock-mapping} ({@link ModeTable#mapping()}, where shared is {@code FAULT} and
 * exclusive is {@code INVALIDATE} — the one pair of modes that behaves exactly like a reader/writer
 * lock — and workloads phrased in mapping modes use their own modes).
 */
final class OurRangeLock<M extends Enum<M>> implements RangeExclusion {
  private final String name;
  private final RangeLock<M> lock;
  private final M shared;
  private final M exclusive;
  private final boolean mappingModes;

  private OurRangeLock(String name, ModeTable<M> table, M shared, M exclusive) {
    this.name = name;
    this.lock = RangeLock.create(table);
    this.shared = shared;
    this.exclusive = exclusive;
    this.mappingModes = shared.getDeclaringClass() == MappingMode.class;
  }

  static RangeExclusion readWrite() {
    return new OurRangeLock<>(
        "rangelock-rw", ModeTable.readWrite(), ReadWriteMode.SHARED, ReadWriteMode.EXCLUSIVE);
  }

  static RangeExclusion mapping() {
    return new OurRangeLock<>(
        "rangelock-mapping", ModeTable.mapping(), MappingMode.FAULT, MappingMode.INVALIDATE);
  }

  @Override
  public Object lock(long start, long end, MappingMode mode, boolean shared) {
    return mappingModes
        ? lock.acquire(Range.of(start, end), this.shared.getDeclaringClass().cast(mode))
        : lock(start, end, shared);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Object lock(long start, long end, boolean shared) {
    return lock.acquire(Range.of(start, end), shared ? this.shared : exclusive);
  }

  @Override
  public Object tryLock(long start, long end, boolean shared) {
    return lock.tryAcquire(Range.of(start, end), shared ? this.shared : exclusive);
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
