package org.rangelock.sim.cases;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.rangelock.sim.exclusion.Exclusion;
import org.rangelock.sim.exclusion.Op;
import org.rangelock.sim.exclusion.RangeLockExclusion;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.kernel.Kernel;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/** Under {@code RANGE_LOCK} nothing gets through, however often each case runs. */
class RangeLockCasesTest {
  static final int TRIALS = 400;

  static java.util.stream.Stream<Integer> caseNumbers() {
    return CaseRunner.CASES.stream().map(Case::number);
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("caseNumbers")
  void manyRandomTrialsFindNothing(int caseNumber) {
    Case c = CaseRunner.caseNumber(caseNumber);
    List<String> found = new ArrayList<>();
    for (int t = 0; t < TRIALS; t++) {
      long seed = CaseRunner.trialSeed(77, Strategy.RANGE_LOCK, c, t);
      List<Violation> v = CaseRunner.randomTrial(Strategy.RANGE_LOCK, c, seed);
      if (!v.isEmpty()) {
        found.add(Long.toHexString(seed) + ": " + v.get(0) + "\n" + v.get(0).traceText());
      }
    }
    assertEquals(List.of(), found);
  }

  /**
   * {@code read(fd, buf)} and {@code write(fd, buf)} where {@code buf} maps the very range being
   * read or written (Kara's 2013 deadlock): READ shares with FAULT, and the write stages its source
   * before taking WRITE, so both finish.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void readAndWriteThroughAMappingOfTheSameRangeDoNotDeadlock() {
    Kernel k = new Kernel(Strategy.RANGE_LOCK.create(), new Races(1), 64);
    World w = new World(k);
    w.populate(0x31, World.PAGES);
    int n = k.io.readIntoMapping(w.file, PAGE, 2 * PAGE, w.mm, w.shared.address(PAGE));
    assertEquals(2 * PAGE, n);
    k.io.writeFromMapping(w.file, 2L * PAGE, 2 * PAGE, w.mm, w.shared.address(PAGE));
    assertArrayEquals(World.page(0x31, 1), w.cachedPage(w.file, 2));
    assertArrayEquals(World.page(0x31, 2), w.cachedPage(w.file, 3));
    assertEquals(List.of(), k.races.violations());
  }

  /**
   * Without staging, a write that faults on its own range under WRITE would wait for itself:
   * rangelock reports the self-deadlock instead of hanging.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void faultingUnderTheWritesOwnRangeIsReportedNotHung() {
    Kernel k = new Kernel(Strategy.RANGE_LOCK.create(), new Races(1), 64);
    World w = new World(k);
    w.populate(0x32, World.PAGES);
    try (Exclusion.Held h = k.exclusion.enter(Op.WRITE, w.file, PAGE, 2L * PAGE)) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> w.loadPage(w.shared, 1));
      assertTrue(e.getMessage().contains("self-deadlock"), e.getMessage());
    }
  }

  /**
   * What prefaulting removes: the same strategy pinning its direct IO buffer with faults allowed
   * under DIRECT. A buffer mapping the range of the IO makes the fault ask for FAULT under the IO's
   * own DIRECT (the lock reports the self-deadlock: a CRASH in the sim); two direct writes each
   * from a mapping of the other's file wait for each other until the watchdog.
   */
  @ParameterizedTest(name = "case {0}")
  @ValueSource(ints = {8, 9, 10})
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void withoutPrefaultingTheMappedBufferCasesDeadlock(int caseNumber) {
    Case c = CaseRunner.caseNumber(caseNumber);
    Case.Window w = c.windows().get(0);
    List<Violation> v =
        CaseRunner.trial(
            new RangeLockExclusion(Exclusion.UserBufferPin.FAULT_UNDER_LOCK),
            c,
            1,
            w.arrange(),
            3_000);
    assertFalse(v.isEmpty(), "case " + caseNumber + " should deadlock without prefaulting");
    Violation first = v.get(0);
    if (caseNumber == 10) {
      assertEquals(ViolationKind.DEADLOCK, first.kind(), first::toString);
    } else {
      assertEquals(ViolationKind.CRASH, first.kind(), first::toString);
      assertTrue(first.detail().contains("self-deadlock"), first.detail());
    }
  }

  /** With prefaulting, the direct IO from a mapping of its own range transfers everything. */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void directIoThroughAMappingOfTheSameRangeCompletes() {
    Kernel k = new Kernel(Strategy.RANGE_LOCK.create(), new Races(1), 64);
    World w = new World(k);
    w.populate(0x33, World.PAGES);
    assertEquals(
        2 * PAGE, k.direct.readIntoMapping(w.file, PAGE, 2 * PAGE, w.mm, w.shared.address(PAGE)));
    assertEquals(
        2 * PAGE,
        k.direct.writeFromMapping(w.file, 2L * PAGE, 2 * PAGE, w.mm, w.shared.address(PAGE)));
    k.writeback.fsync(w.file);
    assertArrayEquals(World.page(0x33, 1), w.diskPage(w.file, 2));
    assertArrayEquals(World.page(0x33, 2), w.diskPage(w.file, 3));
    assertEquals(List.of(), k.races.violations());
  }
}
