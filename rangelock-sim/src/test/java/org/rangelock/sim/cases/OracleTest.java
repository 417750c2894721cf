package org.rangelock.sim.cases;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.kernel.Kernel;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/**
 * Each case's oracle, and the runner's watchdog, on hand-built broken states: the state a race
 * leaves behind, made directly, must be reported. (The kernel-level oracles have theirs in {@code
 * KernelOracleTest}.)
 */
class OracleTest {
  private static World world() {
    return new World(new Kernel(Strategy.RANGE_LOCK.create(), new Races(1), 64));
  }

  /** A fresh world with {@code c}'s set-up done: the state its roles would start racing from. */
  private static World setUpWorld(Case c) {
    World w = world();
    c.setUp(w);
    return w;
  }

  private static void assertReported(World w, ViolationKind kind) {
    List<Violation> v = w.races.violations();
    assertTrue(v.stream().anyMatch(x -> x.kind() == kind), "expected " + kind + " in " + v);
  }

  @Test
  void punchThatLeftTheOldDataIsAResurrection() {
    Case c = CaseRunner.caseNumber(1);
    World w = setUpWorld(c);
    w.loadPage(w.shared, 1); // old data mapped, and no punch ever happened
    c.check(w);
    assertReported(w, ViolationKind.RESURRECTED_DATA);
  }

  @Test
  void truncateThatLeftMappingsIsCaughtAsNoSigbusAndStaleMapping() {
    Case c = CaseRunner.caseNumber(2);
    World w = setUpWorld(c);
    w.loadPage(w.shared, 3);
    w.loadPage(w.priv, 3);
    // Shrink i_size without unmapping or truncating the cache: what a lost race leaves.
    w.k.killers.truncate(w.file, 4L * PAGE); // no-op, exercises the path
    TestAccess.setSize(w, FaultVsTruncate.NEW_SIZE);
    c.check(w);
    assertReported(w, ViolationKind.NO_SIGBUS_BEYOND_EOF);
    Oracles.ptesAreLive(w.k, w.mm);
    assertReported(w, ViolationKind.STALE_MAPPING);
  }

  @Test
  void directWriteHiddenByAStaleCacheIsStaleData() {
    Case c = CaseRunner.caseNumber(3);
    World w = setUpWorld(c);
    c.check(w); // the direct write never happened: old data everywhere
    assertReported(w, ViolationKind.STALE_DATA);
  }

  @Test
  void missingBufferedWriteIsALostWrite() {
    Case c = CaseRunner.caseNumber(4);
    World w = setUpWorld(c);
    c.check(w);
    assertReported(w, ViolationKind.LOST_WRITE);
  }

  @Test
  void aWriteThePunchCutInTwoIsALostWrite() {
    Case c = CaseRunner.caseNumber(15);
    World w = setUpWorld(c);
    w.k.io.write(w.file, 2L * PAGE, World.page(BufferedWriteVsPunch.NEW, 2)); // page 1 left old
    c.check(w);
    assertReported(w, ViolationKind.RESURRECTED_DATA);
    World z = setUpWorld(c);
    z.k.killers.punchHole(z.file, PAGE, PAGE); // page 1 zero, page 2 written: a torn write
    z.k.io.write(z.file, 2L * PAGE, World.page(BufferedWriteVsPunch.NEW, 2));
    c.check(z);
    assertReported(z, ViolationKind.LOST_WRITE);
  }

  @Test
  void pagesCachedAtTheirOldIndicesAcrossACollapseAreStaleData() {
    Case c = CaseRunner.caseNumber(16);
    World w = setUpWorld(c);
    c.check(w); // no collapse: every page sits at its old index, and the size is four pages
    assertReported(w, ViolationKind.STALE_DATA);
    assertReported(w, ViolationKind.NO_SIGBUS_BEYOND_EOF);
  }

  @Test
  void aPunchThatDroppedAPrivateCopyIsALostWrite() {
    Case c = CaseRunner.caseNumber(17);
    World w = setUpWorld(c);
    org.rangelock.sim.kernel.TestHooks.unmapEvenCows(w.k, w.file, 1, 3); // the private copy goes
    w.k.killers.punchHole(w.file, PAGE, 2L * PAGE);
    w.k.killers.truncate(w.file, PrivateCowVsKillers.NEW_SIZE);
    w.k.mmu.store(
        w.mm,
        w.priv.address(PAGE + PrivateCowVsKillers.AT),
        PrivateCowVsKillers.STORE,
        0,
        PrivateCowVsKillers.STORE.length);
    c.check(w);
    assertReported(w, ViolationKind.LOST_WRITE);
    assertTrue(
        w.races.violations().stream().allMatch(v -> v.detail().contains("private page 2")),
        () -> "only the dropped copy: " + w.races.violations());
  }

  @Test
  void pagesReadAheadAndNeverPunchedAreAResurrection() {
    Case c = CaseRunner.caseNumber(18);
    World w = setUpWorld(c);
    w.k.io.readahead(
        w.file, 0, World.PAGES * (long) PAGE); // old pages cached, no punch, no truncate
    c.check(w);
    assertReported(w, ViolationKind.RESURRECTED_DATA);
    assertReported(w, ViolationKind.NO_SIGBUS_BEYOND_EOF);
  }

  @Test
  void pagesFaultAroundMappedAndNeverPunchedAreAResurrection() {
    Case c = CaseRunner.caseNumber(19);
    World w = setUpWorld(c);
    w.loadPage(w.shared, 0); // fault-around maps pages 0-3; no punch, no truncate follows
    assertTrue(w.mm.pte(w.shared.startVpn() + 2) != null, "fault-around should have mapped page 2");
    c.check(w);
    assertReported(w, ViolationKind.RESURRECTED_DATA);
    assertReported(w, ViolationKind.NO_SIGBUS_BEYOND_EOF);
  }

  /**
   * The serial-order oracle on reads made during a race: a load that shows data no order of case
   * 1's operations gives is STALE_DATA; one that shows the second file's data is an information
   * leak; old data and zeros are explained; reads after the race are not its business.
   */
  @Test
  void aReadDuringTheRaceThatNoSerialOrderExplainsIsReported() {
    Case c = CaseRunner.caseNumber(1);
    World w = setUpWorld(c);
    w.racing = true;
    w.loadPage(w.shared, 1); // old data: explained (the punch had not come)
    org.rangelock.sim.kernel.TestHooks.scribble(w.k, w.file, 1, World.page(0x77, 1));
    w.loadPage(w.shared, 1); // bytes nobody wrote
    w.k.io.write(w.other, 0, World.page(0x0E, 0));
    w.k.writeback.fsync(w.other);
    w.loadPage(w.shared, 2); // old data: explained
    org.rangelock.sim.kernel.TestHooks.scribble(w.k, w.file, 2, World.page(0x0E, 0));
    w.loadPage(w.shared, 2); // the second file's page
    w.racing = false;
    w.loadPage(w.shared, 1); // after the race: not recorded
    Oracles.explainReads(w, c);
    List<Violation> v = w.races.violations();
    assertTrue(v.size() == 2, () -> "two unexplained reads: " + v);
    assertTrue(v.get(0).kind() == ViolationKind.STALE_DATA, v.get(0)::toString);
    assertTrue(v.get(1).kind() == ViolationKind.INFORMATION_LEAK, v.get(1)::toString);
  }

  /**
   * The serial-order oracle on direct reads (cases 7 and 14 read around the cached path): old data
   * and zeros are explained for case 14; bytes nobody wrote are STALE_DATA, the second file's bytes
   * an information leak even when the block is this file's own (no in-flight owner check fires);
   * case 7's direct read of page 3 that misses the role's own completed buffered write is
   * STALE_DATA.
   */
  @Test
  void aDirectReadDuringTheRaceThatNoSerialOrderExplainsIsReported() {
    Case c = CaseRunner.caseNumber(14);
    World w = setUpWorld(c);
    w.racing = true;
    w.directRead(w.file, 1, 2); // old data: explained
    w.k.direct.write(w.file, PAGE, World.page(0x77, 1));
    w.directRead(w.file, 1, 1); // bytes nobody wrote
    w.k.io.write(w.other, 0, World.page(DirectReadVsPunch.OTHER, 0));
    w.k.writeback.fsync(w.other);
    w.k.direct.write(w.file, 2L * PAGE, World.page(DirectReadVsPunch.OTHER, 0));
    w.directRead(w.file, 2, 1); // the second file's page
    w.racing = false;
    Oracles.explainReads(w, c);
    List<Violation> v = w.races.violations();
    assertTrue(v.size() == 2, () -> "two unexplained reads: " + v);
    assertTrue(v.get(0).kind() == ViolationKind.STALE_DATA, v.get(0)::toString);
    assertTrue(v.get(1).kind() == ViolationKind.INFORMATION_LEAK, v.get(1)::toString);

    Case seven = CaseRunner.caseNumber(7);
    World w7 = setUpWorld(seven);
    w7.racing = true;
    w7.directRead(w7.file, 3, 1); // the old page: the role's own write had not been made
    w7.racing = false;
    Oracles.explainReads(w7, seven);
    assertReported(w7, ViolationKind.STALE_DATA);
  }

  /**
   * Case 21's oracle: a page read into the cache of an inode after its last reference went (what a
   * fault that dropped {@code mmap_lock} with no file reference does) is reported when it is
   * created, and again at quiescence, where nothing will ever free it; a reference that outlives
   * the race, or an unlinked inode with none left that was never evicted, is a leak.
   */
  @Test
  void aPageReadIntoAnEvictedInodeIsReported() {
    Case c = CaseRunner.caseNumber(21);
    World w = setUpWorld(c);
    w.mm.munmap(w.shared);
    w.mm.munmap(w.priv); // the last reference: evicted
    assertTrue(w.file.isEvicted(), "the last put should evict the unlinked file");
    Oracles.always(w.k);
    assertTrue(w.races.violations().isEmpty(), () -> "a clean eviction: " + w.races.violations());
    w.k.io.readahead(w.file, PAGE, PAGE); // the unpinned fault's read, after the eviction
    assertTrue(
        w.races.violations().stream()
                .filter(x -> x.kind() == ViolationKind.PAGE_OF_EVICTED_INODE)
                .count()
            == 1,
        () -> "in flight: " + w.races.violations());
    Oracles.always(w.k);
    assertTrue(
        w.races.violations().stream()
                .filter(x -> x.kind() == ViolationKind.PAGE_OF_EVICTED_INODE)
                .count()
            == 2,
        () -> "at quiescence too: " + w.races.violations());

    World held = setUpWorld(c);
    held.mm.munmap(held.shared); // the private mapping still holds the file after the race
    c.check(held);
    assertReported(held, ViolationKind.LEAK);
    World neverEvicted = setUpWorld(c);
    TestAccess.markUnreferenced(neverEvicted);
    c.check(neverEvicted);
    assertReported(neverEvicted, ViolationKind.LEAK);
  }

  @Test
  void truncatedDataComingBackIsAResurrection() {
    Case c = CaseRunner.caseNumber(5);
    World w = setUpWorld(c);
    w.k.writeback.fsync(w.file);
    TestAccess.setSize(w, PAGE); // size shrunk, blocks kept: what a racing writeback leaves
    Oracles.always(w.k);
    assertReported(w, ViolationKind.WRITEBACK_PAST_EOF);
    c.check(w);
    assertReported(w, ViolationKind.RESURRECTED_DATA);
  }

  @Test
  void otherFilesDataOverwrittenIsReported() {
    Case c = CaseRunner.caseNumber(6);
    World w = setUpWorld(c);
    w.k.io.write(w.other, 0, World.page(0x55, 0)); // not what the case's punch role writes
    c.check(w);
    assertReported(w, ViolationKind.BLOCK_OF_OTHER_FILE);
    assertReported(w, ViolationKind.RESURRECTED_DATA);
  }

  @Test
  void olderDirtyPageWrittenOverDirectDataIsALostWrite() {
    Case c = CaseRunner.caseNumber(7);
    World w = setUpWorld(c);
    w.k.direct.write(w.file, PAGE, World.page(DirectVsBufferedIo.DIRECT, 1));
    // A dirty page of the old data, as if the cache had not been invalidated.
    TestAccess.dirtyStalePage(w, 1, World.page(DirectVsBufferedIo.OLD, 1));
    c.check(w);
    assertReported(w, ViolationKind.STALE_DATA);
    assertReported(w, ViolationKind.LOST_WRITE);
  }

  @Test
  void watchdogReportsAStuckRoleAndACrashIsReported() {
    CountDownLatch never = new CountDownLatch(1);
    Case stuck =
        new Case() {
          @Override
          public int number() {
            return 99;
          }

          @Override
          public String title() {
            return "stuck";
          }

          @Override
          public void setUp(World w) {}

          @Override
          public List<Role> roles(World w) {
            return List.of(
                new Role(
                    "sleeper",
                    () -> {
                      try {
                        never.await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }),
                new Role(
                    "thrower",
                    () -> {
                      throw new IllegalStateException("boom");
                    }));
          }

          @Override
          public void check(World w) {}

          @Override
          public List<Window> windows() {
            return List.of();
          }
        };
    List<Violation> v = CaseRunner.trial(Strategy.NONE, stuck, 1, r -> {}, 500);
    never.countDown();
    assertTrue(v.stream().anyMatch(x -> x.kind() == ViolationKind.DEADLOCK), v.toString());
    assertTrue(
        v.stream().anyMatch(x -> x.kind() == ViolationKind.CRASH && x.detail().contains("boom")),
        v.toString());
    assertTrue(
        v.stream().anyMatch(x -> x.detail().contains("sleeper") && x.detail().contains("await")),
        "stack of the stuck thread: " + v);
  }

  /**
   * An oracle that hangs (on a hold a role leaked, say) is reported by the watchdog, not waited.
   */
  @Test
  void oraclesRunUnderTheWatchdog() {
    CountDownLatch never = new CountDownLatch(1);
    Case hangs =
        new Case() {
          @Override
          public int number() {
            return 99;
          }

          @Override
          public String title() {
            return "check that hangs";
          }

          @Override
          public void setUp(World w) {}

          @Override
          public List<Role> roles(World w) {
            return List.of(new Role("idle", () -> {}));
          }

          @Override
          public void check(World w) {
            try {
              never.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          @Override
          public List<Window> windows() {
            return List.of();
          }
        };
    List<Violation> v = CaseRunner.trial(Strategy.RANGE_LOCK, hangs, 1, r -> {}, 300);
    assertTrue(
        v.stream()
            .anyMatch(x -> x.kind() == ViolationKind.DEADLOCK && x.detail().contains("oracles")),
        v.toString());
  }

  /** A hold a role never released is a leak at quiescence. */
  @Test
  void aHoldARoleLeftBehindIsALeak() {
    Case leaves =
        new BaseCase(98, "leaves a hold", 0x11) {
          @Override
          public List<Role> roles(World w) {
            return List.of(
                new Role(
                    "leaky",
                    () ->
                        w.k.exclusion.enter(
                            org.rangelock.sim.exclusion.Op.FAULT, w.file, 0, PAGE)));
          }

          @Override
          public void check(World w) {}

          @Override
          public List<Window> windows() {
            return List.of();
          }
        };
    List<Violation> v = CaseRunner.trial(Strategy.RANGE_LOCK, leaves, 1, r -> {}, 5_000);
    assertTrue(v.stream().anyMatch(x -> x.kind() == ViolationKind.LEAK), v.toString());
  }
}
