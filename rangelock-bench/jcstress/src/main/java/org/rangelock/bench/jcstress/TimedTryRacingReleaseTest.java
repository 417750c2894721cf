package org.rangelock.bench.jcstress;

import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.rangelock.MappingMode;
import org.rangelock.Range;
import org.rangelock.RangeHandle;

/**
 * A timed {@code tryAcquire} whose timeout races the release of the hold it waits for leaves no
 * hold behind: either it got the range (and closes it) or it timed out and left no trace. The
 * arbiter checks the lock is empty with {@code tryAcquire(Range.all(), INVALIDATE)}. The timeout is
 * a few microseconds so that both outcomes happen.
 */
@JCStressTest
@Description("Timed tryAcquire racing a release leaves no hold behind")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "Granted before the timeout; lock empty")
@Outcome(id = "0, 1", expect = Expect.ACCEPTABLE, desc = "Timed out; lock empty")
@Outcome(id = ".*, 0", expect = Expect.FORBIDDEN, desc = "A hold leaked")
@Outcome(expect = Expect.FORBIDDEN, desc = "Other")
public class TimedTryRacingReleaseTest {
  private static final Duration TIMEOUT = Duration.ofNanos(5_000);

  @State
  public static class S extends Pairs.HeldInvalidate {}

  @Actor
  public void releaser(S s) {
    s.held.close();
  }

  @Actor
  public void waiter(S s, II_Result r) {
    RangeHandle<MappingMode> h;
    try {
      h = s.lock.tryAcquire(Range.of(4096, 12288), MappingMode.FAULT, TIMEOUT);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    r.r1 = h != null ? 1 : 0;
    if (h != null) {
      h.close();
    }
  }

  @Arbiter
  public void arbiter(S s, II_Result r) {
    RangeHandle<MappingMode> all = s.lock.tryAcquire(Range.all(), MappingMode.INVALIDATE);
    r.r2 = all != null ? 1 : 0;
    if (all != null) {
      all.close();
    }
  }
}
