package org.rangelock.sim.race;

import java.util.List;

/**
 * One broken invariant, with the events that led to it.
 *
 * @param kind what broke
 * @param detail what was seen, with the values
 * @param trace the trial's events up to the moment it was caught, oldest first
 */
public record Violation(ViolationKind kind, String detail, List<String> trace) {
  public Violation {
    trace = List.copyOf(trace);
  }

  /** The trace as lines, for printing. */
  public String traceText() {
    return String.join("\n", trace);
  }

  @Override
  public String toString() {
    return kind + ": " + detail;
  }
}
