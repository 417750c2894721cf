package org.rangelock.bench.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.rangelock.bench.reference.RangeExclusion;
import org.rangelock.bench.reference.RangeExclusions;

/**
 * Acquire + release one page while {@code held} other pages are held (shared, on the even pages, by
 * another thread), the measured page being a random odd page among them (ns/op, one thread). Range
 * locks take it exclusive; the whole-file locks can only take it shared (an exclusive hold would
 * wait for the others forever), so for them this measures a shared acquire while other readers are
 * in. The holds are taken by a separate setup thread, never by the measuring thread: with the
 * measuring thread as holder, {@code ReentrantReadWriteLock} measured a reentrant read (its
 * per-thread hold count path), not a reader joining other readers (issue 11).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
// Every fork on a fixed, pre-touched heap: a growing heap charges page first-touch to whoever
// allocates (issue 11), so allocation-free locks would win rows they should not.
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class HeldBench {
  @Param({
    "rangelock-rw",
    "rangelock-mapping",
    "rwlock",
    "stamped",
    "tree-mutex",
    "kogan-list",
    "kogan-list-spin"
  })
  public String impl;

  @Param({"1", "100", "10000"})
  public int held;

  private RangeExclusion lock;
  private boolean sharedOnly;
  private final List<Object> tokens = new ArrayList<>();

  @Setup
  public void setup() throws InterruptedException {
    lock = RangeExclusions.of(impl);
    sharedOnly = !lock.rangeAware();
    Thread holder =
        new Thread(
            () -> {
              for (int i = 0; i < held; i++) {
                long p = 2L * i;
                tokens.add(lock.lock(p * Impl.PAGE, (p + 1) * Impl.PAGE, true));
              }
            },
            "held-bench-holder");
    holder.start();
    holder.join(); // join: the tokens and the lock's state are visible to the measuring thread
    if (tokens.size() != held) {
      throw new IllegalStateException("holder took " + tokens.size() + " of " + held + " holds");
    }
    // Held until the JVM exits: a trial builds a new lock, and a ReentrantReadWriteLock's read
    // holds may only be released by the thread that took them (which has ended).
  }

  @Benchmark
  public void held(Rnd t) {
    long p = 2L * t.next(held) + 1;
    lock.unlock(lock.lock(p * Impl.PAGE, (p + 1) * Impl.PAGE, sharedOnly));
  }
}
