package org.rangelock.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * Each thread its own page (64 pages apart), exclusive acquire + release: scaling with {@code -t
 * 1,2} and oversubscription with {@code -t 4,8} on two cores (ops/us, all threads together).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DisjointBench {
  @Benchmark
  public void disjoint(Impl s, Rnd t) {
    long start = t.index * 64L * Impl.PAGE;
    s.lock.unlock(s.lock.lock(start, start + Impl.PAGE, false));
  }
}
