package org.rangelock.sim.cases;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/**
 * A cell's count while its trials run, for either matrix: the trials that produced a violation, the
 * first violation with its trial's seed, and per kind the trials that showed it (a trial counts
 * once per kind it showed). Not thread-safe: one runner thread adds.
 */
public final class CellTally {
  private int violations;
  private Violation first;
  private long firstSeed;
  private final Map<ViolationKind, Integer> kinds = new EnumMap<>(ViolationKind.class);

  /** Counts one trial, run with {@code trialSeed}, that produced {@code v}. */
  public void add(List<Violation> v, long trialSeed) {
    Set<ViolationKind> seen = EnumSet.noneOf(ViolationKind.class);
    for (Violation x : v) {
      seen.add(x.kind());
    }
    for (ViolationKind kind : seen) {
      kinds.merge(kind, 1, Integer::sum);
    }
    if (!v.isEmpty()) {
      violations++;
      if (first == null) {
        first = v.get(0);
        firstSeed = trialSeed;
      }
    }
  }

  /** Trials that produced at least one violation. */
  public int violations() {
    return violations;
  }

  /** The first violation of the first trial that produced one, or null. */
  public Violation first() {
    return first;
  }

  /** That trial's seed (0 if none). */
  public long firstSeed() {
    return firstSeed;
  }

  /** Per kind, the trials that showed it. */
  public Map<ViolationKind, Integer> kinds() {
    return kinds;
  }
}
