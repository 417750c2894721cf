package org.rangelock.bench.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;

/**
 * Downgrade {@code INVALIDATE} to {@code FAULT} never releases the range: a racing {@code WRITE}
 * (incompatible with both) is refused before and after; a racing {@code FAULT} is refused before
 * and granted after, and then sees what was written under the {@code INVALIDATE} hold. The arbiter
 * closes everything and checks the lock is empty.
 */
@JCStressTest
@Description("Downgrade INVALIDATE -> FAULT: never released, grants FAULT with happens-before")
@Outcome(
    id = "0, -1, 1, 1",
    expect = Expect.ACCEPTABLE,
    desc = "FAULT tried before the downgrade: refused")
@Outcome(
    id = "0, 1, 1, 1",
    expect = Expect.ACCEPTABLE,
    desc = "FAULT tried after the downgrade: granted, write seen")
@Outcome(id = "1, .*", expect = Expect.FORBIDDEN, desc = "WRITE granted: the range was released")
@Outcome(id = "0, 0, .*", expect = Expect.FORBIDDEN, desc = "FAULT granted without the write")
@Outcome(expect = Expect.FORBIDDEN, desc = "Bad mode after downgrade, or a hold leaked")
public class DowngradeTest {
  @State
  public static class S {
    final RangeLock<MappingMode> lock =
        RangeLock.builder(ModeTable.mapping()).failOnSelfDeadlock(false).build();
    final RangeHandle<MappingMode> held = lock.acquire(Range.of(0, 8192), MappingMode.INVALIDATE);
    int data;
    RangeHandle<MappingMode> fault;
  }

  @Actor
  public void downgrader(S s) {
    s.data = 1;
    s.held.downgrade(MappingMode.FAULT);
  }

  @Actor
  public void other(S s, IIII_Result r) {
    RangeHandle<MappingMode> w = s.lock.tryAcquire(Range.of(4096, 12288), MappingMode.WRITE);
    r.r1 = w != null ? 1 : 0;
    if (w != null) {
      w.close();
    }
    RangeHandle<MappingMode> f = s.lock.tryAcquire(Range.of(4096, 12288), MappingMode.FAULT);
    r.r2 = f != null ? s.data : -1;
    s.fault = f;
  }

  @Arbiter
  public void arbiter(S s, IIII_Result r) {
    r.r3 = s.held.mode() == MappingMode.FAULT ? 1 : 0;
    s.held.close();
    if (s.fault != null) {
      s.fault.close();
    }
    RangeHandle<MappingMode> all = s.lock.tryAcquire(Range.all(), MappingMode.INVALIDATE);
    r.r4 = all != null ? 1 : 0;
    if (all != null) {
      all.close();
    }
  }
}
