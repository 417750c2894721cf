package org.rangelock.bench.report;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.rangelock.bench.reference.RangeExclusions;

/**
 * The suite behind {@code report} (see {@link ReportCommand}): runs JMH programmatically, every
 * lock side by side, and writes into a new directory {@code results.json} (JMH's JSON of every run,
 * one array, written by JMH's result formatter), {@code jmh.log} (JMH's own output), {@code
 * results.md} (a table per workload: each lock's score and its ratio to rangelock), {@code
 * killer-waits.csv} and PNG charts stamped with the run, JDK and JVM flags.
 */
public final class Report {
  private Report() {}

  private static final String PKG = "org.rangelock.bench.jmh.";
  private static final List<String> ALL = RangeExclusions.NAMES;
  private static final List<String> NO_SPIN = ALL.subList(0, ALL.size() - 1);

  /** One JMH run: a benchmark method, its params, a thread count and the locks. */
  record Run(
      String group,
      String method,
      Map<String, String> params,
      int threads,
      List<String> impls,
      boolean gc) {}

  /** One measured cell. */
  record Cell(
      String group,
      String workload,
      String unit,
      boolean higherBetter,
      String impl,
      double score,
      double mean,
      double error,
      double bytesPerOp,
      int threads) {}

  /** The run's settings, checked by {@link ReportCommand} before anything starts. */
  record Settings(String profile, Path dir, boolean progress) {}

  /** Runs the suite into {@code s.dir()} (which exists and is empty); 0 when written. */
  static int run(Settings s, PrintStream console) throws Exception {
    boolean full = s.profile.equals("full");
    boolean smoke = s.profile.equals("smoke");
    Path out = s.dir;
    System.setProperty("java.awt.headless", "true");
    // Side files of the forks live in a scratch directory that is removed however the run ends.
    Path tmp = Files.createTempDirectory("rangelock-report");
    try {
      return run(s, console, full, smoke, out, tmp);
    } finally {
      deleteTree(tmp);
    }
  }

  private static int run(
      Settings s, PrintStream console, boolean full, boolean smoke, Path out, Path tmp)
      throws Exception {
    Path waitlog = tmp.resolve("waits.csv");
    Path jmhLog = out.resolve("jmh.log");
    List<Run> runs = plan(full);
    Instant began = Instant.now();
    String loadBefore = loadAverage();
    List<Cell> cells = new ArrayList<>();
    List<RunResult> all = new ArrayList<>();
    double planned = 0;
    for (Run r : runs) {
      planned += estimateSeconds(r, full, smoke);
    }
    console.printf(
        Locale.ROOT,
        "report (%s): %d JMH runs, about %s by the plan; JMH's own output goes to %s%n",
        s.profile,
        runs.size(),
        human(planned),
        jmhLog);
    double done = 0;
    int n = 0;
    try (PrintStream log = new PrintStream(Files.newOutputStream(jmhLog), true, UTF_8)) {
      OutputFormat format = OutputFormatFactory.createFormatInstance(log, VerboseMode.NORMAL);
      for (Run r : runs) {
        n++;
        log.printf(
            Locale.ROOT,
            "%n==== report %d/%d: %s %s threads=%d%n",
            n,
            runs.size(),
            r.method,
            r.params,
            r.threads);
        ChainedOptionsBuilder ob =
            new OptionsBuilder()
                .include("^" + java.util.regex.Pattern.quote(PKG + r.method) + "$")
                .forks(full ? 2 : 1)
                .threads(r.threads)
                .warmupIterations(warmups(full, smoke))
                .warmupTime(warmupTime(full, smoke))
                .measurementIterations(measurements(full, smoke))
                .measurementTime(measurementTime(full, smoke))
                // Prepend, not append: JMH lets an option replace the annotation's list of the
                // same kind, and every benchmark's @Fork(jvmArgsAppend) holds its fixed,
                // pre-touched heap (and the ParallelGC rows' collector).
                .jvmArgsPrepend("-Drangelock.bench.waitlog=" + waitlog.toAbsolutePath())
                .shouldFailOnError(true);
        if (r.impls != null) {
          ob = ob.param("impl", r.impls.toArray(new String[0]));
        }
        for (Map.Entry<String, String> p : r.params.entrySet()) {
          ob = ob.param(p.getKey(), p.getValue());
        }
        if (r.gc) {
          ob = ob.addProfiler(GCProfiler.class);
        }
        Collection<RunResult> results = new Runner(ob.build(), format).run();
        for (RunResult rr : results) {
          cells.add(cell(r, rr));
        }
        all.addAll(results);
        done += estimateSeconds(r, full, smoke);
        if (s.progress) {
          double elapsed = Duration.between(began, Instant.now()).toMillis() / 1000.0;
          // The plan's estimate, scaled by how this machine has kept to it so far.
          double left = (planned - done) * (elapsed / done);
          console.printf(
              Locale.ROOT,
              "  [%d/%d] %s %s t=%d done; %s elapsed, about %s left%n",
              n,
              runs.size(),
              r.method,
              r.params.isEmpty() ? "" : r.params.toString(),
              r.threads,
              human(elapsed),
              human(left));
        }
      }
    }
    Duration took = Duration.between(began, Instant.now());
    String load = "before " + loadBefore + ", after " + loadAverage();
    // One JSON array of every run, written by JMH's own result formatter.
    try (PrintStream json =
        new PrintStream(Files.newOutputStream(out.resolve("results.json")), true, UTF_8)) {
      ResultFormatFactory.getInstance(ResultFormatType.JSON, json).writeOut(all);
    }
    List<Wait> waits = Wait.read(waitlog);
    Wait.write(waits, out.resolve("killer-waits.csv"));
    Machine machine = Machine.of(all);
    Files.writeString(
        out.resolve("results.md"),
        markdown(cells, waits, s.profile, took, load, machine),
        StandardCharsets.UTF_8);
    charts(cells, waits, out, machine.stamp(s.profile, out.getFileName().toString()));
    console.println("report written to " + out.toAbsolutePath() + " in " + human(took.toSeconds()));
    return 0;
  }

  private static int warmups(boolean full, boolean smoke) {
    return full ? 5 : smoke ? 1 : 2;
  }

  private static TimeValue warmupTime(boolean full, boolean smoke) {
    return full ? TimeValue.seconds(2) : TimeValue.milliseconds(smoke ? 100 : 500);
  }

  private static int measurements(boolean full, boolean smoke) {
    return full ? 10 : smoke ? 1 : 3;
  }

  private static TimeValue measurementTime(boolean full, boolean smoke) {
    return full ? TimeValue.seconds(2) : smoke ? TimeValue.milliseconds(200) : TimeValue.seconds(1);
  }

  /**
   * What one run should take by its settings: per lock and fork, the warmup and measurement
   * iterations plus half a second to start the fork (calibrated on the 2026-11-27 quick run, 424
   * s). The progress lines scale what is left by how this machine has kept to it so far.
   */
  static double estimateSeconds(Run r, boolean full, boolean smoke) {
    int locks = r.impls == null ? 1 : r.impls.size();
    int forks = full ? 2 : 1;
    double iter =
        warmups(full, smoke) * warmupTime(full, smoke).convertTo(TimeUnit.MILLISECONDS)
            + measurements(full, smoke)
                * measurementTime(full, smoke).convertTo(TimeUnit.MILLISECONDS);
    return locks * forks * (iter / 1000.0 + 0.5);
  }

  static String human(double seconds) {
    long s = Math.round(seconds);
    if (s < 120) {
      return s + " s";
    }
    if (s < 7200) {
      return (s / 60) + " min";
    }
    return String.format(Locale.ROOT, "%.1f h", s / 3600.0);
  }

  /** The suite's plan for a profile: how many JMH runs and about how long, for --help and ETA. */
  static String planSummary(String profile) {
    boolean full = profile.equals("full");
    boolean smoke = profile.equals("smoke");
    double t = 0;
    List<Run> runs = plan(full);
    for (Run r : runs) {
      t += estimateSeconds(r, full, smoke);
    }
    return runs.size() + " JMH runs, about " + human(t);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static List<Run> plan(boolean full) {
    List<Run> runs = new ArrayList<>();
    runs.add(new Run("floor", "FloorBench.floor", Map.of(), 1, null, false));
    for (String m : List.of("exclusive", "shared")) {
      runs.add(new Run("uncontended", "UncontendedBench." + m, Map.of(), 1, NO_SPIN, true));
    }
    for (int t : full ? List.of(1, 2, 4, 8) : List.of(1, 2, 8)) {
      runs.add(new Run("disjoint", "DisjointBench.disjoint", Map.of(), t, ALL, false));
    }
    // The same one- and two-thread rows under ParallelGC, whose unconditional card marking made
    // two threads on different zones contend through the card table while a zone's word held a
    // reference (issue 11); the JDK's default here is G1.
    runs.add(
        new Run(
            "uncontended-parallelgc",
            "UncontendedParallelGcBench.exclusive",
            Map.of(),
            1,
            NO_SPIN,
            true));
    for (int t : List.of(1, 2)) {
      runs.add(
          new Run(
              "disjoint-parallelgc", "DisjointParallelGcBench.disjoint", Map.of(), t, ALL, false));
    }
    List<String[]> overlapping =
        full
            ? List.of(
                new String[] {"50", "1"},
                new String[] {"90", "1"},
                new String[] {"100", "1"},
                new String[] {"50", "16"},
                new String[] {"90", "16"},
                new String[] {"100", "16"})
            : List.of(
                new String[] {"50", "1"},
                new String[] {"90", "1"},
                new String[] {"100", "1"},
                new String[] {"90", "16"});
    for (int t : List.of(2, 8)) {
      for (String[] o : overlapping) {
        if (!full && t == 8 && !(o[0].equals("90") && o[1].equals("1"))) {
          continue;
        }
        runs.add(
            new Run(
                "overlapping",
                "OverlappingBench.overlapping",
                ordered("readShare", o[0], "size", o[1]),
                t,
                t > 2 ? NO_SPIN : ALL,
                false));
      }
    }
    for (String h : List.of("1", "100", "10000")) {
      runs.add(new Run("held", "HeldBench.held", ordered("held", h), 1, NO_SPIN, false));
    }
    for (int t : full ? List.of(2, 4) : List.of(2)) {
      for (String k : full ? List.of("100", "1000") : List.of("100")) {
        runs.add(new Run("mapping-mix", "MappingMixBench.mix", ordered("k", k), t, ALL, false));
      }
      runs.add(
          new Run("direct-buffered-mix", "DirectBufferedMixBench.mix", Map.of(), t, ALL, false));
    }
    return runs;
  }

  /** The flag that selects ParallelGC, and the suffix of the groups planned to run with it. */
  private static final String PARALLEL_GC = "-XX:+UseParallelGC";

  private static final String PARALLEL_GC_GROUP = "-parallelgc";

  /**
   * Issue 11's scaling figure on disjoint ranges, per lock and collector: what one operation costs
   * each of two threads against what it costs one thread alone, 2 x (1-thread ops/us) / (2-thread
   * ops/us); 1.0 is perfect scaling, 2.0 is no scaling at all. Cells missing a thread count give no
   * line.
   */
  static String disjointScaling(List<Cell> cells) {
    StringBuilder sb = new StringBuilder();
    for (String group : List.of("disjoint", "disjoint" + PARALLEL_GC_GROUP)) {
      for (String impl : ALL) {
        Cell one = find(cells, group, impl, c -> c.threads == 1);
        Cell two = find(cells, group, impl, c -> c.threads == 2);
        if (one == null || two == null || two.score <= 0) {
          continue;
        }
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s | %.2f |%n",
                group.endsWith(PARALLEL_GC_GROUP) ? "ParallelGC" : "default (G1 here)",
                impl,
                fmt(one.score),
                fmt(two.score),
                2 * one.score / two.score));
      }
    }
    return sb.toString();
  }

  private static Map<String, String> ordered(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static Cell cell(Run r, RunResult rr) {
    Result<?> p = rr.getPrimaryResult();
    String impl = r.impls == null ? "floor" : rr.getParams().getParam("impl");
    StringBuilder w = new StringBuilder(r.method.substring(r.method.indexOf('.') + 1));
    if (r.group.startsWith("uncontended")) {
      w = new StringBuilder("uncontended " + w);
    }
    // The collector as the fork ran it (JMH's record of its flags), not as the plan meant it.
    boolean parallelGc = rr.getParams().getJvmArgs().contains(PARALLEL_GC);
    if (parallelGc != r.group.endsWith(PARALLEL_GC_GROUP)) {
      throw new IllegalStateException(
          r.method + " ran with flags " + rr.getParams().getJvmArgs() + ", planned " + r.group);
    }
    if (parallelGc) {
      w.append(" ParallelGC");
    }
    for (Map.Entry<String, String> e : r.params.entrySet()) {
      w.append(' ').append(e.getKey()).append('=').append(e.getValue());
    }
    if (!r.group.equals("held") && !r.group.startsWith("uncontended") && !r.group.equals("floor")) {
      w.append(" t=").append(r.threads);
    }
    if (r.group.endsWith("mix")) {
      w = new StringBuilder(r.group + w.substring(3));
    }
    double bytes = Double.NaN;
    // JMH declares getSecondaryResults() with the raw Result type.
    for (@SuppressWarnings("rawtypes")
    Map.Entry<String, Result> e : rr.getSecondaryResults().entrySet()) {
      if (e.getKey().endsWith("gc.alloc.rate.norm")) {
        bytes = e.getValue().getScore();
      }
    }
    String unit = p.getScoreUnit();
    return new Cell(
        r.group,
        w.toString(),
        unit,
        unit.startsWith("ops/"),
        impl,
        median(rr),
        p.getScore(),
        p.getScoreError(),
        bytes,
        r.threads);
  }

  /**
   * The median of the measurement iterations (of all forks): one iteration disturbed by another
   * process on this shared 2-CPU machine moves it less than it moves JMH's mean, which is in
   * results.json.
   */
  private static double median(RunResult rr) {
    List<Double> xs = new ArrayList<>();
    for (org.openjdk.jmh.results.BenchmarkResult br : rr.getBenchmarkResults()) {
      for (org.openjdk.jmh.results.IterationResult ir : br.getIterationResults()) {
        xs.add(ir.getPrimaryResult().getScore());
      }
    }
    if (xs.isEmpty()) {
      return rr.getPrimaryResult().getScore();
    }
    xs.sort(null);
    int n = xs.size();
    return n % 2 == 1 ? xs.get(n / 2) : (xs.get(n / 2 - 1) + xs.get(n / 2)) / 2;
  }

  private static String ref(String group) {
    return group.endsWith("mix") ? "rangelock-mapping" : "rangelock-rw";
  }

  private static String markdown(
      List<Cell> cells,
      List<Wait> waits,
      String profile,
      Duration took,
      String load,
      Machine machine) {
    boolean full = profile.equals("full");
    StringBuilder sb = new StringBuilder();
    sb.append("# rangelock-bench report (").append(profile).append(")\n\n");
    sb.append("- Date (UTC): ").append(Instant.now()).append('\n');
    sb.append("- Machine (measured): ")
        .append(machine.cpus())
        .append(" CPUs seen by the JVM, ")
        .append(machine.os())
        .append("; forks ran JDK ")
        .append(machine.jdk())
        .append(", ")
        .append(machine.vm())
        .append(", flags `")
        .append(machine.flags())
        .append("`\n");
    sb.append("- Profile: ")
        .append(
            full
                ? "2 forks, 5 warmup x 2 s, 10 measurement x 2 s"
                : profile.equals("smoke")
                    ? "smoke (pipeline check only: 1 x 0.1 s warmup, 1 x 0.2 s measurement)"
                    : "1 fork, 2 warmup x 0.5 s, 3 measurement x 1 s")
        .append("; whole suite took ")
        .append(took.toSeconds())
        .append(" s\n");
    sb.append("- Load average (1, 5, 15 min; anything above 0 is other work sharing the CPUs): ")
        .append(load)
        .append('\n');
    sb.append(
        String.format(
            Locale.ROOT,
            "- With %d CPUs, more than %d threads measures oversubscription, not many-core"
                + " scaling. Numbers from one short run on a loaded machine are noisy: read"
                + " ratios, not digits.%n",
            machine.cpus(),
            machine.cpus()));
    sb.append(
        "- Each cell: the median of the measurement iterations (JMH's mean and error are in"
            + " results.json), then (ratio = score / rangelock's score in the same row; the reference is"
            + " `rangelock-rw`, and `rangelock-mapping` in the two mixes, which use mapping modes)."
            + " For ns/op lower is better, so a ratio above 1 is slower than rangelock; for"
            + " ops/us higher is better, so a ratio above 1 is faster.\n");
    sb.append(
        "- `kogan-list-spin` differs from `kogan-list` only in how it waits, so it is left out of"
            + " the one-thread rows, and of 8 threads on overlapping ranges (pure spinning with 4x"
            + " more threads than CPUs).\n");
    sb.append(
        "- Noise gauge: in the reader/writer rows `rangelock-rw` and `rangelock-mapping` run the"
            + " same code (one mode pair each), so their ratio would be 1.00 on a quiet machine;"
            + " how far it is from 1 shows how far to trust the other ratios in that row.\n\n");
    Map<String, Map<String, Cell>> rows = new LinkedHashMap<>();
    for (Cell c : cells) {
      rows.computeIfAbsent(c.workload, k -> new LinkedHashMap<>()).put(c.impl, c);
    }
    sb.append("| workload | unit | ");
    for (String i : ALL) {
      sb.append(i).append(" | ");
    }
    sb.append('\n').append("|---|---|");
    for (int i = 0; i < ALL.size(); i++) {
      sb.append("---:|");
    }
    sb.append('\n');
    for (Map.Entry<String, Map<String, Cell>> row : rows.entrySet()) {
      Map<String, Cell> m = row.getValue();
      Cell any = m.values().iterator().next();
      if (any.impl.equals("floor")) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| floor (2 CAS, one line) | %s | %s |%s%n",
                any.unit,
                fmt(any.score),
                " |".repeat(ALL.size() - 1)));
        continue;
      }
      Cell r = m.get(ref(any.group));
      sb.append("| ").append(row.getKey()).append(" | ").append(any.unit).append(" | ");
      for (String i : ALL) {
        Cell c = m.get(i);
        if (c == null) {
          sb.append("– | ");
          continue;
        }
        sb.append(fmt(c.score));
        if (r != null && r.score > 0) {
          sb.append(String.format(Locale.ROOT, " (%.2f×)", c.score / r.score));
        }
        sb.append(" | ");
      }
      sb.append('\n');
    }
    String scaling = disjointScaling(cells);
    if (!scaling.isEmpty()) {
      sb.append(
              "\n## Disjoint ranges: one operation's cost to each of two threads over its cost to one"
                  + " thread\n\n"
                  + "2 x (1-thread ops/us) / (2-thread ops/us), from the medians above: 1.00 is"
                  + " perfect scaling, 2.00 none. Rows marked ParallelGC ran with `"
                  + PARALLEL_GC
                  + "` added to the flags above (as JMH recorded them).\n\n"
                  + "| collector | impl | 1 thread (ops/us) | 2 threads (ops/us) | cost ratio |\n"
                  + "|---|---|---:|---:|---:|\n")
          .append(scaling);
    }
    boolean anyBytes = cells.stream().anyMatch(c -> !Double.isNaN(c.bytesPerOp));
    if (anyBytes) {
      sb.append("\n## Allocation per acquire + release (B/op, `-prof gc`)\n\n| workload | ");
      for (String i : ALL) {
        sb.append(i).append(" | ");
      }
      sb.append("\n|---|");
      for (int i = 0; i < ALL.size(); i++) {
        sb.append("---:|");
      }
      sb.append('\n');
      for (Map.Entry<String, Map<String, Cell>> row : rows.entrySet()) {
        if (row.getValue().values().stream().allMatch(c -> Double.isNaN(c.bytesPerOp))) {
          continue;
        }
        sb.append("| ").append(row.getKey()).append(" | ");
        for (String i : ALL) {
          Cell c = row.getValue().get(i);
          sb.append(c == null ? "–" : String.format(Locale.ROOT, "%.0f", c.bytesPerOp))
              .append(" | ");
        }
        sb.append('\n');
      }
    }
    if (!waits.isEmpty()) {
      sb.append(
          "\n## Mapping mix: the page killer's wait (request to grant, measurement iterations,"
              + " HdrHistogram)\n\n");
      sb.append(
          "| impl | k | threads | kills | p50 (us) | p99 (us) | p99.9 (us) | max (us) |\n"
              + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
      for (Wait w : waits) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %d | %d | %d | %.1f | %.1f | %.1f | %.1f |%n",
                w.impl(),
                w.k(),
                w.threads(),
                w.samples(),
                w.p50Us(),
                w.p99Us(),
                w.p999Us(),
                w.maxUs()));
      }
    }
    sb.append(
            "\n## Charts\n\nBars and points are JMH's mean score; error bars are JMH's 99.9 %"
                + " confidence half-width (none where JMH gives none, and none for a lock that"
                + " misses a workload of the chart); a lock missing from a workload has no bar. Each chart's foot names the run, CPUs, JDK and JVM"
                + " flags.\n\n")
        .append("![throughput vs threads](disjoint-threads.png)\n\n")
        .append("![cost vs held ranges](held-ranges.png)\n\n")
        .append("![overlapping ranges](overlapping.png)\n\n")
        .append("![page killer wait p99](killer-wait-p99.png)\n\n")
        .append("![page killer wait max](killer-wait-max.png)\n");
    return sb.toString();
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (v >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (v >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v);
  }

  static void charts(List<Cell> cells, List<Wait> waits, Path out, String stamp)
      throws IOException {
    // Disjoint ranges: one bar group per measured thread count (no line through counts not run).
    List<String> threadCounts = new ArrayList<>();
    for (Cell c : cells) {
      String t = String.valueOf(c.threads);
      if (c.group.equals("disjoint") && !threadCounts.contains(t)) {
        threadCounts.add(t);
      }
    }
    if (!threadCounts.isEmpty()) {
      CategoryChart th =
          barChart(
              "Disjoint pages, exclusive: throughput by thread count",
              "threads (each on its own pages)",
              "ops/us, all threads (mean ± JMH error)");
      for (String impl : ALL) {
        addBars(
            th,
            impl,
            threadCounts,
            w -> find(cells, "disjoint", impl, c -> String.valueOf(c.threads).equals(w)));
      }
      save(th, out.resolve("disjoint-threads.png"), stamp);
    }
    // Held ranges: measured points only, log-log, no connecting line.
    XYChart held =
        new XYChartBuilder()
            .width(1000)
            .height(560)
            .title("Acquire + release with N other ranges held (1 thread)")
            .xAxisTitle("ranges held (log scale)")
            .yAxisTitle("ns/op (mean ± JMH error, log scale)")
            .build();
    held.getStyler().setXAxisLogarithmic(true);
    held.getStyler().setYAxisLogarithmic(true);
    held.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    held.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    for (String impl : ALL) {
      Map<Double, Cell> h = new TreeMap<>();
      for (Cell c : cells) {
        if (c.impl.equals(impl) && c.group.equals("held")) {
          h.put(Double.parseDouble(c.workload.replaceAll(".*held=", "")), c);
        }
      }
      if (!h.isEmpty()) {
        List<Double> ys = new ArrayList<>();
        List<Double> es = new ArrayList<>();
        for (Cell c : h.values()) {
          ys.add(c.mean);
          es.add(Double.isNaN(c.error) ? 0 : Math.min(c.error, c.mean * 0.999)); // log axis
        }
        held.addSeries(impl, new ArrayList<>(h.keySet()), ys, es);
      }
    }
    if (!held.getSeriesMap().isEmpty()) {
      save(held, out.resolve("held-ranges.png"), stamp);
    }
    // Overlapping ranges: one bar group per workload, labels spelled out.
    List<String> workloads = new ArrayList<>();
    for (Cell c : cells) {
      if (c.group.equals("overlapping") && !workloads.contains(c.workload)) {
        workloads.add(c.workload);
      }
    }
    if (!workloads.isEmpty()) {
      CategoryChart ov =
          barChart(
              "Random overlapping ranges: throughput",
              "% of requests shared, range size in pages, threads",
              "ops/us, all threads (mean ± JMH error)");
      ov.getStyler().setXAxisLabelRotation(15);
      List<String> labels = new ArrayList<>();
      for (String w : workloads) {
        labels.add(label(w));
      }
      for (String impl : ALL) {
        addBars(
            ov,
            impl,
            labels,
            l -> find(cells, "overlapping", impl, x -> label(x.workload).equals(l)));
      }
      save(ov, out.resolve("overlapping.png"), stamp);
    }
    if (!waits.isEmpty()) {
      for (boolean max : new boolean[] {false, true}) {
        String what = max ? "max" : "p99";
        CategoryChart kw =
            barChart(
                "Mapping mix: the page killer's wait, " + what + " (HdrHistogram)",
                "lock (k: one killer per k operations of a thread; threads)",
                what + " wait, us (" + (max ? "longest single wait" : "99th percentile") + ")");
        kw.getStyler().setLegendVisible(false);
        kw.getStyler().setXAxisLabelRotation(15);
        List<String> names = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Wait w : waits) {
          names.add(w.impl() + " k=" + w.k() + " " + w.threads() + " thr");
          ys.add(max ? w.maxUs() : w.p99Us());
        }
        kw.addSeries(what, names, ys);
        save(kw, out.resolve("killer-wait-" + what + ".png"), stamp);
      }
    }
  }

  private static CategoryChart barChart(String title, String x, String y) {
    CategoryChart c =
        new CategoryChartBuilder()
            .width(1100)
            .height(560)
            .title(title)
            .xAxisTitle(x)
            .yAxisTitle(y)
            .build();
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    return c;
  }

  static void addBars(
      CategoryChart chart,
      String impl,
      List<String> xs,
      java.util.function.Function<String, Cell> cellAt) {
    List<Double> ys = new ArrayList<>();
    List<Double> es = new ArrayList<>();
    boolean any = false;
    for (String x : xs) {
      Cell c = cellAt.apply(x);
      ys.add(c == null ? null : c.mean);
      es.add(c == null || Double.isNaN(c.error) ? 0.0 : c.error);
      any |= c != null;
    }
    if (!any) {
      return;
    }
    if (ys.contains(null)) {
      // A lock not run on a workload has no bar, not a bar of height 0. XChart cannot draw error
      // bars in a series with a gap, so such a series goes without them.
      chart.addSeries(impl, xs, ys);
    } else {
      chart.addSeries(impl, xs, ys, es);
    }
  }

  private static Cell find(
      List<Cell> cells, String group, String impl, java.util.function.Predicate<Cell> p) {
    for (Cell c : cells) {
      if (c.group.equals(group) && c.impl.equals(impl) && p.test(c)) {
        return c;
      }
    }
    return null;
  }

  /** {@code overlapping readShare=90 size=16 t=2} as {@code 90% shared, 16 pages, 2 threads}. */
  static String label(String workload) {
    String share = workload.replaceAll(".*readShare=(\\d+).*", "$1");
    String size = workload.replaceAll(".*size=(\\d+).*", "$1");
    String threads = workload.replaceAll(".*t=(\\d+).*", "$1");
    return share
        + "% shared, "
        + size
        + (size.equals("1") ? " page, " : " pages, ")
        + threads
        + " thr";
  }

  /** Writes the chart as PNG with the run's stamp in a strip under it. */
  private static void save(
      org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file, String stamp)
      throws IOException {
    BufferedImage img = BitmapEncoder.getBufferedImage(chart);
    BufferedImage out =
        new BufferedImage(img.getWidth(), img.getHeight() + 24, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, out.getWidth(), out.getHeight());
      g.drawImage(img, 0, 0, null);
      g.setColor(Color.DARK_GRAY);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.drawString(stamp, 8, img.getHeight() + 16);
    } finally {
      g.dispose();
    }
    ImageIO.write(out, "png", file.toFile());
  }
}
