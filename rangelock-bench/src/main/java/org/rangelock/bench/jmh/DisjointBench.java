package org.rangelock.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Each thread its own page ({@code stride} pages apart), exclusive acquire + release: scaling with
 * {@code -t 1,2} and oversubscription with {@code -t 4,8} on two cores (ops/us, all threads
 * together).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
// Every fork on a fixed, pre-touched heap: a growing heap charges page first-touch to whoever
// allocates (issue 11), so allocation-free locks would win rows they should not.
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class DisjointBench {
  /** Pages between two threads' pages; the report uses 64 (256 KiB). */
  @Param({"64"})
  public int stride;

  @Benchmark
  public void disjoint(Impl s, Rnd t) {
    long start = (long) t.index * stride * Impl.PAGE;
    s.lock.unlock(s.lock.lock(start, start + Impl.PAGE, false));
  }
}
