package org.rangelock.sim.cases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.race.Violation;

/**
 * The preemption mode (random priorities, a preemption at every race point and lock release) finds
 * the races on its own, with no window placed by hand, and finds nothing under RANGE_LOCK.
 */
class PreemptionModeTest {
  static final int TRIALS = 60;

  static Stream<Integer> caseNumbers() {
    return CaseRunner.CASES.stream().map(Case::number);
  }

  @ParameterizedTest(name = "case {0}")
  @MethodSource("caseNumbers")
  void rangeLockStaysClean(int caseNumber) {
    Case c = CaseRunner.caseNumber(caseNumber);
    List<String> found = new ArrayList<>();
    for (int t = 0; t < TRIALS; t++) {
      long seed = CaseRunner.trialSeed(91, Strategy.RANGE_LOCK, c, t);
      List<Violation> v = CaseRunner.preemptiveTrial(Strategy.RANGE_LOCK, c, seed);
      if (!v.isEmpty()) {
        found.add(Long.toHexString(seed) + ": " + v.get(0) + "\n" + v.get(0).traceText());
      }
    }
    assertEquals(List.of(), found);
  }

  /** Case 1 under NONE and LEGACY, found with no directed window. */
  @Test
  void findsTheHolePunchRaceWithoutAWindow() {
    Case c = CaseRunner.caseNumber(1);
    for (Strategy s : List.of(Strategy.NONE, Strategy.LEGACY)) {
      int bad = 0;
      for (int t = 0; t < TRIALS && bad == 0; t++) {
        if (!CaseRunner.preemptiveTrial(s, c, CaseRunner.trialSeed(92, s, c, t)).isEmpty()) {
          bad++;
        }
      }
      assertTrue(bad > 0, s + ": no violation of case 1 in " + TRIALS + " preemptive trials");
    }
  }
}
