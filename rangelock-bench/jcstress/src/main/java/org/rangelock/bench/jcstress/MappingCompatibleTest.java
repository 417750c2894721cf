package org.rangelock.bench.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;

/**
 * Every compatible pair of the mapping table is granted concurrently: with nothing else held, both
 * actors' {@code tryAcquire} on overlapping ranges succeed, however they race. The arbiter closes
 * both holds (hence {@code failOnSelfDeadlock(false)}: handles change threads) and checks that the
 * lock is empty.
 */
@JCStressTest
@Description("Compatible mapping-mode pairs on overlapping ranges are granted together")
@Outcome(
    id = "1, 1, 1",
    expect = Expect.ACCEPTABLE,
    desc = "Both granted at once; lock empty after")
@Outcome(expect = Expect.FORBIDDEN, desc = "A compatible request was refused, or a hold leaked")
public class MappingCompatibleTest {
  private static final Pairs.Cycle CYCLE = new Pairs.Cycle(Pairs.COMPATIBLE);

  @State
  public static class S {
    final RangeLock<MappingMode> lock =
        RangeLock.builder(ModeTable.mapping()).failOnSelfDeadlock(false).build();
    final MappingMode[] mode = new MappingMode[2];
    final Range[] range = new Range[2];
    RangeHandle<MappingMode> h1;
    RangeHandle<MappingMode> h2;

    public S() {
      CYCLE.take(mode, range);
    }
  }

  @Actor
  public void actor1(S s) {
    s.h1 = s.lock.tryAcquire(s.range[0], s.mode[0]);
  }

  @Actor
  public void actor2(S s) {
    s.h2 = s.lock.tryAcquire(s.range[1], s.mode[1]);
  }

  @Arbiter
  public void arbiter(S s, III_Result r) {
    r.r1 = s.h1 != null ? 1 : 0;
    r.r2 = s.h2 != null ? 1 : 0;
    if (s.h1 != null) {
      s.h1.close();
    }
    if (s.h2 != null) {
      s.h2.close();
    }
    RangeHandle<MappingMode> all = s.lock.tryAcquire(Range.all(), MappingMode.INVALIDATE);
    r.r3 = all != null ? 1 : 0;
    if (all != null) {
      all.close();
    }
  }
}
