package org.rangelock.sim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rangelock.sim.cases.Case;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/**
 * Every violated cell of the cluster matrix reproduced on demand by a directed window, with its
 * trace printed; the rows that exclude go through the same windows with no violation at all, which
 * shows that their clean cells are clean because they exclude, not because no window opened. One
 * in-process ZooKeeper server for the class.
 */
class ClusterWindowsTest {
  private static TokenServer server;

  /** Case number to the violation each letting-through row must show in its window. */
  private static final Map<Integer, ViolationKind> SHOWS =
      Map.of(
          101, ViolationKind.STALE_DATA,
          103, ViolationKind.LOST_WRITE,
          104, ViolationKind.STALE_MAPPING,
          105, ViolationKind.STALE_DATA);

  private static final Set<DfsStrategy> NO_EXCLUSION =
      EnumSet.of(DfsStrategy.DFS_NO_CALLBACK, DfsStrategy.DFS_CALLBACK_UNLOCKED);

  /**
   * Case number to the rows that let its window through. 105 is a buffered read, which holds its
   * token for the whole read in every row: only the row that never invalidates keeps a stale page.
   */
  private static final Map<Integer, Set<DfsStrategy>> LET_THROUGH =
      Map.of(
          101, NO_EXCLUSION,
          103, NO_EXCLUSION,
          104, NO_EXCLUSION,
          105, EnumSet.of(DfsStrategy.DFS_NO_CALLBACK));

  @BeforeAll
  static void start() {
    server = TokenServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static Set<ViolationKind> kinds(List<Violation> v) {
    return v.stream()
        .map(Violation::kind)
        .collect(Collectors.toCollection(() -> EnumSet.noneOf(ViolationKind.class)));
  }

  @Test
  void everyRaceCaseHasAWindow() {
    for (int n : SHOWS.keySet()) {
      assertEquals(1, DfsRunner.caseNumber(n).windows().size(), "case " + n);
    }
  }

  @Test
  void theStaleMappingOf2003OpensForTheRowsWithoutExclusionAndNowhereElse() {
    for (int n : List.of(101, 103, 104, 105)) {
      DfsCase c = DfsRunner.caseNumber(n);
      Case.Window window = c.windows().get(0);
      for (DfsStrategy s : DfsStrategy.values()) {
        List<Violation> v = DfsRunner.directedTrial(server, s, c, window);
        System.out.printf(
            "%s case %d window \"%s\": %s%n",
            s, n, window.name(), v.isEmpty() ? "clean" : kinds(v));
        if (LET_THROUGH.get(n).contains(s)) {
          assertTrue(
              kinds(v).contains(SHOWS.get(n)),
              s + " case " + n + " should show " + SHOWS.get(n) + ", got " + v);
          System.out.println(v.get(0).traceText().indent(2));
        } else {
          assertTrue(v.isEmpty(), s + " case " + n + ": " + v);
        }
      }
    }
  }

  @Test
  void withoutItsCallbackTheStaleMappingOutlivesEveryLaterWrite() {
    // The 2003 race in one picture for DFS_CALLBACK_UNLOCKED: the PTE A installed after the zap
    // maps a page that left the cache, and A's load after B's write returned shows the old data.
    DfsCase c = DfsRunner.caseNumber(101);
    List<Violation> v =
        DfsRunner.directedTrial(server, DfsStrategy.DFS_CALLBACK_UNLOCKED, c, c.windows().get(0));
    Set<ViolationKind> k = kinds(v);
    assertTrue(
        k.contains(ViolationKind.STALE_MAPPING) && k.contains(ViolationKind.STALE_DATA),
        v.toString());
  }
}
