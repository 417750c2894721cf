package org.rangelock.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.infra.Blackhole;
import org.rangelock.MappingMode;

/**
 * The direct/buffered mix on 1 to 16 random pages of a 1024-page file: half buffered reads (READ,
 * or shared), a quarter buffered writes (WRITE, or shared: READ and WRITE are compatible), a
 * quarter direct IO (DIRECT, or exclusive: DIRECT excludes buffered IO; two DIRECTs are compatible
 * in the mapping table, not in a reader/writer lock). Ops/us of all threads.
 *
 * <p>Not the same work for every implementation: only {@code rangelock-mapping} lets two
 * overlapping direct IOs run together (DIRECT is compatible with itself in the mapping table);
 * every other implementation, {@code rangelock-rw} included, takes a direct IO exclusive, so
 * overlapping direct IOs serialize there. A report row of this benchmark must say so.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// Every fork on a fixed, pre-touched heap: a growing heap charges page first-touch to whoever
// allocates (issue 11), so allocation-free locks would win rows they should not.
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class DirectBufferedMixBench {
  static final int FILE_PAGES = 1024;

  @Benchmark
  public void mix(Impl s, Rnd t) {
    int len = 1 + t.next(16);
    long p = t.next(FILE_PAGES - len + 1);
    int kind = t.next(4);
    MappingMode mode =
        kind < 2 ? MappingMode.READ : kind == 2 ? MappingMode.WRITE : MappingMode.DIRECT;
    Object h = s.lock.lock(p * Impl.PAGE, (p + len) * Impl.PAGE, mode, kind < 3);
    Blackhole.consumeCPU(20); // copy
    s.lock.unlock(h);
  }
}
