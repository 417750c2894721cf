package org.rangelock.sim.cases;

import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.Races;

/** Constants and shared pause orders of directed windows. */
final class Windows {
  /**
   * How long a paused role waits for the event it was told to wait for. A strategy that excludes
   * correctly keeps the other role blocked, so the pause times out and the run goes on in the safe
   * order; the value only has to be long enough for an unblocked role to get there.
   */
  static final long WAIT = 500;

  /**
   * The pauses that put a fault between a page killer's cache truncation and its block free: the
   * killer (role {@code killer}) starts only once the fault is under way, past any sample a
   * design's fault takes before {@code FAULT_START}, so the window does not depend on who starts
   * first; the fault then waits until the killer is about to free the blocks, and the killer frees
   * them only once the fault is done. Several cases race a fault against a different killer in
   * exactly this order.
   */
  static Races faultBetweenCacheTruncationAndBlockFree(Races r, String killer) {
    return r.pauseAt(killer, RacePoint.ROLE_START, 1, "fault:" + RacePoint.FAULT_START, WAIT)
        .pauseAt("fault", RacePoint.FAULT_START, 1, killer + ":" + RacePoint.KILL_BEFORE_FREE, WAIT)
        .pauseAt(killer, RacePoint.KILL_BEFORE_FREE, 1, "fault:done", WAIT);
  }

  private Windows() {}
}
