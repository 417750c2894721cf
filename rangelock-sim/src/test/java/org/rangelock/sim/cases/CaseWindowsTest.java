package org.rangelock.sim.cases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.race.Violation;

/**
 * Every cell the default report shows as violated is reproduced here on demand by a directed window
 * (pauses that force the interleaving), with the violation's trace printed; RANGE_LOCK goes through
 * every window without one, which shows its clean cells are clean because it excludes, not because
 * the window never opened. Other strategies are only held to the races listed for them, and a
 * window is not run for a strategy it holds to nothing: when a strategy blocks a role, the pauses
 * time out together and the roles may line up into another of that strategy's known races, so there
 * would be nothing to assert.
 */
class CaseWindowsTest {
  private static final Set<Strategy> NONE = EnumSet.of(Strategy.NONE);
  private static final Set<Strategy> NONE_LEGACY =
      EnumSet.of(Strategy.NONE, Strategy.TRUNCATE_COUNT, Strategy.LEGACY);

  /** NONE_LEGACY and the 2.6 sequence-lock proposal, which fails where they fail. */
  private static final Set<Strategy> UP_TO_LEGACY =
      EnumSet.of(Strategy.NONE, Strategy.TRUNCATE_COUNT, Strategy.SEQSCHEDLOCK, Strategy.LEGACY);

  /** UP_TO_LEGACY and the two mmap-lock designs: what case 18 lets through. */
  private static final Set<Strategy> UP_TO_MMAPLOCK =
      with(UP_TO_LEGACY, Strategy.MMAP_SEM, Strategy.MMAPLOCK);

  /** UP_TO_MMAPLOCK and the 2020 i_mmap_rwsem proposal, which also leaves readahead alone. */
  private static final Set<Strategy> UP_TO_I_MMAP_RWSEM =
      with(UP_TO_MMAPLOCK, Strategy.I_MMAP_RWSEM);

  private static final Set<Strategy> UP_TO_INVALIDATE_LOCK =
      with(UP_TO_I_MMAP_RWSEM, Strategy.INVALIDATE_LOCK);

  private static final Set<Strategy> ALL_BUT_RANGE_LOCK =
      EnumSet.complementOf(EnumSet.of(Strategy.RANGE_LOCK));

  /** {@code set} and {@code more}: each wider set is the narrower one plus what it adds. */
  private static Set<Strategy> with(Set<Strategy> set, Strategy... more) {
    EnumSet<Strategy> b = EnumSet.copyOf(set);
    b.addAll(List.of(more));
    return b;
  }

  /** "case.window" to the strategies that let it through. */
  static final Map<String, Set<Strategy>> LETS_THROUGH =
      Map.ofEntries(
          Map.entry("1.0", NONE_LEGACY),
          Map.entry("1.1", NONE),
          Map.entry("1.2", UP_TO_LEGACY),
          Map.entry("2.0", NONE),
          Map.entry("2.1", NONE),
          Map.entry("2.2", EnumSet.of(Strategy.NONE, Strategy.TRUNCATE_COUNT)),
          Map.entry("3.0", UP_TO_INVALIDATE_LOCK),
          Map.entry("4.0", NONE),
          Map.entry("4.1", NONE),
          Map.entry("5.0", NONE),
          Map.entry("5.1", NONE),
          Map.entry("6.0", NONE),
          Map.entry("6.1", UP_TO_LEGACY),
          Map.entry("7.0", NONE),
          Map.entry("8.0", ALL_BUT_RANGE_LOCK),
          Map.entry("9.0", EnumSet.of(Strategy.TWO_STATE)),
          Map.entry("9.1", EnumSet.of(Strategy.NONE, Strategy.TWO_STATE)),
          Map.entry("10.0", EnumSet.noneOf(Strategy.class)),
          Map.entry("10.1", NONE),
          Map.entry("11.0", NONE),
          Map.entry("12.0", NONE),
          Map.entry("13.0", NONE),
          Map.entry("13.1", UP_TO_LEGACY),
          Map.entry(
              "14.0",
              EnumSet.of(
                  Strategy.NONE,
                  Strategy.TRUNCATE_COUNT,
                  Strategy.SEQSCHEDLOCK,
                  Strategy.TWO_STATE)),
          Map.entry("15.0", NONE),
          Map.entry("16.0", UP_TO_LEGACY),
          Map.entry("17.0", NONE),
          Map.entry("17.1", UP_TO_LEGACY),
          Map.entry("18.0", UP_TO_I_MMAP_RWSEM),
          Map.entry("19.0", NONE),
          Map.entry("19.1", EnumSet.of(Strategy.NONE, Strategy.TRUNCATE_COUNT)),
          Map.entry("20.0", EnumSet.noneOf(Strategy.class)),
          Map.entry("20.1", EnumSet.noneOf(Strategy.class)),
          Map.entry("21.0", NONE));

  static Stream<Arguments> cells() {
    Stream.Builder<Arguments> b = Stream.builder();
    for (Case c : CaseRunner.CASES) {
      List<Case.Window> ws = c.windows();
      for (int i = 0; i < ws.size(); i++) {
        for (Strategy s : Strategy.values()) {
          b.add(Arguments.of(c.number(), i, s));
        }
      }
    }
    return b.build();
  }

  @ParameterizedTest(name = "case {0} window {1} under {2}")
  @MethodSource("cells")
  void windowOpensExactlyWhereTheStrategyDoesNotExclude(int caseNumber, int window, Strategy s) {
    Case c = CaseRunner.caseNumber(caseNumber);
    Case.Window w = c.windows().get(window);
    Set<Strategy> through = LETS_THROUGH.get(caseNumber + "." + window);
    // A strategy neither listed nor RANGE_LOCK would assert nothing here: not run, to keep the
    // suite's time (each run is up to two pause time-outs).
    org.junit.jupiter.api.Assumptions.assumeTrue(
        through.contains(s) || s == Strategy.RANGE_LOCK,
        () -> s + " is held to nothing by window " + caseNumber + "." + window);
    List<Violation> v = CaseRunner.directedTrial(s, c, w);
    if (through.contains(s)) {
      assertFalse(v.isEmpty(), s + " should let case " + caseNumber + " through: " + w.name());
      System.out.println(
          "case "
              + caseNumber
              + " under "
              + s
              + " ["
              + w.name()
              + "]: "
              + v.get(0)
              + "\n"
              + v.get(0).traceText().indent(2));
    } else {
      assertEquals(List.of(), v, () -> v.isEmpty() ? "" : v.get(0).traceText());
    }
  }

  @ParameterizedTest(name = "every window of case {0} has an expectation")
  @MethodSource("caseNumbers")
  void everyWindowIsListed(int caseNumber) {
    for (int i = 0; i < CaseRunner.caseNumber(caseNumber).windows().size(); i++) {
      assertFalse(LETS_THROUGH.get(caseNumber + "." + i) == null, caseNumber + "." + i);
    }
  }

  static Stream<Integer> caseNumbers() {
    return CaseRunner.CASES.stream().map(Case::number);
  }

  /**
   * I_MMAP_RWSEM holds case 1 by its "no new maps" flag, not by the semaphore alone: the first load
   * is held back until it has to go ahead (it holds {@code i_mmap_rwsem} shared, so the punch
   * cannot reach its block free), the punch then stops before freeing the blocks until the loads
   * are done. Without the flag the second load comes after the punch dropped the semaphore and
   * reads the old block into the cache; with it, that load sleeps until the punch is done.
   */
  @org.junit.jupiter.api.Test
  void iMmapRwsemNeedsItsFlag() {
    Case c = CaseRunner.caseNumber(1);
    java.util.function.Consumer<org.rangelock.sim.race.Races> window =
        r ->
            r.pauseAt(
                    "fault",
                    org.rangelock.sim.race.RacePoint.FAULT_START,
                    1,
                    "punch:" + org.rangelock.sim.race.RacePoint.KILL_BEFORE_FREE,
                    Windows.WAIT)
                .pauseAt(
                    "punch",
                    org.rangelock.sim.race.RacePoint.KILL_BEFORE_FREE,
                    1,
                    "fault:done",
                    Windows.WAIT);
    List<Violation> without =
        CaseRunner.trial(
            new org.rangelock.sim.exclusion.IMmapRwsemExclusion(false),
            c,
            1,
            window,
            CaseRunner.WATCHDOG_MILLIS);
    assertFalse(without.isEmpty(), "without the flag the punched range should come back");
    System.out.println(
        "case 1 under I_MMAP_RWSEM without its flag: "
            + without.get(0)
            + "\n"
            + without.get(0).traceText().indent(2));
    List<Violation> with =
        CaseRunner.trial(
            new org.rangelock.sim.exclusion.IMmapRwsemExclusion(),
            c,
            1,
            window,
            CaseRunner.WATCHDOG_MILLIS);
    assertEquals(List.of(), with, () -> with.isEmpty() ? "" : with.get(0).traceText());
  }

  /**
   * TRUNCATE_COUNT holds case 2 by its sequence count: with the count ignored, the window of case 2
   * installs a PTE past the new EOF; with it, the fault sees the unmap and retries (the trace says
   * so) and nothing is violated.
   */
  @org.junit.jupiter.api.Test
  void truncateCountClosesCaseTwoByRetrying() {
    Case c = CaseRunner.caseNumber(2);
    Case.Window w = c.windows().get(0);
    List<Violation> without =
        CaseRunner.trial(
            new org.rangelock.sim.exclusion.TruncateCountExclusion(false),
            c,
            1,
            w.arrange(),
            CaseRunner.WATCHDOG_MILLIS);
    assertFalse(without.isEmpty(), "ignoring the count should let case 2 through");
    org.rangelock.sim.race.Races[] seen = new org.rangelock.sim.race.Races[1];
    List<Violation> with =
        CaseRunner.trial(
            new org.rangelock.sim.exclusion.TruncateCountExclusion(),
            c,
            1,
            r -> {
              seen[0] = r;
              w.arrange().accept(r);
            },
            CaseRunner.WATCHDOG_MILLIS);
    assertEquals(List.of(), with, () -> with.isEmpty() ? "" : with.get(0).traceText());
    org.junit.jupiter.api.Assertions.assertTrue(
        seen[0].traceLines().stream().anyMatch(l -> l.contains("retry")),
        "the fault should have retried");
  }
}
