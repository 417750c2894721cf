package org.rangelock.bench.jmh;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The floor: what an acquire/release pair cannot avoid, one CAS to take and one to give back, on
 * one cache line, uncontended.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FloorBench {
  private final AtomicLong word = new AtomicLong();

  @Benchmark
  public boolean floor() {
    boolean a = word.compareAndSet(0, 1);
    boolean b = word.compareAndSet(1, 0);
    return a & b;
  }
}
