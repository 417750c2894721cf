package org.rangelock.sim.cases;

import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.race.Violation;

/**
 * One cell of the report: a strategy on a case, how many trials ran, how many of them produced at
 * least one violation, and the first violation seen with its trial's seed.
 */
public record Cell(
    Strategy strategy,
    Case scenario,
    int trials,
    int violations,
    Violation firstViolation,
    long firstViolationSeed,
    long millis) {
  public String text() {
    return violations + "/" + trials + (firstViolation == null ? "" : " " + firstViolation.kind());
  }
}
