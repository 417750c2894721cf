package org.rangelock.bench.jmh;

import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.rangelock.bench.reference.RangeExclusion;
import org.rangelock.bench.reference.RangeExclusions;

/** The lock under test, by registry name: one {@code @Param} so that all run side by side. */
@State(Scope.Benchmark)
public class Impl {
  /** Bytes per page: every workload is phrased in pages of a file. */
  public static final long PAGE = 4096;

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

  public RangeExclusion lock;

  @Setup
  public void setup() {
    lock = RangeExclusions.of(impl);
  }
}
