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
    java.util.Map<org.rangelock.sim.race.ViolationKind, Integer> kinds) {
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

  /** The kinds as "KIND×trials", most frequent first. */
  public String kindsText() {
    StringBuilder b = new StringBuilder();
    kinds.entrySet().stream()
        .sorted((x, y) -> y.getValue() - x.getValue())
        .forEach(
            e ->
                b.append(b.length() == 0 ? "" : ", ")
                    .append(e.getKey())
                    .append("×")
                    .append(e.getValue()));
    return b.toString();
  }

  public String text() {
    return violations + "/" + trials + (firstViolation == null ? "" : " " + firstViolation.kind());
  }
}
