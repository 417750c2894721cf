package org.rangelock;

import java.util.List;

/**
 * What a {@link RangeLock} held and who waited for it at one instant: for debugging, for leak
 * checks in tests, and for a watchdog's report. Taken by {@link RangeLock#snapshot()}, consistent
 * across the whole lock (it briefly stops every acquire and release while it is taken).
 *
 * @param held granted holds, oldest first
 * @param waiting requests not yet granted, oldest first (the order in which conflicts are served)
 * @param <M> the mode enum
 */
public record LockSnapshot<M extends Enum<M>>(List<Entry<M>> held, List<Entry<M>> waiting) {

  /**
   * Copies the lists; a snapshot never changes.
   *
   * @param held granted holds, oldest first; copied
   * @param waiting requests not yet granted, oldest first; copied
   * @throws NullPointerException if a list or an element of one is null
   */
  public LockSnapshot {
    held = List.copyOf(held);
    waiting = List.copyOf(waiting);
  }

  /**
   * Whether nothing is held and nobody waits.
   *
   * @return true if both {@link #held()} and {@link #waiting()} are empty
   */
  public boolean isEmpty() {
    return held.isEmpty() && waiting.isEmpty();
  }

  /**
   * One request, as it was when the snapshot was taken.
   *
   * @param range the range requested
   * @param mode its mode at the snapshot's instant (for a hold: the current mode, after any
   *     downgrade)
   * @param ownerId {@link Thread#getId()} of the thread that made the request
   * @param ownerName that thread's name when it made the request (a later rename is not seen)
   * @param sinceNanos {@link System#nanoTime()} when the request was made; meaningful only if
   *     {@code timed}
   * @param timed whether the request's time was recorded: always for async requests and for
   *     requests that had to wait (from when they started waiting), for every request with {@link
   *     RangeLock.Builder#recordHoldTimes(boolean)}; otherwise its age is unknown (reading the
   *     clock costs about as much as an uncontended acquire, so it is not done by default)
   * @param async whether it came from {@link RangeLock#acquireAsync}
   * @param <M> the mode enum
   */
  public record Entry<M extends Enum<M>>(
      Range range,
      M mode,
      long ownerId,
      String ownerName,
      long sinceNanos,
      boolean timed,
      boolean async) {
    @Override
    public String toString() {
      return mode
          + " "
          + range
          + " by "
          + ownerName
          + " (#"
          + ownerId
          + (async ? ", async" : "")
          + ") "
          + (timed ? "for " + (System.nanoTime() - sinceNanos) / 1_000_000 + " ms" : "age unknown");
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("held ").append(held.size()).append(':');
    for (Entry<M> e : held) {
      sb.append("\n  ").append(e);
    }
    sb.append("\nwaiting ").append(waiting.size()).append(':');
    for (Entry<M> e : waiting) {
      sb.append("\n  ").append(e);
    }
    return sb.toString();
  }
}
