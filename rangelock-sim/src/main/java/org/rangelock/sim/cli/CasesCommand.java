package org.rangelock.sim.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rangelock.sim.cases.Case;
import org.rangelock.sim.cases.CaseRunner;
import org.rangelock.sim.cases.Cell;
import org.rangelock.sim.cases.MatrixCell;
import org.rangelock.sim.cases.Report;
import org.rangelock.sim.cluster.DfsCase;
import org.rangelock.sim.cluster.DfsReport;
import org.rangelock.sim.cluster.DfsRunner;
import org.rangelock.sim.cluster.DfsStrategy;
import org.rangelock.sim.cluster.DfsWorld;
import org.rangelock.sim.cluster.DisjointWriteMeasurement;
import org.rangelock.sim.cluster.TokenServer;
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
    List<String> ds = new ArrayList<>();
    for (DfsStrategy s : DfsStrategy.values()) {
      ds.add(s.name());
    }
    System.setProperty("rangelock.sim.dfs", String.join(", ", ds));
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
              + " release (also for --replay), in both families. In the cluster family only the"
              + " sim's threads (roles, revocation callbacks) are ranked: ZooKeeper's threads and"
              + " Curator's event thread are not under this scheduler.")
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
              + " one --case, or for a cluster trial one --cluster-strategy and one"
              + " --cluster-case. A cluster replay re-runs the same seeded delays, not the same"
              + " interleaving (ZooKeeper and the threads are real): in one measurement 10 of 10"
              + " replays of DFS_NO_CALLBACK's case 101 violated again, 6 of 10 of"
              + " DFS_CALLBACK_UNLOCKED's case 106.")
  Long replay;

  /** Which matrices a run shows. */
  enum Family {
    all,
    local,
    cluster
  }

  @Option(
      names = "--family",
      paramLabel = "F",
      description =
          "Which matrices: all (the single-node matrix, then the cluster matrix and its"
              + " measurement), local or cluster. Default all, or local when --strategy, --case,"
              + " --replay, or --preempt without cluster options, narrows the single-node run;"
              + " cluster when only cluster options are given (with or without --preempt or"
              + " --replay).")
  Family family;

  @Option(
      names = "--cluster-strategy",
      paramLabel = "NAME",
      converter = DfsStrategyName.class,
      description =
          "A cluster row, any case, - or _ (repeatable; default all): ${rangelock.sim.dfs}.")
  List<DfsStrategy> dfsStrategies = new ArrayList<>();

  @Option(
      names = "--cluster-case",
      paramLabel = "N",
      description = "A cluster case number, 101 and up (repeatable; default all).")
  List<Integer> dfsCaseNumbers = new ArrayList<>();

  @Option(
      names = "--cluster-trials",
      paramLabel = "N",
      description =
          "Random trials per cluster cell (default "
              + DfsReport.DEFAULT_TRIALS
              + "; "
              + DfsReport.FULL_TRIALS
              + " with --full).")
  Integer dfsTrials;

  @Option(
      names = "--cluster-writes",
      paramLabel = "N",
      defaultValue = "2000",
      description =
          "Buffered writes per node in the disjoint-writers measurement (default ${DEFAULT-VALUE};"
              + " 0 skips it).")
  int dfsWrites;

  @Option(
      names = "--cluster-think",
      paramLabel = "MICROS",
      defaultValue = "50",
      description =
          "Pause of each writer between its writes in the measurement, in microseconds (default"
              + " ${DEFAULT-VALUE}; 0: back to back).")
  long dfsThink;

  @Option(
      names = "--cluster-nodes",
      paramLabel = "N",
      defaultValue = "2",
      description =
          "Nodes writing in the disjoint-writers measurement (case 102's), each its own pages of"
              + " the one file: node i the pages p with p %% N == i (default ${DEFAULT-VALUE}, at"
              + " most "
              + DfsWorld.MAX_NODES
              + "). The matrix's cases keep their own nodes.")
  int dfsNodes;

  @Option(
      names = "--glock-min-hold",
      paramLabel = "MS",
      defaultValue = "0",
      description =
          "In the measurement, DFS_FILE_GLOCK's nodes keep the file's token at least this many"
              + " milliseconds before the other node is served, as GFS2 keeps a glock for its hold"
              + " time (at least GL_GLOCK_MIN_HOLD, 10 jiffies); default ${DEFAULT-VALUE}: served"
              + " as soon as the holders drain, as in the matrix.")
  long glockMinHold;

  @Option(
      names = "--require-clean-cluster",
      paramLabel = "NAME",
      converter = DfsStrategyName.class,
      description = "Exit 1 if this cluster row had any violation (repeatable).")
  List<DfsStrategy> dfsMustBeClean = new ArrayList<>();

  /** Cluster row names in any case, with {@code -} for {@code _}. */
  static final class DfsStrategyName implements ITypeConverter<DfsStrategy> {
    @Override
    public DfsStrategy convert(String value) {
      String n = value.toUpperCase(Locale.ROOT).replace('-', '_');
      for (DfsStrategy s : DfsStrategy.values()) {
        if (s.name().equals(n)) {
          return s;
        }
      }
      throw new TypeConversionException(
          "expected one of "
              + List.of(DfsStrategy.values())
              + " (case-insensitive) but was '"
              + value
              + "'");
    }
  }

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
    Family f = family();
    List<DfsCase> dfsCases = dfsCases();
    if (replay != null && f == Family.cluster) {
      return clusterReplay(dfsStrategies.get(0), dfsCases.get(0), out);
    }
    if (replay != null) {
      return replay(strategies.get(0), cases.get(0), out);
    }
    if (f == Family.cluster) {
      out.printf("rangelock-sim: %d CPUs%n", Runtime.getRuntime().availableProcessors());
      return cluster(out, dfsCases, System.nanoTime());
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
    localCells = cells;
    out.println();
    out.print(Report.table(cells, strategies, cases));
    out.printf(
        "each cell: trials with a violation / trials, and the kind of the first; %.1f s%n",
        ms / 1000.0);
    printViolatedCells(out, cells, "--strategy %s --case %d");
    int status = 0;
    if (f == Family.all) {
      status = cluster(out, dfsCases, t0);
      // cluster() wrote the JSON with the local cells in it.
    } else if (json != null) {
      Report.writeJson(cells, json);
      out.println("wrote " + json);
    }
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

  /** The single-node cells of this run, for the JSON file the cluster family completes. */
  private List<Cell> localCells = List.of();

  /**
   * The cluster family: its matrix, the disjoint-writers measurement, the JSON file (the local
   * cells, then the cluster cells) and the exit status of its --require-clean-cluster rows.
   */
  private int cluster(PrintStream out, List<DfsCase> cases, long runStart) throws IOException {
    List<DfsStrategy> rows =
        dfsStrategies.isEmpty() ? List.of(DfsStrategy.values()) : List.copyOf(dfsStrategies);
    int n = dfsTrials != null ? dfsTrials : full ? DfsReport.FULL_TRIALS : DfsReport.DEFAULT_TRIALS;
    if (System.getProperty("zookeeper.forceSync") == null) {
      System.setProperty("zookeeper.forceSync", "no");
    }
    out.printf(
        "%nrangelock-sim cluster family: %d rows x %d cases, %d trials per cell (%s), seed %d; two"
            + " nodes on one shared disk, tokens from rangelock-cluster on one in-process"
            + " ZooKeeper server (zookeeper.forceSync=%s)%n",
        rows.size(),
        cases.size(),
        n,
        preempt ? "preemption" : "random delays",
        seed,
        System.getProperty("zookeeper.forceSync"));
    long t0 = System.nanoTime();
    List<DfsReport.Cell> cells;
    List<DisjointWriteMeasurement.Result> measured = new ArrayList<>();
    try (TokenServer server = TokenServer.start()) {
      boolean progress = !quiet && System.console() != null;
      cells =
          DfsReport.run(
              server,
              rows,
              cases,
              n,
              seed,
              progress ? out : null,
              preempt ? Report.TrialMode.PREEMPTION : Report.TrialMode.RANDOM_DELAYS);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      out.println();
      out.print(DfsReport.table(cells, rows, cases));
      out.printf(
          "each cell: trials with a violation / trials, and the kind of the first; %.1f s%n",
          ms / 1000.0);
      printViolatedCells(out, cells, "--family cluster --cluster-strategy %s --cluster-case %d");
      if (dfsWrites > 0) {
        long m0 = System.nanoTime();
        for (DfsStrategy s : List.of(DfsStrategy.DFS_FILE_GLOCK, DfsStrategy.DFS_RANGE_LOCK)) {
          Duration minHold =
              s == DfsStrategy.DFS_FILE_GLOCK ? Duration.ofMillis(glockMinHold) : Duration.ZERO;
          measured.add(
              DisjointWriteMeasurement.run(server, s, dfsNodes, dfsWrites, dfsThink, minHold));
        }
        out.printf(
            "%ndisjoint writers: %s of one %d-page file, %d buffered writes each, %d us apart,"
                + " then an fsync each (%.1f s)%n",
            dfsNodes == 2
                ? "node A writes the even pages and node B the odd pages"
                : dfsNodes
                    + " nodes, A to "
                    + DfsWorld.nodeName(dfsNodes - 1)
                    + ", node i writing the pages p with p % "
                    + dfsNodes
                    + " == i",
            DisjointWriteMeasurement.filePages(dfsNodes),
            dfsWrites,
            dfsThink,
            (System.nanoTime() - m0) / 1e9);
        out.print(DisjointWriteMeasurement.table(measured));
        DisjointWriteMeasurement.Result g = measured.get(0);
        DisjointWriteMeasurement.Result r = measured.get(1);
        out.printf(
            "DFS_RANGE_LOCK vs DFS_FILE_GLOCK: callbacks %d vs %d (%s), ZooKeeper operations"
                + " %d vs %d (%s), throughput %.1fx%n",
            r.callbacks(),
            g.callbacks(),
            fewer(g.callbacks(), r.callbacks()),
            r.zooKeeperOperations(),
            g.zooKeeperOperations(),
            fewer(g.zooKeeperOperations(), r.zooKeeperOperations()),
            r.writesPerSecond() / g.writesPerSecond());
      }
    }
    out.printf("total: %.1f s%n", (System.nanoTime() - runStart) / 1e9);
    if (json != null) {
      Report.writeJson(localCells, json, root -> DfsReport.appendJson(root, cells));
      out.println("wrote " + json);
    }
    int status = 0;
    for (DfsReport.Cell c : cells) {
      if (dfsMustBeClean.contains(c.strategy()) && c.violations() > 0) {
        out.printf(
            "FAIL: %s let cluster case %d through (%s)%n",
            c.strategy(), c.scenario().number(), c.firstViolation());
        status = 1;
      }
    }
    for (DisjointWriteMeasurement.Result m : measured) {
      if (m.wrong() != null) {
        out.printf(
            "FAIL: the disjoint-writers run under %s was wrong: %s%n", m.strategy(), m.wrong());
        status = 1;
      }
    }
    return status;
  }

  /** How many times fewer {@code fewer} is than {@code more}, in words. */
  private static String fewer(long more, long fewer) {
    if (fewer == 0) {
      return more == 0 ? "both none" : "none at all";
    }
    return String.format("%.1fx fewer", (double) more / fewer);
  }

  private Family family() {
    if (family != null) {
      return family;
    }
    boolean clusterAsked = !dfsStrategies.isEmpty() || !dfsCaseNumbers.isEmpty();
    boolean localNarrowed =
        !strategies.isEmpty()
            || !caseNumbers.isEmpty()
            || ((preempt || replay != null) && !clusterAsked);
    if (clusterAsked && !localNarrowed) {
      return Family.cluster;
    }
    return localNarrowed ? Family.local : Family.all;
  }

  private List<DfsCase> dfsCases() {
    List<DfsCase> out = new ArrayList<>();
    for (int n : dfsCaseNumbers) {
      try {
        out.add(DfsRunner.caseNumber(n));
      } catch (IllegalArgumentException e) {
        throw usage("Invalid value for option '--cluster-case': " + e.getMessage());
      }
    }
    if (dfsTrials != null && dfsTrials < 1) {
      throw usage("Invalid value for option '--cluster-trials': " + dfsTrials + " (at least 1)");
    }
    if (glockMinHold < 0) {
      throw usage("Invalid value for option '--glock-min-hold': " + glockMinHold + " (0 or more)");
    }
    if (dfsThink < 0) {
      throw usage("Invalid value for option '--cluster-think': " + dfsThink + " (0 or more)");
    }
    if (dfsNodes < DfsWorld.DEFAULT_NODES || dfsNodes > DfsWorld.MAX_NODES) {
      throw usage(
          "Invalid value for option '--cluster-nodes': "
              + dfsNodes
              + " ("
              + DfsWorld.DEFAULT_NODES
              + " to "
              + DfsWorld.MAX_NODES
              + ")");
    }
    if (dfsWrites < 0) {
      throw usage("Invalid value for option '--cluster-writes': " + dfsWrites + " (0 or more)");
    }
    if (out.isEmpty()) {
      for (DfsCase c : DfsRunner.CASES) {
        if (c.inDefaultRun()) {
          out.add(c);
        }
      }
    }
    return out;
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
    if (replay != null && family() == Family.cluster) {
      if (dfsStrategies.size() != 1 || dfsCaseNumbers.size() != 1) {
        throw usage(
            "--replay of a cluster trial needs exactly one --cluster-strategy and one"
                + " --cluster-case");
      }
    } else if (replay != null && (strategies.size() != 1 || caseNumbers.size() != 1)) {
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

  /**
   * Each violated cell's first violation, its kinds, and the command that replays it ({@code
   * select} formats the row and the case as that family's options); with --trace, its trace.
   */
  private void printViolatedCells(
      PrintStream out, List<? extends MatrixCell> cells, String select) {
    for (MatrixCell c : cells) {
      if (c.firstViolation() != null) {
        out.printf(
            "%n%s case %d: %s%n  trials per kind: %s%n  reproduce: java -jar %s cases %s%s"
                + " --replay %x%n",
            c.strategy(),
            c.caseNumber(),
            c.firstViolation(),
            c.kindsText(),
            jarPath(),
            String.format(select, c.strategy(), c.caseNumber()),
            preempt ? " --preempt" : "",
            c.firstViolationSeed());
        if (trace) {
          out.println(c.firstViolation().traceText().indent(2));
        }
      }
    }
  }

  /**
   * One cluster trial with the seeded random delays (or, with --preempt, the seeded priorities) of
   * {@code replay}, on a ZooKeeper server of its own. ZooKeeper and the threads are real, so the
   * same delays need not give the same interleaving: a seed reproduces its violation as often as
   * the race it hit is wide.
   */
  private int clusterReplay(DfsStrategy s, DfsCase c, PrintStream out) throws IOException {
    if (System.getProperty("zookeeper.forceSync") == null) {
      System.setProperty("zookeeper.forceSync", "no");
    }
    List<Violation> v;
    try (TokenServer server = TokenServer.start()) {
      v =
          preempt
              ? DfsRunner.preemptiveTrial(server, s, c, replay)
              : DfsRunner.randomTrial(server, s, c, replay);
    }
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
