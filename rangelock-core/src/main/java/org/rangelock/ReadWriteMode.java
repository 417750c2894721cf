package org.rangelock;

/** The classic reader/writer modes; see {@link ModeTable#readWrite()}. */
public enum ReadWriteMode {
  /** Compatible with {@code SHARED}. */
  SHARED,
  /** Compatible with nothing. */
  EXCLUSIVE
}
