package org.rangelock.sim.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rangelock.sim.cases.Case;
import org.rangelock.sim.cases.CaseRunner;
import org.rangelock.sim.cases.Cell;
import org.rangelock.sim.cases.Report;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.race.Violation;

/**
 * {@code cases}: the seven-case report. Options: {@code --trials N} (per cell, default {@value
 * #DEFAULT_TRIALS}), {@code --seed S}, {@code --strategy NAME} (repeatable), {@code --case N}
 * (repeatable), {@code --trace} (print each cell's first violation with its trace), {@code --json
 * FILE}, {@code --require-clean NAME} (exit 1 if that strategy had any violation), {@code --replay
 * SEED} (run one trial with that trial seed, print its violations and trace; needs one strategy and
 * one case).
 */
final class CasesCommand {
  static final int DEFAULT_TRIALS = 100;

  private CasesCommand() {}

  static int run(String[] args) throws Exception {
    int trials = DEFAULT_TRIALS;
    long seed = 2012;
    boolean trace = false;
    Path json = null;
    Long replay = null;
    List<Strategy> strategies = new ArrayList<>();
    List<Case> cases = new ArrayList<>();
    List<Strategy> mustBeClean = new ArrayList<>();
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--trials":
            trials = Integer.parseInt(value(args, ++i, a));
            if (trials < 1) {
              throw new IllegalArgumentException("--trials must be at least 1, got " + trials);
            }
            break;
          case "--seed":
            seed = Long.decode(value(args, ++i, a));
            break;
          case "--strategy":
            strategies.add(strategy(value(args, ++i, a)));
            break;
          case "--case":
            cases.add(CaseRunner.caseNumber(Integer.parseInt(value(args, ++i, a))));
            break;
          case "--require-clean":
            mustBeClean.add(strategy(value(args, ++i, a)));
            break;
          case "--trace":
            trace = true;
            break;
          case "--json":
            json = Path.of(value(args, ++i, a));
            break;
          case "--replay":
            replay = Long.parseUnsignedLong(value(args, ++i, a).replaceFirst("^0x", ""), 16);
            break;
          case "-h":
          case "--help":
            System.out.println(
                "usage: cases [--trials N] [--seed S] [--strategy NAME]... [--case N]... [--trace]"
                    + " [--json FILE] [--replay TRIAL_SEED] [--require-clean NAME]...\n"
                    + "strategies: NONE LEGACY INVALIDATE_LOCK TWO_STATE RANGE_LOCK; cases 1-7\n"
                    + "each cell: trials with a violation / trials, and the kind of the first one\n"
                    + "--require-clean NAME: exit 1 if that strategy had any violation");
            return 0;
          default:
            throw new IllegalArgumentException("unknown option '" + a + "'");
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("cases: " + e.getMessage());
      return 2;
    }
    if (strategies.isEmpty()) {
      strategies.addAll(List.of(Strategy.values()));
    }
    if (cases.isEmpty()) {
      cases.addAll(CaseRunner.CASES);
    }
    if (replay != null) {
      if (strategies.size() != 1 || cases.size() != 1) {
        System.err.println("cases: --replay needs exactly one --strategy and one --case");
        return 2;
      }
      List<Violation> v = CaseRunner.randomTrial(strategies.get(0), cases.get(0), replay);
      System.out.println(v.isEmpty() ? "no violation this time" : v.size() + " violation(s)");
      for (Violation x : v) {
        System.out.println(x);
      }
      if (!v.isEmpty()) {
        System.out.println(v.get(0).traceText());
      }
      return 0;
    }
    System.out.printf(
        "rangelock-sim: %d strategies x %d cases, %d trials per cell, seed %d, %d CPUs%n",
        strategies.size(), cases.size(), trials, seed, Runtime.getRuntime().availableProcessors());
    long t0 = System.nanoTime();
    List<Cell> cells = Report.run(strategies, cases, trials, seed, System.out);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println();
    System.out.print(Report.table(cells, strategies, cases));
    System.out.printf(
        "each cell: trials with a violation / trials, and the kind of the first;" + " %.1f s%n",
        ms / 1000.0);
    for (Cell c : cells) {
      if (c.firstViolation() != null) {
        System.out.printf(
            "%n%s case %d: %s%n  reproduce: java -jar rangelock-sim.jar cases --strategy %s --case %d --replay %x%n",
            c.strategy(),
            c.scenario().number(),
            c.firstViolation(),
            c.strategy(),
            c.scenario().number(),
            c.firstViolationSeed());
        if (trace) {
          System.out.println(c.firstViolation().traceText().indent(2));
        }
      }
    }
    if (json != null) {
      Report.writeJson(cells, json);
      System.out.println("wrote " + json);
    }
    int status = 0;
    for (Cell c : cells) {
      if (mustBeClean.contains(c.strategy()) && c.violations() > 0) {
        System.out.printf(
            "FAIL: %s let case %d through (%s)%n",
            c.strategy(), c.scenario().number(), c.firstViolation());
        status = 1;
      }
    }
    return status;
  }

  /** A strategy by name, case and dashes forgiven ({@code range-lock} is {@code RANGE_LOCK}). */
  private static Strategy strategy(String name) {
    return Strategy.valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }
}
