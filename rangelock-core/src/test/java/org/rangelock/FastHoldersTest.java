package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The zone word's set of fast holders (issue 11): compatible one-zone holds share a zone without
 * its mutex or tree, and everything that conflicts with them, or looks at them, folds them into the
 * tree first, so the lock's promises hold as for tree requests. Every range here lies in the first
 * 64 KiB granule (one zone) unless it says otherwise.
 */
class FastHoldersTest {
  private static final long PAGE = 4096;

  private static Range page(long i) {
    return Range.ofLength(i * PAGE, PAGE);
  }

  private static RangeLock<ReadWriteMode> rw() {
    return RangeLock.create(ModeTable.readWrite());
  }

  @Test
  void compatibleHoldsOfOneZoneShareItsWord() throws Exception {
    RangeLock<ReadWriteMode> lock = rw();
    RangeHandle<ReadWriteMode> a = lock.acquire(page(0), ReadWriteMode.SHARED);
    assertSame(a, lock.zoneWord(0), "a lone holder is the word itself");
    RangeHandle<ReadWriteMode> b = lock.acquire(page(0), ReadWriteMode.SHARED); // overlapping
    RangeHandle<ReadWriteMode> c = lock.acquire(page(3), ReadWriteMode.EXCLUSIVE); // disjoint
    Object w = lock.zoneWord(0);
    assertInstanceOf(RangeLock.FastHolders.class, w, "three compatible holds share the word");
    assertEquals(3, ((RangeLock.FastHolders) w).members.length);
    assertEquals(3, lock.holdCount());
    b.close();
    assertEquals(2, ((RangeLock.FastHolders) lock.zoneWord(0)).members.length);
    a.close();
    assertSame(c, lock.zoneWord(0), "down to one holder, the word is that request again");
    c.close();
    assertNull(lock.zoneWord(0));
    assertEquals(0, lock.holdCount());
    FaultTest.assertInternalsEmpty(lock);
  }

  @Test
  void aConflictingRequestFoldsTheHoldersAndWaitsForExactlyTheOnesItConflictsWith()
      throws Exception {
    RangeLock<ReadWriteMode> lock = rw();
    RangeHandle<ReadWriteMode> r0 = lock.acquire(page(0), ReadWriteMode.SHARED);
    RangeHandle<ReadWriteMode> r1 = lock.acquire(page(1), ReadWriteMode.SHARED);
    RangeHandle<ReadWriteMode> r5 = lock.acquire(page(5), ReadWriteMode.SHARED);
    CompletableFuture<RangeHandle<ReadWriteMode>> writer =
        lock.acquireAsync(Range.of(0, 2 * PAGE), ReadWriteMode.EXCLUSIVE);
    assertFalse(writer.isDone(), "pages 0 and 1 are held shared");
    assertSame(RangeLock.TREE_MODE, lock.zoneWord(0), "the holders were folded into the tree");
    LockSnapshot<ReadWriteMode> snap = lock.snapshot();
    assertEquals(3, snap.held().size());
    assertEquals(1, snap.waiting().size());
    // FIFO: a later shared request of page 1 conflicts with the waiting writer and waits behind
    // it; one of page 7 conflicts with nothing and is granted at once.
    assertNull(lock.tryAcquire(page(1), ReadWriteMode.SHARED));
    RangeHandle<ReadWriteMode> r7 = lock.tryAcquire(page(7), ReadWriteMode.EXCLUSIVE);
    assertNotNull(r7, "nothing conflicts with page 7");
    r0.close();
    assertFalse(writer.isDone(), "page 1 is still held");
    r5.close(); // not one the writer waits for
    assertFalse(writer.isDone());
    r1.close();
    RangeHandle<ReadWriteMode> w = writer.get(10, TimeUnit.SECONDS);
    w.close();
    r7.close();
    assertEquals(0, lock.holdCount());
    FaultTest.assertInternalsEmpty(lock);
  }

  @Test
  void aSetIsFullAtItsLimitAndTheRestGoThroughTheTree() throws Exception {
    RangeLock<ReadWriteMode> lock = rw();
    List<RangeHandle<ReadWriteMode>> held = new ArrayList<>();
    for (int i = 0; i < RangeLock.MAX_FAST_HOLDERS; i++) {
      held.add(lock.acquire(page(i), ReadWriteMode.EXCLUSIVE));
    }
    assertEquals(
        RangeLock.MAX_FAST_HOLDERS, ((RangeLock.FastHolders) lock.zoneWord(0)).members.length);
    held.add(lock.acquire(page(RangeLock.MAX_FAST_HOLDERS), ReadWriteMode.EXCLUSIVE));
    assertSame(RangeLock.TREE_MODE, lock.zoneWord(0));
    assertEquals(RangeLock.MAX_FAST_HOLDERS + 1, lock.holdCount());
    assertEquals(RangeLock.MAX_FAST_HOLDERS + 1, lock.snapshot().held().size());
    for (RangeHandle<ReadWriteMode> h : held) {
      h.close();
    }
    assertNull(lock.zoneWord(0), "an empty tree re-opens the fast path");
    FaultTest.assertInternalsEmpty(lock);
  }

  @Test
  void aThreadThatWouldWaitForItsOwnFastHoldIsTold() {
    RangeLock<ReadWriteMode> lock = rw();
    RangeHandle<ReadWriteMode> other = lock.acquire(page(2), ReadWriteMode.SHARED);
    RangeHandle<ReadWriteMode> mine = lock.acquire(page(0), ReadWriteMode.SHARED);
    assertInstanceOf(RangeLock.FastHolders.class, lock.zoneWord(0));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> lock.acquire(Range.of(0, 2 * PAGE), ReadWriteMode.EXCLUSIVE));
    assertTrue(e.getMessage().contains(page(0).toString()), e.getMessage());
    assertEquals(2, lock.holdCount(), "the refused request left nothing behind");
    assertEquals(0, lock.waitingCount());
    mine.close();
    other.close();
  }

  @Test
  void closingAFastHolderTwiceIsReportedAndChangesNothing() throws Exception {
    RangeLock<ReadWriteMode> lock = rw();
    RangeHandle<ReadWriteMode> a = lock.acquire(page(0), ReadWriteMode.SHARED);
    RangeHandle<ReadWriteMode> b = lock.acquire(page(1), ReadWriteMode.SHARED);
    RangeHandle<ReadWriteMode> c = lock.acquire(page(2), ReadWriteMode.SHARED);
    b.close();
    assertThrows(IllegalStateException.class, b::close);
    assertEquals(2, lock.holdCount());
    a.close();
    c.close();
    FaultTest.assertInternalsEmpty(lock);
  }

  @Test
  void aFastHolderDowngradesThroughTheTree() throws Exception {
    RangeLock<MappingMode> lock = RangeLock.create(ModeTable.mapping());
    RangeHandle<MappingMode> fault = lock.acquire(page(0), MappingMode.FAULT);
    RangeHandle<MappingMode> punch = lock.acquire(page(3), MappingMode.INVALIDATE);
    assertInstanceOf(RangeLock.FastHolders.class, lock.zoneWord(0));
    CompletableFuture<RangeHandle<MappingMode>> reader =
        lock.acquireAsync(page(3), MappingMode.READ);
    assertFalse(reader.isDone());
    punch.downgrade(MappingMode.WRITE); // WRITE and READ share in the mapping table
    RangeHandle<MappingMode> r = reader.get(10, TimeUnit.SECONDS);
    r.close();
    punch.close();
    fault.close();
    FaultTest.assertInternalsEmpty(lock);
  }

  @Test
  void aHoldAloneInTheWordIsNotJoinedButStillShares() throws Exception {
    RangeLock<ReadWriteMode> lock = rw();
    RangeLock.Hold<ReadWriteMode> hold = lock.newHold();
    hold.acquire(page(0), ReadWriteMode.SHARED);
    // A Hold's request may leave and come back with another range between a joiner's check and
    // its CAS, so a joiner takes the tree instead; the request is still granted at once.
    RangeHandle<ReadWriteMode> h = lock.tryAcquire(page(0), ReadWriteMode.SHARED);
    assertNotNull(h);
    assertSame(RangeLock.TREE_MODE, lock.zoneWord(0));
    h.close();
    hold.release();
    assertNull(lock.zoneWord(0));
    // A Hold may join a set, and a set may hold one.
    RangeHandle<ReadWriteMode> first = lock.acquire(page(1), ReadWriteMode.SHARED);
    hold.acquire(page(2), ReadWriteMode.EXCLUSIVE);
    assertInstanceOf(RangeLock.FastHolders.class, lock.zoneWord(0));
    hold.release();
    first.close();
    FaultTest.assertInternalsEmpty(lock);
  }

  // Multi-zone fast holders. The default granule is 64 KiB: pages 14..17 lie across the first two
  // granules, so two zones; page 15 is in the first, page 16 in the second.

  private static final Range ACROSS = Range.of(14 * PAGE, 18 * PAGE);

  @Test
  void aRequestOfTwoZonesJoinsBothWords() throws Exception {
    RangeLock<ReadWriteMode> lock = rw();
    RangeHandle<ReadWriteMode> a = lock.acquire(ACROSS, ReadWriteMode.SHARED);
    assertSame(a, lock.zoneWord(15 * PAGE));
    assertSame(a, lock.zoneWord(16 * PAGE));
    RangeHandle<ReadWriteMode> b = lock.acquire(ACROSS, ReadWriteMode.SHARED);
    assertInstanceOf(RangeLock.FastHolders.class, lock.zoneWord(15 * PAGE));
    assertInstanceOf(RangeLock.FastHolders.class, lock.zoneWord(16 * PAGE));
    assertEquals(2, lock.holdCount(), "each multi-zone holder counted once");
    assertEquals(2, lock.snapshot().held().size(), "and listed once");
    assertEquals(2, lock.holdCount(), "after the snapshot folded them into pieces");
    a.close();
    b.close();
    assertEquals(0, lock.holdCount());
    FaultTest.assertInternalsEmpty(lock);
  }

  @Test
  void aConflictInOneZoneFoldsAPieceAndTheReleaseTakesEveryPieceOut() throws Exception {
    RangeLock<ReadWriteMode> lock = rw();
    RangeHandle<ReadWriteMode> across = lock.acquire(ACROSS, ReadWriteMode.SHARED);
    // Conflicts in the second zone only: folds that zone's membership into a piece and waits.
    CompletableFuture<RangeHandle<ReadWriteMode>> writer =
        lock.acquireAsync(page(17), ReadWriteMode.EXCLUSIVE);
    assertFalse(writer.isDone());
    assertSame(RangeLock.TREE_MODE, lock.zoneWord(16 * PAGE));
    assertSame(across, lock.zoneWord(15 * PAGE), "still fast in the first zone");
    assertEquals(1, lock.holdCount());
    assertEquals(1, lock.snapshot().held().size());
    assertEquals(1, lock.snapshot().waiting().size());
    // A later request of the first zone that conflicts with the holder is refused (FIFO is not
    // in question: nothing waits there), one that does not is granted.
    assertNull(lock.tryAcquire(page(15), ReadWriteMode.EXCLUSIVE));
    RangeHandle<ReadWriteMode> other = lock.tryAcquire(page(2), ReadWriteMode.EXCLUSIVE);
    assertNotNull(other);
    across.close();
    writer.get(10, TimeUnit.SECONDS).close();
    other.close();
    assertThrows(IllegalStateException.class, across::close, "double close");
    assertEquals(0, lock.holdCount());
    FaultTest.assertInternalsEmpty(lock);
  }

  @Test
  void aRefusedSecondZoneBacksOutOfTheFirstAndTheRequestQueues() throws Exception {
    RangeLock<ReadWriteMode> lock = rw();
    RangeHandle<ReadWriteMode> second = lock.acquire(page(16), ReadWriteMode.EXCLUSIVE);
    CompletableFuture<RangeHandle<ReadWriteMode>> across =
        lock.acquireAsync(ACROSS, ReadWriteMode.SHARED);
    assertFalse(across.isDone(), "page 16 is held exclusive");
    assertEquals(1, lock.waitingCount());
    assertEquals(1, lock.holdCount(), "the backed-out request is not counted as a hold");
    // It waits in the tree of both zones: a later conflicting request of the first zone queues
    // behind it (FIFO), a compatible one is granted.
    assertNull(lock.tryAcquire(page(14), ReadWriteMode.EXCLUSIVE));
    RangeHandle<ReadWriteMode> reader = lock.tryAcquire(page(14), ReadWriteMode.SHARED);
    assertNotNull(reader);
    second.close();
    across.get(10, TimeUnit.SECONDS).close();
    reader.close();
    FaultTest.assertInternalsEmpty(lock);
  }

  @Test
  void aMultiZoneFastHolderDowngradesThroughItsPieces() throws Exception {
    RangeLock<MappingMode> lock = RangeLock.create(ModeTable.mapping());
    RangeHandle<MappingMode> punch = lock.acquire(ACROSS, MappingMode.INVALIDATE);
    assertSame(punch, lock.zoneWord(16 * PAGE));
    CompletableFuture<RangeHandle<MappingMode>> reader =
        lock.acquireAsync(page(17), MappingMode.READ);
    assertFalse(reader.isDone());
    punch.downgrade(MappingMode.WRITE); // WRITE and READ share in the mapping table
    reader.get(10, TimeUnit.SECONDS).close();
    assertEquals(MappingMode.WRITE, punch.mode());
    punch.close();
    FaultTest.assertInternalsEmpty(lock);
  }

  @Test
  void aSelfDeadlockOnAMultiZoneFastHoldIsTold() {
    RangeLock<ReadWriteMode> lock = rw();
    RangeHandle<ReadWriteMode> mine = lock.acquire(ACROSS, ReadWriteMode.SHARED);
    assertThrows(
        IllegalStateException.class, () -> lock.acquire(page(16), ReadWriteMode.EXCLUSIVE));
    assertEquals(1, lock.holdCount());
    mine.close();
    assertEquals(0, lock.holdCount());
  }
}
