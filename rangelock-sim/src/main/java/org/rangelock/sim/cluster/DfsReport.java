package org.rangelock.sim.cluster;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.rangelock.sim.cases.CellTally;
import org.rangelock.sim.cases.MatrixCell;
import org.rangelock.sim.cases.Report;
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
      Map<ViolationKind, Integer> kinds)
      implements MatrixCell {
    public Cell {
      kinds = Collections.unmodifiableMap(new EnumMap<>(kinds));
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

  /** Runs {@code trials} random trials per cell on {@code server}. */
  public static List<Cell> run(
      TokenServer server,
      List<DfsStrategy> strategies,
      List<DfsCase> cases,
      int trials,
      long seed,
      PrintStream progress) {
    return run(server, strategies, cases, trials, seed, progress, Report.TrialMode.RANDOM_DELAYS);
  }

  /**
   * Runs {@code trials} trials per cell on {@code server}, in {@code mode} (random delays, or the
   * preemption mode of {@link DfsRunner#preemptiveTrial}).
   */
  public static List<Cell> run(
      TokenServer server,
      List<DfsStrategy> strategies,
      List<DfsCase> cases,
      int trials,
      long seed,
      PrintStream progress,
      Report.TrialMode mode) {
    List<Cell> cells = new ArrayList<>();
    for (DfsStrategy s : strategies) {
      if (progress != null) {
        progress.printf("%-22s", s);
      }
      for (DfsCase c : cases) {
        long t0 = System.nanoTime();
        CellTally tally = new CellTally();
        for (int t = 0; t < trials; t++) {
          long ts = DfsRunner.trialSeed(seed, s, c, t);
          tally.add(
              mode == Report.TrialMode.PREEMPTION
                  ? DfsRunner.preemptiveTrial(server, s, c, ts)
                  : DfsRunner.randomTrial(server, s, c, ts),
              ts);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        int bad = tally.violations();
        cells.add(new Cell(s, c, trials, bad, tally.first(), tally.firstSeed(), ms, tally.kinds()));
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
    MatrixCell.appendJson(root, cells);
  }
}
