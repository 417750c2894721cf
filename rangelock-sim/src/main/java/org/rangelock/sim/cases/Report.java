package org.rangelock.sim.cases;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rangelock.sim.exclusion.Strategy;

/** Runs the matrix of strategies × cases and prints it, as text and as JSON. */
public final class Report {
  private Report() {}

  /**
   * Trials per cell of the default run (the {@code cases} command without options): 50, the same
   * for every cell. A trial costs 4–7 ms of wall time on a 2-core machine (its random delays are
   * parks), so 9 strategies × 20 cases × 60 trials took 42 s at load 3; it was 100 while the matrix
   * was 7 × 14, and 60 until it grew to 10 × 21 (10 × 21 × 50 = 10,500 trials, about the 10,800 of
   * 9 × 20 × 60). {@code --trials} and {@code --full} run more.
   */
  public static final int DEFAULT_TRIALS = 50;

  /** Trials per cell of the long run (for a {@code --full} option). */
  public static final int FULL_TRIALS = 1000;

  /** How a trial opens race windows. */
  public enum TrialMode {
    /** Seeded random delays at every race point ({@link CaseRunner#randomTrial}). */
    RANDOM_DELAYS,
    /**
     * Random priorities with a preemption at every race point and lock release ({@link
     * CaseRunner#preemptiveTrial}).
     */
    PREEMPTION
  }

  /** Runs {@code trials} random trials per cell, printing progress to {@code progress}. */
  public static List<Cell> run(
      List<Strategy> strategies, List<Case> cases, int trials, long seed, PrintStream progress) {
    return run(strategies, cases, trials, seed, progress, TrialMode.RANDOM_DELAYS);
  }

  /**
   * As {@link #run(List, List, int, long, PrintStream)}, opening windows the way {@code mode} does.
   */
  public static List<Cell> run(
      List<Strategy> strategies,
      List<Case> cases,
      int trials,
      long seed,
      PrintStream progress,
      TrialMode mode) {
    List<Cell> cells = new ArrayList<>();
    for (Strategy s : strategies) {
      if (progress != null) {
        progress.printf("%-16s", s);
      }
      for (Case c : cases) {
        long t0 = System.nanoTime();
        CellTally tally = new CellTally();
        for (int t = 0; t < trials; t++) {
          long ts = CaseRunner.trialSeed(seed, s, c, t);
          tally.add(
              mode == TrialMode.PREEMPTION
                  ? CaseRunner.preemptiveTrial(s, c, ts)
                  : CaseRunner.randomTrial(s, c, ts),
              ts);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        int bad = tally.violations();
        Cell cell =
            new Cell(s, c, trials, bad, tally.first(), tally.firstSeed(), ms, tally.kinds());
        cells.add(cell);
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
  public static String table(List<Cell> cells, List<Strategy> strategies, List<Case> cases) {
    StringBuilder b = new StringBuilder();
    int w = 26;
    b.append(String.format("%-16s", "strategy"));
    for (Case c : cases) {
      b.append(String.format(" | %-" + w + "s", c.number() + " " + shortTitle(c)));
    }
    b.append('\n').append("-".repeat(16));
    for (int i = 0; i < cases.size(); i++) {
      b.append("-+-").append("-".repeat(w));
    }
    b.append('\n');
    for (Strategy s : strategies) {
      b.append(String.format("%-16s", s));
      for (Case c : cases) {
        Cell cell = find(cells, s, c);
        b.append(String.format(" | %-" + w + "s", cell == null ? "" : cell.text()));
      }
      b.append('\n');
    }
    return b.toString();
  }

  static String shortTitle(Case c) {
    return c.title().replace("mmap ", "").replace(" IO", "IO").replace("hole ", "");
  }

  static Cell find(List<Cell> cells, Strategy s, Case c) {
    for (Cell cell : cells) {
      if (cell.strategy() == s && cell.scenario() == c) {
        return cell;
      }
    }
    return null;
  }

  /**
   * Writes {@code [{strategy, case, title, trials, violations, millis, firstViolation: {kind,
   * detail, trialSeed, trace}}]} with Jackson.
   */
  public static void writeJson(List<Cell> cells, Path file) throws IOException {
    writeJson(cells, file, root -> {});
  }

  /**
   * As {@link #writeJson(List, Path)}, then {@code more} appends further cells in the same schema
   * (the cluster family's) to the same array.
   */
  public static void writeJson(
      List<Cell> cells, Path file, java.util.function.Consumer<ArrayNode> more) throws IOException {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ArrayNode root = mapper.createArrayNode();
    MatrixCell.appendJson(root, cells);
    more.accept(root);
    mapper.writeValue(file.toFile(), root);
  }
}
