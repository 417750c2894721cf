package org.rangelock.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/** One thread, one page, acquire + release (ns/op; run with {@code -prof gc} for B/op). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// Every fork on a fixed, pre-touched heap: a growing heap charges page first-touch to whoever
// allocates (issue 11), so allocation-free locks would win rows they should not.
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class UncontendedBench {
  @Benchmark
  public void exclusive(Impl s) {
    s.lock.unlock(s.lock.lock(8 * Impl.PAGE, 9 * Impl.PAGE, false));
  }

  @Benchmark
  public void shared(Impl s) {
    s.lock.unlock(s.lock.lock(8 * Impl.PAGE, 9 * Impl.PAGE, true));
  }
}
