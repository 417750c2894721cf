package org.rangelock.bench.jmh;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/** A per-thread xorshift generator (cheap, allocation-free) and the thread's index. */
@State(Scope.Thread)
public class Rnd {
  private long x;
  public int index;

  @Setup
  public void setup(ThreadParams tp) {
    index = tp.getThreadIndex();
    x = 0x9E3779B97F4A7C15L * (index + 1) ^ System.nanoTime();
    if (x == 0) {
      x = 1;
    }
  }

  /** Uniform in [0, n). */
  public int next(int n) {
    long v = x;
    v ^= v << 13;
    v ^= v >>> 7;
    v ^= v << 17;
    x = v;
    return (int) ((v >>> 33) % n);
  }
}
