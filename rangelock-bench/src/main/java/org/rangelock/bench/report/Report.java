package org.rangelock.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.rangelock.bench.reference.RangeExclusions;

/**
 * {@code report --quick|--full [--out DIR]}: runs the JMH suite programmatically, every lock side
 * by side, and writes {@code DIR} (default {@code bench-results/<date>/}): {@code results.json}
 * (JMH's JSON of every run, one array), {@code results.md} (a table per workload: each lock's score
 * and its ratio to rangelock) and PNG charts.
 */
public final class Report {
  private Report() {}

  private static final String PKG = "org.rangelock.bench.jmh.";
  private static final List<String> ALL = RangeExclusions.NAMES;
  private static final List<String> NO_SPIN = ALL.subList(0, ALL.size() - 1);

  /** One JMH run: a benchmark method, its params, a thread count and the locks. */
  private record Run(
      String group,
      String method,
      Map<String, String> params,
      int threads,
      List<String> impls,
      boolean gc) {}

  /** One measured cell. */
  private record Cell(
      String group,
      String workload,
      String unit,
      boolean higherBetter,
      String impl,
      double score,
      double error,
      double bytesPerOp,
      int threads) {}

  public static int run(String[] args) throws Exception {
    boolean full = false;
    boolean smoke = false;
    boolean seen = false;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick":
          seen = true;
          break;
        case "--smoke": // the pipeline only: numbers meaningless
          smoke = true;
          seen = true;
          break;
        case "--full":
          full = true;
          seen = true;
          break;
        case "--out":
          out = Path.of(args[++i]);
          break;
        default:
          System.err.println("report: unknown argument " + args[i]);
          seen = false;
          i = args.length;
      }
    }
    if (!seen) {
      System.err.println("usage: java -jar rangelock-bench.jar report --quick|--full [--out DIR]");
      return 2;
    }
    if (out == null) {
      out = Path.of("bench-results", LocalDate.now(ZoneOffset.UTC).toString());
    }
    System.setProperty("java.awt.headless", "true");
    Files.createDirectories(out);
    Path tmp = Files.createTempDirectory("rangelock-report");
    Path waitlog = tmp.resolve("waits.csv");
    List<Run> runs = plan(full);
    Instant began = Instant.now();
    String loadBefore = loadAverage();
    List<Cell> cells = new ArrayList<>();
    List<String> jsons = new ArrayList<>();
    int n = 0;
    for (Run r : runs) {
      n++;
      System.out.printf(
          Locale.ROOT,
          "%n==== report %d/%d: %s %s threads=%d (%s elapsed)%n",
          n,
          runs.size(),
          r.method,
          r.params,
          r.threads,
          Duration.between(began, Instant.now()).toSeconds() + " s");
      Path json = tmp.resolve("run-" + n + ".json");
      ChainedOptionsBuilder ob =
          new OptionsBuilder()
              .include("^" + java.util.regex.Pattern.quote(PKG + r.method) + "$")
              .forks(1)
              .threads(r.threads)
              .warmupIterations(full ? 5 : smoke ? 1 : 2)
              .warmupTime(full ? TimeValue.seconds(2) : TimeValue.milliseconds(smoke ? 100 : 500))
              .measurementIterations(full ? 10 : smoke ? 1 : 3)
              .measurementTime(
                  full
                      ? TimeValue.seconds(2)
                      : smoke ? TimeValue.milliseconds(200) : TimeValue.seconds(1))
              .jvmArgsAppend("-Drangelock.bench.waitlog=" + waitlog.toAbsolutePath())
              .resultFormat(ResultFormatType.JSON)
              .result(json.toString())
              .shouldFailOnError(true);
      if (full) {
        ob = ob.forks(2);
      }
      if (r.impls != null) {
        ob = ob.param("impl", r.impls.toArray(new String[0]));
      }
      for (Map.Entry<String, String> p : r.params.entrySet()) {
        ob = ob.param(p.getKey(), p.getValue());
      }
      if (r.gc) {
        ob = ob.addProfiler(GCProfiler.class);
      }
      Collection<RunResult> results = new Runner(ob.build()).run();
      for (RunResult rr : results) {
        cells.add(cell(r, rr));
      }
      String j = Files.readString(json).trim();
      if (j.startsWith("[") && j.endsWith("]") && j.length() > 2) {
        jsons.add(j.substring(1, j.length() - 1).trim());
      }
    }
    Duration took = Duration.between(began, Instant.now());
    String load = "before " + loadBefore + ", after " + loadAverage();
    Files.writeString(
        out.resolve("results.json"),
        "[\n" + String.join(",\n", jsons) + "\n]\n",
        StandardCharsets.UTF_8);
    List<String> waits =
        Files.exists(waitlog) ? Files.readAllLines(waitlog, StandardCharsets.UTF_8) : List.of();
    Files.writeString(
        out.resolve("killer-waits.csv"),
        "impl,k,threads,samples,p99Us,maxUs\n" + String.join("\n", waits) + "\n",
        StandardCharsets.UTF_8);
    Files.writeString(
        out.resolve("results.md"),
        markdown(cells, waits, full ? "full" : smoke ? "smoke" : "quick", took, load),
        StandardCharsets.UTF_8);
    charts(cells, waits, out);
    System.out.println(
        "\nreport written to " + out.toAbsolutePath() + " in " + took.toSeconds() + " s");
    return 0;
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
    if (r.group.equals("uncontended")) {
      w = new StringBuilder("uncontended " + w);
    }
    for (Map.Entry<String, String> e : r.params.entrySet()) {
      w.append(' ').append(e.getKey()).append('=').append(e.getValue());
    }
    if (!r.group.equals("held") && !r.group.equals("uncontended") && !r.group.equals("floor")) {
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
      List<Cell> cells, List<String> waits, String profile, Duration took, String load) {
    boolean full = profile.equals("full");
    StringBuilder sb = new StringBuilder();
    sb.append("# rangelock-bench report (").append(profile).append(")\n\n");
    sb.append("- Date (UTC): ").append(Instant.now()).append('\n');
    sb.append("- Machine: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" CPUs, ")
        .append(System.getProperty("os.name"))
        .append(' ')
        .append(System.getProperty("os.arch"))
        .append(", JDK ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.runtime.version"))
        .append('\n');
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
    sb.append("- Load average (1, 5, 15 min; other people's builds share this machine): ")
        .append(load)
        .append('\n');
    sb.append(
        "- With 2 CPUs, more than 2 threads measures oversubscription, not many-core scaling."
            + " Numbers from one short run on a shared machine are noisy: read ratios, not"
            + " digits.\n");
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
          "\n## Mapping mix: the page killer's wait (request to grant, measurement iterations)\n\n");
      sb.append(
          "| impl | k | threads | kills | p99 (us) | max (us) |\n|---|---:|---:|---:|---:|---:|\n");
      for (String w : waits) {
        String[] f = w.split(",");
        if (f.length == 6) {
          sb.append("| ").append(String.join(" | ", f)).append(" |\n");
        }
      }
    }
    sb.append("\n## Charts\n\n![throughput vs threads](disjoint-threads.png)\n\n")
        .append("![cost vs held ranges](held-ranges.png)\n\n")
        .append("![overlapping, 8 threads vs 2](overlapping.png)\n\n")
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

  private static void charts(List<Cell> cells, List<String> waits, Path out) throws IOException {
    XYChart th =
        new XYChartBuilder()
            .width(900)
            .height(560)
            .title("Disjoint pages, exclusive: throughput vs threads (2 CPUs)")
            .xAxisTitle("threads")
            .yAxisTitle("ops/us (all threads)")
            .build();
    th.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    XYChart held =
        new XYChartBuilder()
            .width(900)
            .height(560)
            .title("Acquire + release with N other ranges held (1 thread)")
            .xAxisTitle("ranges held")
            .yAxisTitle("ns/op")
            .build();
    held.getStyler().setXAxisLogarithmic(true);
    held.getStyler().setYAxisLogarithmic(true);
    held.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    for (String impl : ALL) {
      Map<Double, Double> t = new TreeMap<>();
      Map<Double, Double> h = new TreeMap<>();
      for (Cell c : cells) {
        if (!c.impl.equals(impl)) {
          continue;
        }
        if (c.group.equals("disjoint")) {
          t.put((double) c.threads, c.score);
        } else if (c.group.equals("held")) {
          h.put(Double.parseDouble(c.workload.replaceAll(".*held=", "")), c.score);
        }
      }
      if (!t.isEmpty()) {
        th.addSeries(impl, new ArrayList<>(t.keySet()), new ArrayList<>(t.values()));
      }
      if (!h.isEmpty()) {
        held.addSeries(impl, new ArrayList<>(h.keySet()), new ArrayList<>(h.values()));
      }
    }
    if (!th.getSeriesMap().isEmpty()) {
      BitmapEncoder.saveBitmap(
          th, out.resolve("disjoint-threads.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
    if (!held.getSeriesMap().isEmpty()) {
      BitmapEncoder.saveBitmap(
          held, out.resolve("held-ranges.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
    // Overlapping ranges: one bar group per workload, one bar per lock.
    CategoryChart ov =
        new CategoryChartBuilder()
            .width(1100)
            .height(560)
            .title("Random overlapping ranges: throughput")
            .xAxisTitle("workload")
            .yAxisTitle("ops/us (all threads)")
            .build();
    ov.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    ov.getStyler().setXAxisLabelRotation(20);
    List<String> workloads = new ArrayList<>();
    for (Cell c : cells) {
      if (c.group.equals("overlapping") && !workloads.contains(c.workload)) {
        workloads.add(c.workload);
      }
    }
    if (!workloads.isEmpty()) {
      for (String impl : ALL) {
        List<Double> ys = new ArrayList<>();
        for (String w : workloads) {
          double y = 0;
          for (Cell c : cells) {
            if (c.workload.equals(w) && c.impl.equals(impl)) {
              y = c.score;
            }
          }
          ys.add(y);
        }
        ov.addSeries(impl, shortNames(workloads), ys);
      }
      BitmapEncoder.saveBitmap(
          ov, out.resolve("overlapping.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
    if (!waits.isEmpty()) {
      for (int col : new int[] {4, 5}) {
        String what = col == 4 ? "p99" : "max";
        CategoryChart kw =
            new CategoryChartBuilder()
                .width(900)
                .height(560)
                .title("Mapping mix: page killer wait, " + what)
                .xAxisTitle("lock")
                .yAxisTitle(what + " wait (us)")
                .build();
        kw.getStyler().setXAxisLabelRotation(20);
        kw.getStyler().setLegendVisible(false);
        List<String> names = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (String w : waits) {
          String[] f = w.split(",");
          if (f.length == 6) {
            names.add(f[0] + " k=" + f[1] + " t=" + f[2]);
            ys.add(Double.parseDouble(f[col]));
          }
        }
        kw.addSeries(what, names, ys);
        BitmapEncoder.saveBitmap(
            kw,
            out.resolve("killer-wait-" + what + ".png").toString(),
            BitmapEncoder.BitmapFormat.PNG);
      }
    }
  }

  private static List<String> shortNames(List<String> ws) {
    List<String> out = new ArrayList<>();
    for (String w : ws) {
      out.add(w.replace("overlapping ", "").replace("readShare=", "r").replace("size=", "s"));
    }
    return out;
  }
}
