package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The README's usage example, compiled and run, so the README cannot drift from the API. */
class ReadmeExampleTest {

  // --- README example begins ---
  static final int PAGE = 4096;
  final RangeLock<MappingMode> lock = RangeLock.create(ModeTable.mapping());

  /** A page fault: excludes truncate/punch and direct IO on this page, shares with reads. */
  void fault(long pageIndex) {
    try (RangeHandle<MappingMode> h =
        lock.acquire(Range.ofLength(pageIndex * PAGE, PAGE), MappingMode.FAULT)) {
      // look the page up, read it in if needed, install the PTE
    }
  }

  /** Truncate: everything from the new size on, against every other mode. */
  void truncate(long newSize) {
    long firstGone = (newSize + PAGE - 1) / PAGE * PAGE;
    try (RangeHandle<MappingMode> h = lock.acquire(Range.from(firstGone), MappingMode.INVALIDATE)) {
      // unmap, drop cached pages, free blocks; then let faults in before we finish:
      h.downgrade(MappingMode.FAULT);
    }
  }

  /** Direct IO without blocking the submitting thread. */
  CompletableFuture<Void> directWrite(long offset, int length) {
    return lock.acquireAsync(Range.ofLength(offset, length), MappingMode.DIRECT)
        .thenAccept(
            h -> {
              try (h) {
                // flush and invalidate the cache over the range, write to disk
              }
            });
  }

  // --- README example ends ---

  @Test
  void exampleRunsAndLeavesTheLockEmpty() {
    fault(3);
    truncate(10_000);
    directWrite(8192, 4096).join();
    assertTrue(lock.snapshot().isEmpty());
  }

  @Test
  void truncateWaitsForAFaultOnItsRange() {
    RangeHandle<MappingMode> fault =
        lock.acquire(Range.ofLength(3L * PAGE, PAGE), MappingMode.FAULT);
    CompletableFuture<RangeHandle<MappingMode>> truncate =
        lock.acquireAsync(Range.from(2L * PAGE), MappingMode.INVALIDATE);
    assertFalse(truncate.isDone());
    assertEquals(1, lock.snapshot().waiting().size());
    fault.close();
    truncate.join().close();
    assertTrue(lock.snapshot().isEmpty());
  }
}
