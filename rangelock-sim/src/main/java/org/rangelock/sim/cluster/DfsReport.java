package org.rangelock.sim.cluster;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/**
 * The cluster matrix: rows × cluster cases, random trials per cell, printed as text after the
 * single-node matrix and written into the same JSON array, in the same schema ({@code strategy},
 * {@code case}, {@code title}, {@code trials}, {@code violations}, {@code millis}, {@code kinds},
 * {@code firstViolation}).
 */
public final class DfsReport {
  /** Trials per cell of the default run (each trial starts two kernels and talks to ZooKeeper). */
  public static final int DEFAULT_TRIALS = 20;

  /** Trials per cell of the long run. */
  public static final int FULL_TRIALS = 200;

  private DfsReport() {}

  /** One cell: as the single-node report's, for a cluster row. */
  public record Cell(
      DfsStrategy strategy,
      DfsCase scenario,
      int trials,
      int violations,
      Violation firstViolation,
      long firstViolationSeed,
      long millis,
      Map<ViolationKind, Integer> kinds) {
    public Cell {
      kinds = Collections.unmodifiableMap(new EnumMap<>(kinds));
    }

    public String text() {
      return violations
          + "/"
          + trials
          + (firstViolation == null ? "" : " " + firstViolation.kind());
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
  }

  /** Runs {@code trials} random trials per cell on {@code server}. */
  public static List<Cell> run(
      TokenServer server,
      List<DfsStrategy> strategies,
      List<DfsCase> cases,
      int trials,
      long seed,
      PrintStream progress) {
    List<Cell> cells = new ArrayList<>();
    for (DfsStrategy s : strategies) {
      if (progress != null) {
        progress.printf("%-22s", s);
      }
      for (DfsCase c : cases) {
        long t0 = System.nanoTime();
        int bad = 0;
        Violation first = null;
        long firstSeed = 0;
        Map<ViolationKind, Integer> kinds = new EnumMap<>(ViolationKind.class);
        for (int t = 0; t < trials; t++) {
          long ts = DfsRunner.trialSeed(seed, s, c, t);
          List<Violation> v = DfsRunner.randomTrial(server, s, c, ts);
          Set<ViolationKind> seen = EnumSet.noneOf(ViolationKind.class);
          for (Violation x : v) {
            seen.add(x.kind());
          }
          for (ViolationKind k : seen) {
            kinds.merge(k, 1, Integer::sum);
          }
          if (!v.isEmpty()) {
            bad++;
            if (first == null) {
              first = v.get(0);
              firstSeed = ts;
            }
          }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        cells.add(new Cell(s, c, trials, bad, first, firstSeed, ms, kinds));
        if (progress != null) {
          progress.printf(" %d:%s", c.number(), bad == 0 ? "ok" : bad + "!");
          progress.flush();
        }
      }
      if (progress != null) {
        progress.println();
      }
    }
    return cells;
  }

  /** The matrix as a text table: one row per strategy, one column per case. */
  public static String table(List<Cell> cells, List<DfsStrategy> strategies, List<DfsCase> cases) {
    StringBuilder b = new StringBuilder();
    int w = 30;
    b.append(String.format("%-22s", "cluster strategy"));
    for (DfsCase c : cases) {
      b.append(String.format(" | %-" + w + "s", c.number() + " " + c.title()));
    }
    b.append('\n').append("-".repeat(22));
    for (int i = 0; i < cases.size(); i++) {
      b.append("-+-").append("-".repeat(w));
    }
    b.append('\n');
    for (DfsStrategy s : strategies) {
      b.append(String.format("%-22s", s));
      for (DfsCase c : cases) {
        String text = "";
        for (Cell cell : cells) {
          if (cell.strategy() == s && cell.scenario() == c) {
            text = cell.text();
          }
        }
        b.append(String.format(" | %-" + w + "s", text));
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** Appends the cells to {@code root} in the single-node report's JSON schema. */
  public static void appendJson(ArrayNode root, List<Cell> cells) {
    for (Cell c : cells) {
      ObjectNode o = root.addObject();
      o.put("strategy", c.strategy().name());
      o.put("case", c.scenario().number());
      o.put("title", c.scenario().title());
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
