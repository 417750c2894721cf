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
 * Random ranges of {@code size} pages in a space of {@code space} pages, shared with probability
 * {@code readShare} percent, else exclusive; acquire + release (ops/us, all threads together).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
// Every fork on a fixed, pre-touched heap: a growing heap charges page first-touch to whoever
// allocates (issue 11), so allocation-free locks would win rows they should not.
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class OverlappingBench {
  @Param({"256"})
  public int space;

  @Param({"50", "90", "100"})
  public int readShare;

  @Param({"1", "16"})
  public int size;

  @Benchmark
  public void overlapping(Impl s, Rnd t) {
    long page = t.next(space - size + 1);
    boolean shared = t.next(100) < readShare;
    s.lock.unlock(s.lock.lock(page * Impl.PAGE, (page + size) * Impl.PAGE, shared));
  }
}
