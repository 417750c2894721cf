package org.rangelock.bench.reference;

import org.rangelock.MappingMode;

/**
 * The one small interface that every lock in the benchmarks is driven through: a reader/writer
 * exclusion over half-open ranges {@code [start, end)} of a {@code long} space. A lock that is not
 * range-aware (one {@code ReentrantReadWriteLock} for the whole file) treats every range as the
 * whole space.
 *
 * <p>{@link #lock} returns a token that {@link #unlock} takes back; tokens are released exactly
 * once, and by the thread that took them (a {@code ReentrantReadWriteLock} requires that).
 */
public interface RangeExclusion {

  /** The registry name ({@link RangeExclusions#of}). */
  String name();

  /** Blocks until {@code [start, end)} is held, shared or exclusive; returns the token. */
  Object lock(long start, long end, boolean shared);

  /**
   * Like {@link #lock}, for workloads phrased in {@link MappingMode}s. A lock with a mode table
   * uses {@code mode}; the others use {@code shared}, which the caller chooses so that the
   * reader/writer lock excludes at least what the mapping table excludes.
   */
  default Object lock(long start, long end, MappingMode mode, boolean shared) {
    return lock(start, end, shared);
  }

  /**
   * Takes {@code [start, end)} if that needs no waiting, else returns {@code null} and leaves
   * nothing behind.
   */
  Object tryLock(long start, long end, boolean shared);

  /** Releases what {@link #lock} or {@link #tryLock} returned. */
  void unlock(Object token);

  /** False if every range is the whole space (whole-file locks). */
  default boolean rangeAware() {
    return true;
  }
}
