package org.rangelock.sim.cases;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/**
 * A cell of a matrix of rows × cases, single-node ({@link Cell}) or cluster: how many trials ran,
 * how many of them produced at least one violation, the first violation with its trial's seed, and
 * per kind how many trials showed it. Both matrices print and write their cells through this, so
 * their text and their JSON schema are the same.
 */
public interface MatrixCell {
  /** The row: a single-node strategy or a cluster row. */
  Enum<?> strategy();

  /** The case's number. */
  int caseNumber();

  /** The case's title. */
  String caseTitle();

  int trials();

  int violations();

  Violation firstViolation();

  long firstViolationSeed();

  long millis();

  Map<ViolationKind, Integer> kinds();

  /** The kinds as "KIND×trials", most frequent first. */
  default String kindsText() {
    StringBuilder b = new StringBuilder();
    kinds().entrySet().stream()
        .sorted((x, y) -> y.getValue() - x.getValue())
        .forEach(
            e ->
                b.append(b.length() == 0 ? "" : ", ")
                    .append(e.getKey())
                    .append("×")
                    .append(e.getValue()));
    return b.toString();
  }

  /** As a matrix prints it: trials with a violation / trials, and the kind of the first. */
  default String text() {
    return violations()
        + "/"
        + trials()
        + (firstViolation() == null ? "" : " " + firstViolation().kind());
  }

  /**
   * Appends {@code cells} to {@code root} as {@code {strategy, case, title, trials, violations,
   * millis, kinds, firstViolation: {kind, detail, trialSeed, trace}}}.
   */
  static void appendJson(ArrayNode root, List<? extends MatrixCell> cells) {
    for (MatrixCell c : cells) {
      ObjectNode o = root.addObject();
      o.put("strategy", c.strategy().name());
      o.put("case", c.caseNumber());
      o.put("title", c.caseTitle());
      o.put("trials", c.trials());
      o.put("violations", c.violations());
      o.put("millis", c.millis());
      ObjectNode kinds = o.putObject("kinds");
      c.kinds().forEach((kind, n) -> kinds.put(kind.name(), n));
      if (c.firstViolation() == null) {
        o.putNull("firstViolation");
      } else {
        ObjectNode v = o.putObject("firstViolation");
        v.put("kind", c.firstViolation().kind().name());
        v.put("detail", c.firstViolation().detail());
        v.put("trialSeed", Long.toHexString(c.firstViolationSeed()));
        ArrayNode trace = v.putArray("trace");
        c.firstViolation().trace().forEach(trace::add);
      }
    }
  }
}
