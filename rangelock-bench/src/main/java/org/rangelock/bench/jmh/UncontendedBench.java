package org.rangelock.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/** One thread, one page, acquire + release (ns/op; run with {@code -prof gc} for B/op). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
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
