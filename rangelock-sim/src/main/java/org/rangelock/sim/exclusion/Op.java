package org.rangelock.sim.exclusion;

/** The operations of the simulated kernel that an exclusion strategy can see. */
public enum Op {
  FAULT,
  READ,
  /**
   * {@code readahead(2)}, {@code fadvise(POSIX_FADV_WILLNEED)}, {@code madvise(MADV_WILLNEED)}:
   * reads pages into the cache with no {@code i_rwsem} and no fault.
   */
  READAHEAD,
  WRITE,
  DIRECT_READ,
  DIRECT_WRITE,
  WRITEBACK,
  FALLOCATE,
  TRUNCATE,
  PUNCH,
  ZERO_RANGE,
  COLLAPSE,
  INSERT;

  /** Truncate, punch and the other operations that remove pages and blocks. */
  public boolean isPageKiller() {
    return this == TRUNCATE
        || this == PUNCH
        || this == ZERO_RANGE
        || this == COLLAPSE
        || this == INSERT;
  }
}
