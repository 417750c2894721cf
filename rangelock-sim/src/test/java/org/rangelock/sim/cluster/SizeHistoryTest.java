package org.rangelock.sim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.kernel.Inode;
import org.rangelock.sim.kernel.Kernel;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.ViolationKind;

/** The stale-size oracle, shown hand-made histories of two nodes' views of one file. */
class SizeHistoryTest {
  private final Kernel k = new Kernel(Strategy.RANGE_LOCK.create(), new Races(1), 16);

  /** Two inodes stand for node A's and node B's views: the oracle only tells them apart. */
  private final Inode viewA = k.fs.create();

  private final Inode viewB = k.fs.create();

  private SizeHistory history(Races races) {
    SizeHistory h = new SizeHistory(races, 4L * PAGE);
    h.watch(viewA, "A");
    h.watch(viewB, "B");
    return h;
  }

  /** B truncates the file to two pages, as one operation on this thread. */
  private static void truncateOnB(SizeHistory h, Inode viewB) {
    h.begin();
    h.changed(viewB, 4L * PAGE, 2L * PAGE);
    h.end();
  }

  @Test
  void aFaultPastASizeAnotherNodeCutAndReturnedFromIsStale() {
    Races races = new Races(1);
    SizeHistory h = history(races);
    truncateOnB(h, viewB);
    h.begin(); // A's fault on page 3 begins after B's truncate returned
    h.used(viewA, 4L * PAGE, 3L * PAGE, 3L * PAGE + 1, "read fault page 3");
    h.end();
    assertEquals(1, races.violations().size(), races.violations().toString());
    assertEquals(ViolationKind.STALE_SIZE, races.violations().get(0).kind());
    // The same use by the new size, or by B, is fine.
    Races fine = new Races(1);
    SizeHistory g = history(fine);
    truncateOnB(g, viewB);
    g.begin();
    g.used(viewA, 2L * PAGE, 3L * PAGE, 3L * PAGE + 1, "read fault page 3");
    g.used(viewB, 2L * PAGE, 3L * PAGE, 3L * PAGE + 1, "read fault page 3");
    g.end();
    assertTrue(fine.violations().isEmpty(), fine.violations().toString());
  }

  @Test
  void aUseConcurrentWithTheChangeMaySeeEitherSize() throws Exception {
    Races races = new Races(1);
    SizeHistory h = history(races);
    CountDownLatch aBegan = new CountDownLatch(1);
    CountDownLatch bReturned = new CountDownLatch(1);
    Thread a =
        new Thread(
            () -> {
              h.begin(); // before B's truncate returns
              aBegan.countDown();
              try {
                bReturned.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              h.used(viewA, 4L * PAGE, 3L * PAGE, 3L * PAGE + 1, "read fault page 3");
              h.used(viewA, 2L * PAGE, 3L * PAGE, 3L * PAGE + 1, "read fault page 3");
              h.end();
            });
    a.start();
    aBegan.await();
    truncateOnB(h, viewB);
    bReturned.countDown();
    a.join();
    assertTrue(races.violations().isEmpty(), races.violations().toString());
    // An operation that begins after the truncate returned may not: it is the first test's case.
    h.begin();
    h.used(viewA, 4L * PAGE, 3L * PAGE, 3L * PAGE + 1, "read fault page 3");
    h.end();
    assertEquals(1, races.violations().size(), races.violations().toString());
  }

  @Test
  void onlyAUseTheStaleSizeDecidesDifferentlyIsReported() {
    Races races = new Races(1);
    SizeHistory h = history(races);
    h.begin(); // B extends the file to six pages
    h.changed(viewB, 4L * PAGE, 6L * PAGE);
    h.end();
    h.begin();
    // A's writeback of page 1 by its old size of four pages: the same bytes as by six.
    h.used(viewA, 4L * PAGE, PAGE, 2L * PAGE, "writeback of page 1");
    assertTrue(races.violations().isEmpty(), races.violations().toString());
    // A's read at page 5 by four pages: SIGBUS or a short read where page 5 is inside EOF.
    h.used(viewA, 4L * PAGE, 5L * PAGE, 6L * PAGE, "read at page 5");
    // A's extension to five pages from its old four: it would cut the file B grew to six.
    h.used(viewA, 4L * PAGE, 0, 5L * PAGE, "extend to five pages");
    h.end();
    assertEquals(2, races.violations().size(), races.violations().toString());
  }

  @Test
  void aNodesOwnChangeAndUsesOutsideAnOperationAreFine() {
    Races races = new Races(1);
    SizeHistory h = history(races);
    truncateOnB(h, viewB);
    h.begin(); // A extends to eight pages itself: its own unreturned change
    h.changed(viewA, 2L * PAGE, 8L * PAGE);
    h.used(viewA, 8L * PAGE, 7L * PAGE, 7L * PAGE + 1, "read fault page 7");
    h.end();
    // The oracles' own look at a view, outside any operation, is not judged.
    h.used(viewB, 2L * PAGE, 7L * PAGE, 7L * PAGE + 1, "an oracle's look");
    assertTrue(races.violations().isEmpty(), races.violations().toString());
    // B's next operation must see A's eight pages now.
    h.begin();
    h.used(viewB, 2L * PAGE, 7L * PAGE, 7L * PAGE + 1, "read fault page 7");
    h.end();
    assertEquals(1, races.violations().size(), races.violations().toString());
    assertEquals(ViolationKind.STALE_SIZE, races.violations().get(0).kind());
  }
}
