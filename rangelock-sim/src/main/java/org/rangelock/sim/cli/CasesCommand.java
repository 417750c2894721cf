package org.rangelock.sim.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rangelock.sim.cases.Case;
import org.rangelock.sim.cases.CaseRunner;
import org.rangelock.sim.cases.Cell;
import org.rangelock.sim.cases.Report;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.race.Violation;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code cases}: the matrix, every strategy against every case, {@code --trials} random trials per
 * cell. Exit status 0, or 1 when a {@code --require-clean} strategy had a violation or a {@code
 * --replay} reproduced one, 2 on a usage error. Strategies and cases are listed from {@link
 * Strategy} and {@link CaseRunner#CASES}, so new ones appear here by themselves.
 */
@Command(
    name = "cases",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    sortOptions = false,
    description = {
      "Run every strategy against every case and print the matrix: each cell is trials with a"
          + " violation / trials, and the kind of the first violation.",
      "Strategies: ${rangelock.sim.strategies}.",
      "Cases: ${rangelock.sim.cases}."
    })
final class CasesCommand implements Callable<Integer> {
  static {
    // Listed in --help from the registries themselves.
    List<String> cs = new ArrayList<>();
    for (Case c : CaseRunner.CASES) {
      cs.add(c.number() + " " + c.title());
    }
    System.setProperty("rangelock.sim.cases", String.join(", ", cs));
    List<String> ss = new ArrayList<>();
    for (Strategy s : Strategy.values()) {
      ss.add(s.name());
    }
    System.setProperty("rangelock.sim.strategies", String.join(", ", ss));
  }

  @Spec CommandSpec spec;

  @Option(
      names = "--trials",
      paramLabel = "N",
      description =
          "Random trials per cell (default "
              + Report.DEFAULT_TRIALS
              + "; "
              + Report.FULL_TRIALS
              + " with --full).")
  Integer trials;

  @Option(
      names = "--full",
      description =
          "The long run: "
              + Report.FULL_TRIALS
              + " trials per cell unless --trials says otherwise.")
  boolean full;

  @Option(
      names = "--preempt",
      description =
          "Open windows by preemption instead of random delays: PCT-style random thread"
              + " priorities, a preemption point at every race point and after every lock"
              + " release (also for --replay).")
  boolean preempt;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "2012",
      description = "The run's seed (default ${DEFAULT-VALUE}); each trial's seed derives from it.")
  long seed;

  @Option(
      names = "--strategy",
      paramLabel = "NAME",
      converter = StrategyName.class,
      description = "A strategy, any case, - or _ (repeatable; default all).")
  List<Strategy> strategies = new ArrayList<>();

  @Option(
      names = "--case",
      paramLabel = "N",
      description = "A case number (repeatable; default all).")
  List<Integer> caseNumbers = new ArrayList<>();

  @Option(names = "--trace", description = "Print each cell's first violation with its trace.")
  boolean trace;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description = "Also write the cells as JSON to FILE (checked before any trial runs).")
  Path json;

  @Option(
      names = "--require-clean",
      paramLabel = "NAME",
      converter = StrategyName.class,
      description = "Exit 1 if this strategy had any violation (repeatable).")
  List<Strategy> mustBeClean = new ArrayList<>();

  @Option(
      names = "--replay",
      paramLabel = "TRIAL_SEED",
      converter = HexSeed.class,
      description =
          "Run one trial with this trial seed (hex, as printed after 'reproduce:'), print its"
              + " violations and trace; exit 1 if it reproduces one. Needs one --strategy and"
              + " one --case.")
  Long replay;

  @Option(
      names = {"-q", "--quiet"},
      description = "No per-cell progress (it is off anyway when output is not a terminal).")
  boolean quiet;

  /** Strategy names in any case, with {@code -} for {@code _}; an error lists the choices. */
  static final class StrategyName implements ITypeConverter<Strategy> {
    @Override
    public Strategy convert(String value) {
      String n = value.toUpperCase(Locale.ROOT).replace('-', '_');
      for (Strategy s : Strategy.values()) {
        if (s.name().equals(n)) {
          return s;
        }
      }
      throw new TypeConversionException(
          "expected one of "
              + List.of(Strategy.values())
              + " (case-insensitive) but was '"
              + value
              + "'");
    }
  }

  /** A trial seed as printed by a report: hexadecimal, with or without {@code 0x}. */
  static final class HexSeed implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return Long.parseUnsignedLong(value.replaceFirst("^0[xX]", ""), 16);
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + value + "' is not a hexadecimal trial seed");
      }
    }
  }

  @Override
  public Integer call() throws IOException {
    List<Case> cases = validate();
    List<Strategy> strategies =
        this.strategies.isEmpty() ? List.of(Strategy.values()) : List.copyOf(this.strategies);
    PrintStream out = System.out;
    if (replay != null) {
      return replay(strategies.get(0), cases.get(0), out);
    }
    int n = trials();
    Report.TrialMode mode = preempt ? Report.TrialMode.PREEMPTION : Report.TrialMode.RANDOM_DELAYS;
    out.printf(
        "rangelock-sim: %d strategies x %d cases, %d trials per cell (%s), seed %d, %d CPUs%n",
        strategies.size(),
        cases.size(),
        n,
        preempt ? "preemption" : "random delays",
        seed,
        Runtime.getRuntime().availableProcessors());
    boolean progress = !quiet && System.console() != null;
    long t0 = System.nanoTime();
    List<Cell> cells = Report.run(strategies, cases, n, seed, progress ? out : null, mode);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    out.println();
    out.print(Report.table(cells, strategies, cases));
    out.printf(
        "each cell: trials with a violation / trials, and the kind of the first; %.1f s%n",
        ms / 1000.0);
    for (Cell c : cells) {
      if (c.firstViolation() != null) {
        out.printf(
            "%n%s case %d: %s%n  trials per kind: %s%n"
                + "  reproduce: java -jar %s cases --strategy %s --case %d%s --replay %x%n",
            c.strategy(),
            c.scenario().number(),
            c.firstViolation(),
            c.kindsText(),
            jarPath(),
            c.strategy(),
            c.scenario().number(),
            preempt ? " --preempt" : "",
            c.firstViolationSeed());
        if (trace) {
          out.println(c.firstViolation().traceText().indent(2));
        }
      }
    }
    if (json != null) {
      Report.writeJson(cells, json);
      out.println("wrote " + json);
    }
    int status = 0;
    for (Cell c : cells) {
      if (mustBeClean.contains(c.strategy()) && c.violations() > 0) {
        out.printf(
            "FAIL: %s let case %d through (%s)%n",
            c.strategy(), c.scenario().number(), c.firstViolation());
        status = 1;
      }
    }
    return status;
  }

  /** Every option checked before the first trial; errors name the option and the value. */
  private List<Case> validate() {
    if (trials != null && trials < 1) {
      throw usage("Invalid value for option '--trials': " + trials + " (at least 1)");
    }
    List<Case> cases = new ArrayList<>();
    for (int n : caseNumbers) {
      try {
        cases.add(CaseRunner.caseNumber(n));
      } catch (IllegalArgumentException e) {
        throw usage("Invalid value for option '--case': " + e.getMessage());
      }
    }
    if (cases.isEmpty()) {
      cases.addAll(CaseRunner.CASES);
    }
    if (replay != null && (strategies.size() != 1 || caseNumbers.size() != 1)) {
      throw usage("--replay needs exactly one --strategy and one --case");
    }
    if (json != null) {
      Path abs = json.toAbsolutePath();
      Path parent = abs.getParent();
      if (Files.isDirectory(abs)) {
        throw usage("Invalid value for option '--json': " + json + " is a directory");
      }
      if (parent == null || !Files.isDirectory(parent)) {
        throw usage("Invalid value for option '--json': directory " + parent + " does not exist");
      }
      if (!Files.isWritable(parent) || (Files.exists(abs) && !Files.isWritable(abs))) {
        throw usage("Invalid value for option '--json': " + json + " is not writable");
      }
    }
    return cases;
  }

  /** Trials per cell: {@code --trials}, else the full or the default count. */
  private int trials() {
    return trials != null ? trials : full ? Report.FULL_TRIALS : Report.DEFAULT_TRIALS;
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private int replay(Strategy s, Case c, PrintStream out) {
    List<Violation> v =
        preempt ? CaseRunner.preemptiveTrial(s, c, replay) : CaseRunner.randomTrial(s, c, replay);
    out.println(v.isEmpty() ? "no violation this time" : v.size() + " violation(s) reproduced");
    for (Violation x : v) {
      out.println(x);
    }
    if (!v.isEmpty()) {
      out.println(v.get(0).traceText());
    }
    return v.isEmpty() ? 0 : 1;
  }

  /** The path of the running jar, relative to the working directory when it is below it. */
  static String jarPath() {
    try {
      Path p =
          Path.of(CasesCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!p.toString().endsWith(".jar")) {
        return "rangelock-sim/target/rangelock-sim.jar";
      }
      Path cwd = Path.of("").toAbsolutePath();
      return p.startsWith(cwd) ? cwd.relativize(p).toString() : p.toString();
    } catch (java.net.URISyntaxException | RuntimeException e) {
      return "rangelock-sim/target/rangelock-sim.jar";
    }
  }
}
