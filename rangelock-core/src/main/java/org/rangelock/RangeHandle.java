package org.rangelock;

/**
 * A granted hold of a {@link Range} in a mode, returned by every acquire method of {@link
 * RangeLock}. Closing it releases the hold.
 *
 * <p>A handle may be closed by any thread, not only the one that acquired it (an IO completion may
 * release what a submitter took). It must be closed exactly once: a second {@link #close()} throws
 * {@link IllegalStateException} and changes nothing, so a double unlock is never silent.
 *
 * <p>Memory consistency effects: actions in a thread before it closes a handle <i>happen-before</i>
 * actions following the grant of any later conflicting hold on an overlapping range, in whatever
 * thread that hold is granted.
 *
 * @param <M> the mode enum of the lock
 */
public interface RangeHandle<M extends Enum<M>> extends AutoCloseable {

  /**
   * The range held.
   *
   * @return the range this hold was granted on; it never changes
   */
  Range range();

  /**
   * The mode currently held (changes after a {@link #downgrade}).
   *
   * @return the mode granted, or the weaker mode of the latest downgrade
   */
  M mode();

  /**
   * Whether the hold is still in place (not yet closed).
   *
   * @return true until {@link #close()} has been called
   */
  boolean isHeld();

  /**
   * Changes the mode of this hold to a strictly {@linkplain ModeTable#isWeaker weaker} one without
   * releasing the range at any moment, and grants whatever waiting requests the weaker mode no
   * longer blocks (for example {@code INVALIDATE} to {@code FAULT}, or {@code EXCLUSIVE} to {@code
   * SHARED}).
   *
   * @param weaker the mode to hold from now on, strictly weaker than {@link #mode()}
   * @throws NullPointerException if {@code weaker} is null
   * @throws IllegalArgumentException if {@code weaker} is not strictly weaker than the current
   *     mode, or not of this lock's table; the hold is unchanged
   * @throws IllegalStateException if the handle was already closed
   */
  void downgrade(M weaker);

  /**
   * Releases the hold and grants whatever waiting requests it was the last to block.
   *
   * @throws IllegalStateException if the handle was already closed; nothing is released twice
   */
  @Override
  void close();
}
