package org.rangelock.bench.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;

/**
 * Release happens-before the conflicting acquire that follows it: the writer side writes two plain
 * fields under its hold; the reader side, under an incompatible hold on an overlapping range, reads
 * them in the opposite order. It sees both writes or neither, never one (for every incompatible
 * pair and shape, either side first).
 */
@JCStressTest
@Description("Writes under a hold are visible, all of them, to the next conflicting hold")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "Reader held first")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "Writer held first; all writes seen")
@Outcome(expect = Expect.FORBIDDEN, desc = "Torn: overlap or missing happens-before")
public class ReleaseAcquireVisibilityTest {
  private static final Pairs.Cycle CYCLE = new Pairs.Cycle(Pairs.INCOMPATIBLE);

  @State
  public static class S {
    final RangeLock<MappingMode> lock = RangeLock.create(ModeTable.mapping());
    final MappingMode[] mode = new MappingMode[2];
    final Range[] range = new Range[2];
    int a;
    int b;

    public S() {
      CYCLE.take(mode, range);
    }

    RangeHandle<MappingMode> take(int side) {
      RangeHandle<MappingMode> h = lock.tryAcquire(range[side], mode[side]);
      return h != null ? h : lock.acquire(range[side], mode[side]);
    }
  }

  @Actor
  public void writer(S s) {
    try (RangeHandle<MappingMode> h = s.take(0)) {
      s.a = 1;
      s.b = 1;
    }
  }

  @Actor
  public void reader(S s, II_Result r) {
    try (RangeHandle<MappingMode> h = s.take(1)) {
      r.r1 = s.b;
      r.r2 = s.a;
    }
  }
}
