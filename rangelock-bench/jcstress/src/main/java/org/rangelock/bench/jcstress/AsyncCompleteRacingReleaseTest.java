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
 * Completing an {@code acquireAsync} future with {@code complete(null)} while the hold it waits for
 * is released (issue 10): if the completion won, a dependent stage registered before it runs on a
 * lock where the request is already withdrawn (nothing is waiting) and nothing is left; if the
 * grant won, {@code complete} returns false and the future already has the hold, which is closed.
 * The arbiter checks the lock is empty.
 */
@JCStressTest
@Description("acquireAsync complete(null) racing a release: withdrawn before dependents, no leak")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "Completed first, withdrawn; empty")
@Outcome(id = "0, 1", expect = Expect.ACCEPTABLE, desc = "Granted first, closed; empty")
@Outcome(
    expect = Expect.FORBIDDEN,
    desc = "A dependent saw the request queued, a hold leaked, or the future was in a bad state")
public class AsyncCompleteRacingReleaseTest {
  @State
  public static class S extends Pairs.HeldInvalidate {}

  @Actor
  public void releaser(S s) {
    s.held.close();
  }

  @Actor
  public void completer(S s, II_Result r) {
    CompletableFuture<RangeHandle<MappingMode>> f =
        s.lock.acquireAsync(Range.of(4096, 12288), MappingMode.FAULT);
    int[] seen = {-1};
    f.whenComplete(
        (h, ex) -> {
          if (h == null) {
            seen[0] = s.lock.waitingCount(); // runs inside complete(), in this thread
          }
        });
    if (f.complete(null)) {
      r.r1 = seen[0] == 0 && f.getNow(null) == null ? 1 : 2;
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
