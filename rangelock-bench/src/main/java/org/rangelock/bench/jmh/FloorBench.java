package org.rangelock.bench.jmh;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
// Every fork on a fixed, pre-touched heap: a growing heap charges page first-touch to whoever
// allocates (issue 11), so allocation-free locks would win rows they should not.
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class FloorBench {
  private final AtomicLong word = new AtomicLong();

  @Benchmark
  public boolean floor() {
    boolean a = word.compareAndSet(0, 1);
    boolean b = word.compareAndSet(1, 0);
    return a & b;
  }
}
