package org.rangelock.sim.cases;

/** Constants of directed windows. */
final class Windows {
  /**
   * How long a paused role waits for the event it was told to wait for. A strategy that excludes
   * correctly keeps the other role blocked, so the pause times out and the run goes on in the safe
   * order; the value only has to be long enough for an unblocked role to get there.
   */
  static final long WAIT = 500;

  private Windows() {}
}
