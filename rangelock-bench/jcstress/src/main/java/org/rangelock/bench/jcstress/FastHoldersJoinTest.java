package org.rangelock.bench.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.rangelock.LockSnapshot;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;
import org.rangelock.ReadWriteMode;

/**
 * Joins of a zone's set of fast holders (issue 11): several one-zone holds share a zone's word,
 * each granted by one CAS after checking itself against the holders it found. All ranges here lie
 * in one 64 KiB granule, so one zone.
 */
public class FastHoldersJoinTest {
  private static final Range SHARED_HELD = Range.of(0, 4096);
  private static final Range HOLD_FIRST = Range.of(8192, 12288);
  private static final Range X = Range.of(20480, 24576);
  private static final Range Y = Range.of(22528, 26624); // overlaps X

  /**
   * Two exclusive requests that conflict with each other but not with the zone's fast holder race
   * to join it: exactly one is granted (a tryAcquire fails only on a conflicting hold, so neither
   * may fail unless the other holds).
   */
  @JCStressTest
  @Description("two conflicting joiners of one zone's fast holders: exactly one gets in")
  @Outcome(id = "1, 0, 2", expect = Expect.ACCEPTABLE, desc = "the first actor joined")
  @Outcome(id = "0, 1, 2", expect = Expect.ACCEPTABLE, desc = "the second actor joined")
  @Outcome(expect = Expect.FORBIDDEN, desc = "both held (exclusion broken), or neither")
  public static class ConflictingJoiners {
    @State
    public static class S {
      final RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
      final RangeHandle<ReadWriteMode> held = lock.acquire(SHARED_HELD, ReadWriteMode.SHARED);
    }

    @Actor
    public void first(S s, III_Result r) {
      r.r1 = s.lock.tryAcquire(X, ReadWriteMode.EXCLUSIVE) != null ? 1 : 0;
    }

    @Actor
    public void second(S s, III_Result r) {
      r.r2 = s.lock.tryAcquire(Y, ReadWriteMode.EXCLUSIVE) != null ? 1 : 0;
    }

    @Arbiter
    public void arbiter(S s, III_Result r) {
      r.r3 = s.lock.holdCount();
    }
  }

  /**
   * The ABA a set rules out: a reused {@link RangeLock.Hold} in the set leaves it and comes back
   * with another range that conflicts with a racing joiner's. The joiner must never be granted
   * against the range the hold held before; exactly one of the two conflicting holds is granted.
   */
  @JCStressTest
  @Description("a Hold leaves the fast holders and rejoins on a range a racing joiner wants")
  @Outcome(id = "1, 0, 2", expect = Expect.ACCEPTABLE, desc = "the hold got back in first")
  @Outcome(id = "0, 1, 2", expect = Expect.ACCEPTABLE, desc = "the joiner got in first")
  @Outcome(expect = Expect.FORBIDDEN, desc = "both held (exclusion broken), or neither")
  public static class HoldRejoins {
    @State
    public static class S {
      final RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
      final RangeHandle<ReadWriteMode> held = lock.acquire(SHARED_HELD, ReadWriteMode.SHARED);
      final RangeLock.Hold<ReadWriteMode> hold = lock.newHold();

      {
        hold.acquire(HOLD_FIRST, ReadWriteMode.SHARED);
      }
    }

    @Actor
    public void hold(S s, III_Result r) {
      s.hold.release();
      r.r1 = s.hold.tryAcquire(X, ReadWriteMode.EXCLUSIVE) ? 1 : 0;
    }

    @Actor
    public void joiner(S s, III_Result r) {
      r.r2 = s.lock.tryAcquire(Y, ReadWriteMode.EXCLUSIVE) != null ? 1 : 0;
    }

    @Arbiter
    public void arbiter(S s, III_Result r) {
      r.r3 = s.lock.holdCount(); // the handle held from the start, and the winner
    }
  }

  /**
   * The ABA a lone request in the word allows: a {@link RangeLock.Hold} alone in its zone leaves
   * and comes back (the same request object) on a range that conflicts with a racing joiner's,
   * between the joiner's check of its old range and the joiner's CAS. A joiner therefore never
   * joins a lone Hold: exactly one of the two conflicting holds is granted.
   */
  @JCStressTest
  @Description("a lone Hold leaves the word and rejoins on a range a racing joiner wants")
  @Outcome(id = "1, 0, 1", expect = Expect.ACCEPTABLE, desc = "the hold got back in first")
  @Outcome(id = "0, 1, 1", expect = Expect.ACCEPTABLE, desc = "the joiner got in first")
  @Outcome(expect = Expect.FORBIDDEN, desc = "both held (exclusion broken), or neither")
  public static class LoneHoldRejoins {
    @State
    public static class S {
      final RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
      final RangeLock.Hold<ReadWriteMode> hold = lock.newHold();

      {
        hold.acquire(HOLD_FIRST, ReadWriteMode.SHARED);
      }
    }

    @Actor
    public void hold(S s, III_Result r) {
      s.hold.release();
      r.r1 = s.hold.tryAcquire(X, ReadWriteMode.EXCLUSIVE) ? 1 : 0;
    }

    @Actor
    public void joiner(S s, III_Result r) {
      r.r2 = s.lock.tryAcquire(Y, ReadWriteMode.EXCLUSIVE) != null ? 1 : 0;
    }

    @Arbiter
    public void arbiter(S s, III_Result r) {
      r.r3 = s.lock.holdCount(); // the winner
    }
  }

  /**
   * Two fast holders leave at once (two CASes on one set), and a conflicting request made right
   * after one of the leaves folds the other holder into the tree and waits for it: every close
   * succeeds (a fold racing a leave is not a double close), the waiter is granted, and the lock
   * ends empty. (Two actors: jcstress runs no test with more actors than the machine has CPUs.)
   */
  @JCStressTest
  @Description("two fast holders leaving at once, one of them racing a conflicting request's fold")
  @Outcome(id = "1, 1, 1", expect = Expect.ACCEPTABLE, desc = "closes ok, writer granted, empty")
  @Outcome(expect = Expect.FORBIDDEN, desc = "a close failed, or the lock did not end empty")
  public static class FoldRacesLeaves {
    @State
    public static class S {
      // The holds are made by whichever thread builds the state, maybe the writer's: they are
      // handed over, so self-deadlock detection (which would refuse the writer) is off.
      final RangeLock<ReadWriteMode> lock =
          RangeLock.builder(ModeTable.readWrite()).failOnSelfDeadlock(false).build();
      final RangeHandle<ReadWriteMode> a = lock.acquire(X, ReadWriteMode.SHARED);
      final RangeHandle<ReadWriteMode> b = lock.acquire(Y, ReadWriteMode.SHARED);
      final RangeHandle<ReadWriteMode> c = lock.acquire(SHARED_HELD, ReadWriteMode.SHARED);
    }

    @Actor
    public void closeA(S s, III_Result r) {
      r.r1 = close(s.a);
    }

    @Actor
    public void closeBThenWrite(S s, III_Result r) {
      r.r2 = close(s.b);
      // Conflicts with a (if still held), not with c: waits for a alone.
      s.lock.acquire(Range.of(16384, 32768), ReadWriteMode.EXCLUSIVE).close();
    }

    @Arbiter
    public void arbiter(S s, III_Result r) {
      s.c.close();
      RangeHandle<ReadWriteMode> all = s.lock.tryAcquire(Range.all(), ReadWriteMode.EXCLUSIVE);
      r.r3 = all != null && s.lock.holdCount() == 1 && s.lock.waitingCount() == 0 ? 1 : 0;
      if (all != null) {
        all.close();
      }
    }

    private static int close(RangeHandle<ReadWriteMode> h) {
      try {
        h.close();
        return 1;
      } catch (RuntimeException e) {
        return 0;
      }
    }
  }

  // Multi-zone fast holders: pages 14..17 lie across the first two 64 KiB granules (two zones).
  private static final Range ACROSS = Range.of(14 * 4096, 18 * 4096);
  private static final Range ACROSS_TOO = Range.of(15 * 4096, 17 * 4096); // overlaps in both

  /**
   * Two requests of two zones that conflict in both race to join both words: exactly one is
   * granted. A joiner refused in its second zone backs out of its first, taking out the piece a
   * racing fold made of it there, and tries the slow path.
   */
  @JCStressTest
  @Description("two conflicting two-zone joiners: exactly one gets in")
  @Outcome(id = "1, 0, 1", expect = Expect.ACCEPTABLE, desc = "the first actor got in")
  @Outcome(id = "0, 1, 1", expect = Expect.ACCEPTABLE, desc = "the second actor got in")
  @Outcome(expect = Expect.FORBIDDEN, desc = "both held (exclusion broken), neither, or a leak")
  public static class ConflictingMultiZoneJoiners {
    @State
    public static class S {
      final RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    }

    @Actor
    public void first(S s, III_Result r) {
      r.r1 = s.lock.tryAcquire(ACROSS, ReadWriteMode.EXCLUSIVE) != null ? 1 : 0;
    }

    @Actor
    public void second(S s, III_Result r) {
      r.r2 = s.lock.tryAcquire(ACROSS_TOO, ReadWriteMode.EXCLUSIVE) != null ? 1 : 0;
    }

    @Arbiter
    public void arbiter(S s, III_Result r) {
      r.r3 = s.lock.holdCount() == 1 && s.lock.snapshot().held().size() == 1 ? 1 : 0;
    }
  }

  /**
   * A two-zone fast holder is released while a conflicting request in its second zone folds it
   * there (a piece) and waits, and while a snapshot folds both zones: every close succeeds, the
   * waiter is granted, a snapshot never shows the holder twice or as waiting, and the lock ends
   * empty.
   */
  @JCStressTest
  @Description("a two-zone fast holder's release racing a fold of one of its zones")
  @Outcome(id = "1, 0, 1", expect = Expect.ACCEPTABLE, desc = "snapshot after the release")
  @Outcome(id = "1, 1, 1", expect = Expect.ACCEPTABLE, desc = "snapshot saw the holder once")
  @Outcome(expect = Expect.FORBIDDEN, desc = "a failed close, a double or waiting hold, a leak")
  public static class MultiZoneReleaseRacesFold {
    @State
    public static class S {
      // Handed over: the holder may have been made by the writer's thread.
      final RangeLock<ReadWriteMode> lock =
          RangeLock.builder(ModeTable.readWrite()).failOnSelfDeadlock(false).build();
      final RangeHandle<ReadWriteMode> across = lock.acquire(ACROSS, ReadWriteMode.SHARED);
    }

    @Actor
    public void release(S s, III_Result r) {
      try {
        s.across.close();
        r.r1 = 1;
      } catch (RuntimeException e) {
        r.r1 = 0;
      }
    }

    @Actor
    public void writerAndSnapshot(S s, III_Result r) {
      LockSnapshot<ReadWriteMode> snap = s.lock.snapshot();
      boolean ok = snap.waiting().isEmpty() && snap.held().size() <= 1;
      r.r2 = ok ? snap.held().size() : -1;
      // Conflicts with the holder in its second zone only (page 16).
      s.lock.acquire(Range.of(16 * 4096, 17 * 4096), ReadWriteMode.EXCLUSIVE).close();
    }

    @Arbiter
    public void arbiter(S s, III_Result r) {
      RangeHandle<ReadWriteMode> all = s.lock.tryAcquire(Range.all(), ReadWriteMode.EXCLUSIVE);
      r.r3 = all != null && s.lock.holdCount() == 1 && s.lock.waitingCount() == 0 ? 1 : 0;
      if (all != null) {
        all.close();
      }
    }
  }
}
