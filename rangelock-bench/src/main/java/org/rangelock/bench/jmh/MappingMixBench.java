package org.rangelock.bench.jmh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.apache.commons.csv.CSVFormat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.rangelock.MappingMode;

/**
 * The mapping mix: page faults on random pages of a large file (FAULT, or shared), and every {@code
 * k}-th operation of each thread a page killer (INVALIDATE, or exclusive): alternately a punch of
 * 16 pages and a truncate to the end of the address space. Throughput is ops/us of all threads; the
 * killer's wait (request to grant) is recorded in an HdrHistogram per thread (3 significant digits)
 * in the measurement iterations; its median, 99th and 99.9th percentiles and maximum are printed
 * and, if the system property {@code rangelock.bench.waitlog} names a file, appended to it as a CSV
 * record {@code impl,k,threads,samples,p50Us,p99Us,p999Us,maxUs} (the report reads it).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
// Every fork on a fixed, pre-touched heap: a growing heap charges page first-touch to whoever
// allocates (issue 11), so allocation-free locks would win rows they should not.
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class MappingMixBench {
  /** Pages in the file: 64 MiB. */
  static final int FILE_PAGES = 16384;

  @Param({"100", "1000"})
  public int k;

  static final ConcurrentLinkedQueue<Histogram> SAMPLES = new ConcurrentLinkedQueue<>();
  static final AtomicInteger DONE = new AtomicInteger();

  /** Per-thread killer waits (ns), measurement iterations only. */
  @State(Scope.Thread)
  public static class Waits {
    final Histogram ns = new Histogram(3); // auto-resizing: no bound to guess
    boolean measuring;
    int ops;

    @Setup(Level.Iteration)
    public void iteration(IterationParams ip) {
      measuring = ip.getType() == IterationType.MEASUREMENT;
    }

    void record(long w) {
      if (measuring) {
        ns.recordValue(w);
      }
    }

    @TearDown(Level.Trial)
    public void trial(BenchmarkParams bp, MappingMixBench b, Impl impl) {
      SAMPLES.add(ns.copy());
      if (DONE.incrementAndGet() == bp.getThreads()) {
        report(impl.impl, b.k, bp.getThreads());
        SAMPLES.clear();
        DONE.set(0);
      }
    }
  }

  @Benchmark
  public void mix(Impl s, Rnd t, Waits w) {
    if (++w.ops % k != 0) {
      long p = t.next(FILE_PAGES);
      Object h = s.lock.lock(p * Impl.PAGE, (p + 1) * Impl.PAGE, MappingMode.FAULT, true);
      Blackhole.consumeCPU(20); // install the page
      s.lock.unlock(h);
      return;
    }
    long start;
    long end;
    if ((w.ops / k & 1) == 0) {
      long p = t.next(FILE_PAGES - 16);
      start = p * Impl.PAGE;
      end = (p + 16) * Impl.PAGE;
    } else {
      start = (FILE_PAGES - 1 - t.next(FILE_PAGES / 8)) * Impl.PAGE;
      end = Long.MAX_VALUE;
    }
    long t0 = System.nanoTime();
    Object h = s.lock.lock(start, end, MappingMode.INVALIDATE, false);
    w.record(System.nanoTime() - t0);
    Blackhole.consumeCPU(200); // unmap and drop the pages
    s.lock.unlock(h);
  }

  /** The CSV header of the side file, in the order {@link #report} writes the fields. */
  public static final String[] WAIT_COLUMNS = {
    "impl", "k", "threads", "samples", "p50Us", "p99Us", "p999Us", "maxUs"
  };

  static void report(String impl, int k, int threads) {
    Histogram all = new Histogram(3);
    SAMPLES.forEach(all::add);
    if (all.getTotalCount() == 0) {
      return;
    }
    Object[] record = {
      impl,
      k,
      threads,
      all.getTotalCount(),
      us(all.getValueAtPercentile(50)),
      us(all.getValueAtPercentile(99)),
      us(all.getValueAtPercentile(99.9)),
      us(all.getMaxValue())
    };
    StringBuilder line = new StringBuilder();
    try {
      CSVFormat.DEFAULT.builder().setRecordSeparator("\n").get().printRecord(line, record);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    System.out.print("\nkiller wait (" + String.join(",", WAIT_COLUMNS) + "): " + line);
    String file = System.getProperty("rangelock.bench.waitlog");
    if (file != null) {
      try {
        Files.writeString(
            Path.of(file),
            line,
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** Nanoseconds as microseconds with one decimal, as text. */
  private static String us(long ns) {
    return String.format(Locale.ROOT, "%.1f", ns / 1e3);
  }
}
