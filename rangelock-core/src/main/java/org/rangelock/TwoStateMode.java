package org.rangelock;

/**
 * bcachefs' two-state shared lock: holders of the same state share, the two states exclude each
 * other. In bcachefs, buffered IO and page faults take {@code ADD} (they add pages to the cache)
 * and direct writes and page killers take {@code BLOCK}; see {@link ModeTable#twoState()}.
 */
public enum TwoStateMode {
  /** Compatible with {@code ADD}. */
  ADD,
  /** Compatible with {@code BLOCK}. */
  BLOCK
}
