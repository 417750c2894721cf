package org.rangelock;

/**
 * The six lock modes of the VMS distributed lock manager (also Lustre's and OCFS2's); see {@link
 * ModeTable#dlm()} for the classic compatibility matrix.
 */
public enum DlmMode {
  /** Null: compatible with every mode. */
  NL,
  /** Concurrent read: compatible with all but {@code EX}. */
  CR,
  /** Concurrent write: compatible with {@code NL}, {@code CR}, {@code CW}. */
  CW,
  /** Protected read: compatible with {@code NL}, {@code CR}, {@code PR}. */
  PR,
  /** Protected write: compatible with {@code NL}, {@code CR}. */
  PW,
  /** Exclusive: compatible with {@code NL} only. */
  EX
}
