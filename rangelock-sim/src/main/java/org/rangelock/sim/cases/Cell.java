package org.rangelock.sim.cases;

import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.race.Violation;

/**
 * One cell of the report: a strategy on a case, how many trials ran, how many of them produced at
 * least one violation, the first violation seen with its trial's seed, and over all trials how many
 * showed each kind of violation (a trial counts once per kind it showed).
 */
public record Cell(
    Strategy strategy,
    Case scenario,
    int trials,
    int violations,
    Violation firstViolation,
    long firstViolationSeed,
    long millis,
    java.util.Map<org.rangelock.sim.race.ViolationKind, Integer> kinds)
    implements MatrixCell {
  public Cell {
    kinds = java.util.Collections.unmodifiableMap(new java.util.EnumMap<>(kinds));
  }

  /** As the report printed it before kinds were counted. */
  public Cell(
      Strategy strategy,
      Case scenario,
      int trials,
      int violations,
      Violation firstViolation,
      long firstViolationSeed,
      long millis) {
    this(
        strategy,
        scenario,
        trials,
        violations,
        firstViolation,
        firstViolationSeed,
        millis,
        new java.util.EnumMap<>(org.rangelock.sim.race.ViolationKind.class));
  }

  @Override
  public int caseNumber() {
    return scenario.number();
  }

  @Override
  public String caseTitle() {
    return scenario.title();
  }
}
