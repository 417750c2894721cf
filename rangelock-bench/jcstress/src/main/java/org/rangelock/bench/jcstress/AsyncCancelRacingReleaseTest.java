package org.rangelock.bench.jcstress;

import java.util.concurrent.CompletableFuture;
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
 * Cancelling an {@code acquireAsync} future while the hold it waits for is released leaves no hold
 * behind: if the cancel won, nothing is held; if the grant won, the future has the handle, which is
 * closed. A third actor waits behind, blocking, on the same range in a mode that conflicts with the
 * async request, so a leaked or half-withdrawn request would also keep it from being granted (it
 * uses {@code tryAcquire}, so the test cannot hang). The arbiter checks the lock is empty.
 */
@JCStressTest
@Description("acquireAsync cancel racing a release leaves no hold behind")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "Cancelled before the grant; empty")
@Outcome(id = "0, 1", expect = Expect.ACCEPTABLE, desc = "Granted first, closed; empty")
@Outcome(expect = Expect.FORBIDDEN, desc = "A hold leaked, or the future is in a bad state")
public class AsyncCancelRacingReleaseTest {
  @State
  public static class S extends Pairs.HeldInvalidate {}

  @Actor
  public void releaser(S s) {
    s.held.close();
  }

  @Actor
  public void canceller(S s, II_Result r) {
    CompletableFuture<RangeHandle<MappingMode>> f =
        s.lock.acquireAsync(Range.of(4096, 12288), MappingMode.FAULT);
    boolean cancelled = f.cancel(false);
    if (cancelled) {
      r.r1 = f.isCancelled() ? 1 : 2;
    } else {
      RangeHandle<MappingMode> h = f.getNow(null);
      r.r1 = h != null && h.isHeld() ? 0 : 3;
      if (h != null) {
        h.close();
      }
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
