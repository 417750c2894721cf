package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.ReadWriteMode.EXCLUSIVE;
import static org.rangelock.ReadWriteMode.SHARED;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The zone treaps stay well formed through every kind of change: a random mix of holds, waits
 * (async, so one thread drives it), grants on release, cancellations and downgrades, over ranges of
 * one and several zones, with {@code RangeLock.checkTrees()} after every step (key order, heap
 * order, parent links and every node's {@code maxEnd} recomputed). {@code maxEnd} is kept by walks
 * that stop early (issue 11), so this is the test that says they stop at the right place.
 */
@Timeout(120)
class TreapInvariantTest {

  @Test
  void everyStepLeavesWellFormedTrees() {
    for (long seed = 1; seed <= 6; seed++) {
      run(seed);
    }
  }

  private static void run(long seed) {
    RangeLock<ReadWriteMode> lock =
        RangeLock.builder(ModeTable.readWrite()).zones(4).granule(64).build();
    SplittableRandom rnd = new SplittableRandom(seed);
    List<RangeHandle<ReadWriteMode>> held = new ArrayList<>();
    List<CompletableFuture<RangeHandle<ReadWriteMode>>> waiting = new ArrayList<>();
    int maxNodes = 0;
    for (int step = 0; step < 4000; step++) {
      int op = rnd.nextInt(10);
      if (op < 5 || held.isEmpty() && waiting.isEmpty()) {
        long start = rnd.nextInt(2048);
        long len = rnd.nextInt(8) == 0 ? 1 + rnd.nextInt(600) : 1 + rnd.nextInt(40);
        ReadWriteMode m = rnd.nextInt(5) == 0 ? EXCLUSIVE : SHARED;
        waiting.add(lock.acquireAsync(Range.of(start, start + len), m));
      } else if (op < 8 && !held.isEmpty()) {
        held.remove(rnd.nextInt(held.size())).close();
      } else if (op == 8 && !waiting.isEmpty()) {
        waiting.remove(rnd.nextInt(waiting.size())).cancel(false); // a granted one is released
      } else if (!held.isEmpty()) {
        RangeHandle<ReadWriteMode> h = held.get(rnd.nextInt(held.size()));
        if (h.mode() == EXCLUSIVE) {
          h.downgrade(SHARED);
        }
      }
      for (int i = waiting.size() - 1; i >= 0; i--) {
        CompletableFuture<RangeHandle<ReadWriteMode>> f = waiting.get(i);
        if (f.isDone()) {
          waiting.remove(i);
          if (!f.isCancelled()) {
            held.add(f.join());
          }
        }
      }
      int nodes = lock.checkTrees();
      maxNodes = Math.max(maxNodes, nodes);
      assertTrue(nodes >= held.size() + waiting.size(), "every request is in a tree");
    }
    assertTrue(maxNodes > 200, "the trees grew: " + maxNodes + " nodes at most");
    for (RangeHandle<ReadWriteMode> h : held) {
      h.close();
    }
    for (CompletableFuture<RangeHandle<ReadWriteMode>> f : waiting) {
      f.cancel(false);
    }
    for (CompletableFuture<RangeHandle<ReadWriteMode>> f : waiting) {
      if (f.isDone() && !f.isCancelled()) {
        f.join().close();
      }
    }
    assertEquals(0, lock.checkTrees(), lock.snapshot().toString());
  }
}
