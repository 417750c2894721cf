package org.rangelock.bench.jcstress;

import java.util.concurrent.atomic.AtomicInteger;
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
 * Every incompatible pair of the mapping table excludes: two actors on overlapping ranges each do
 * an unsynchronized read-increment-write of one counter under the lock, with an occupancy count and
 * a short spin in between; a lost update, or an occupancy of two, means both held at once. Each
 * takes the range with {@code tryAcquire}, falling back to {@code acquire} (the other actor always
 * releases, so the test cannot hang). The arbiter also checks that nothing is left held.
 */
@JCStressTest
@Description("Incompatible mapping-mode pairs on overlapping ranges exclude each other")
@Outcome(id = "2, 0, 1", expect = Expect.ACCEPTABLE, desc = "One at a time; lock empty after")
@Outcome(id = "1, .*", expect = Expect.FORBIDDEN, desc = "Lost update: both held at once")
@Outcome(id = "2, 1, .*", expect = Expect.FORBIDDEN, desc = "Both inside at once")
@Outcome(expect = Expect.FORBIDDEN, desc = "Something left held, or other")
public class MappingExclusionTest {
  private static final Pairs.Cycle CYCLE = new Pairs.Cycle(Pairs.INCOMPATIBLE);

  @State
  public static class S {
    final RangeLock<MappingMode> lock = RangeLock.create(ModeTable.mapping());
    final MappingMode[] mode = new MappingMode[2];
    final Range[] range = new Range[2];
    int counter;
    final AtomicInteger inside = new AtomicInteger();
    volatile int overlapped;

    public S() {
      CYCLE.take(mode, range);
    }

    void bump(int side) {
      RangeHandle<MappingMode> h = lock.tryAcquire(range[side], mode[side]);
      if (h == null) {
        h = lock.acquire(range[side], mode[side]);
      }
      try {
        int v = counter;
        if (inside.incrementAndGet() != 1) {
          overlapped = 1;
        }
        for (int i = 0; i < 32; i++) {
          Thread.onSpinWait(); // widen the window a broken lock would let both into
        }
        inside.decrementAndGet();
        counter = v + 1;
      } finally {
        h.close();
      }
    }
  }

  @Actor
  public void actor1(S s) {
    s.bump(0);
  }

  @Actor
  public void actor2(S s) {
    s.bump(1);
  }

  @Arbiter
  public void arbiter(S s, III_Result r) {
    r.r1 = s.counter;
    RangeHandle<MappingMode> all = s.lock.tryAcquire(Range.all(), MappingMode.INVALIDATE);
    r.r2 = s.overlapped;
    r.r3 = all != null ? 1 : 0;
    if (all != null) {
      all.close();
    }
  }
}
