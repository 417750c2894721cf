package org.rangelock.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The report's two-threads-over-one cost ratio, from hand-made cells. */
class DisjointScalingTest {
  private static Report.Cell cell(String group, String impl, double median, int t) {
    return new Report.Cell(
        group, "disjoint t=" + t, "ops/us", true, impl, median, median, 0, Double.NaN, t);
  }

  @Test
  void theRatioIsTwiceOneThreadsThroughputOverTwoThreadsPerLockAndCollector() {
    List<Report.Cell> cells =
        List.of(
            cell("disjoint", "rangelock-rw", 30, 1),
            cell("disjoint", "rangelock-rw", 40, 2), // each thread 20 ops/us against 30: 1.50
            cell("disjoint-parallelgc", "rangelock-rw", 30, 1),
            cell("disjoint-parallelgc", "rangelock-rw", 60, 2), // perfect scaling: 1.00
            cell("disjoint", "stamped", 50, 1)); // no 2-thread cell: no line
    String table = Report.disjointScaling(cells);
    List<String> lines = table.lines().toList();
    assertEquals(2, lines.size(), table);
    assertEquals("| default (G1 here) | rangelock-rw | 30.0 | 40.0 | 1.50 |", lines.get(0));
    assertEquals("| ParallelGC | rangelock-rw | 30.0 | 60.0 | 1.00 |", lines.get(1));
    assertFalse(table.contains("stamped"), table);
  }

  @Test
  void noCellsNoTable() {
    assertTrue(Report.disjointScaling(List.of()).isEmpty());
  }
}
