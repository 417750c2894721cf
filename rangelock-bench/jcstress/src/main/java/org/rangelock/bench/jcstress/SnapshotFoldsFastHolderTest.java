package org.rangelock.bench.jcstress;

import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.rangelock.LockSnapshot;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;
import org.rangelock.ReadWriteMode;

/**
 * A snapshot folds fast holders into their zone's tree while their owner releases them and takes
 * the zone again, through a handle and then through a reused {@link RangeLock.Hold} (same request
 * object, another range and mode: the fold's ABA case). Since handles are 32 bytes, the owner's
 * name lives in the request's one {@code tail} field until the fold moves it into the tree entry;
 * the snapshot must show each hold it sees with its owner's name and its own range and mode, the
 * closes must all succeed (a fold racing a fast release must not look like a double close), and the
 * lock must end empty.
 */
@JCStressTest
@Description("snapshot() folding fast holders (handle, then a reused Hold) racing their releases")
@Outcome(id = "0, 1, 1, 1", expect = Expect.ACCEPTABLE, desc = "snapshot between the holds")
@Outcome(id = "1, 1, 1, 1", expect = Expect.ACCEPTABLE, desc = "snapshot saw one hold, right")
@Outcome(expect = Expect.FORBIDDEN, desc = "wrong name/range/mode, a failed close, or a leak")
public class SnapshotFoldsFastHolderTest {
  private static final Range A = Range.of(0, 4096);
  private static final Range B = Range.of(8192, 12288); // the same 64 KiB granule: the same zone

  @State
  public static class S {
    final RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    final RangeLock.Hold<ReadWriteMode> hold = lock.newHold();
    String ownerName; // written before the first acquire, so a snapshot that sees a hold sees it
  }

  @Actor
  public void owner(S s, IIII_Result r) {
    s.ownerName = Thread.currentThread().getName();
    try {
      RangeHandle<ReadWriteMode> h = s.lock.acquire(A, ReadWriteMode.SHARED);
      h.close();
      s.hold.acquire(A, ReadWriteMode.SHARED);
      s.hold.release();
      s.hold.acquire(B, ReadWriteMode.EXCLUSIVE);
      s.hold.release();
      r.r3 = 1;
    } catch (RuntimeException e) {
      r.r3 = 0;
    }
  }

  @Actor
  public void observer(S s, IIII_Result r) {
    LockSnapshot<ReadWriteMode> snap = s.lock.snapshot();
    List<LockSnapshot.Entry<ReadWriteMode>> held = snap.held();
    r.r1 = held.size();
    boolean ok = snap.waiting().isEmpty();
    for (LockSnapshot.Entry<ReadWriteMode> e : held) {
      ok &= e.ownerName().equals(s.ownerName);
      ok &=
          (e.range().equals(A) && e.mode() == ReadWriteMode.SHARED)
              || (e.range().equals(B) && e.mode() == ReadWriteMode.EXCLUSIVE);
    }
    r.r2 = ok ? 1 : 0;
  }

  @Arbiter
  public void arbiter(S s, IIII_Result r) {
    RangeHandle<ReadWriteMode> all = s.lock.tryAcquire(Range.all(), ReadWriteMode.EXCLUSIVE);
    r.r4 = all != null && s.lock.holdCount() == 1 ? 1 : 0;
    if (all != null) {
      all.close();
    }
  }
}
