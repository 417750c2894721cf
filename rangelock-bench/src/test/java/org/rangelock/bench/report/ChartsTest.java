package org.rangelock.bench.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;

/** The report's charts from hand-made cells: gaps stay gaps, labels are spelled out. */
class ChartsTest {
  @TempDir Path dir;

  private static Report.Cell cell(String workload, String impl, double mean, double error, int t) {
    return new Report.Cell(
        "overlapping", workload, "ops/us", true, impl, mean, mean, error, Double.NaN, t);
  }

  @Test
  void aLockNotRunOnAWorkloadHasNoBarRatherThanAZeroBar() {
    List<Report.Cell> cells = new ArrayList<>();
    cells.add(cell("overlapping readShare=90 size=1 t=2", "a", 10, 1, 2));
    cells.add(cell("overlapping readShare=90 size=1 t=8", "a", 8, 0.5, 8));
    cells.add(cell("overlapping readShare=90 size=1 t=2", "b", 12, 2, 2)); // b: no t=8
    CategoryChart chart = new CategoryChartBuilder().build();
    List<String> xs = List.of("90% shared, 1 page, 2 thr", "90% shared, 1 page, 8 thr");
    for (String impl : List.of("a", "b")) {
      Report.addBars(
          chart,
          impl,
          xs,
          l ->
              cells.stream()
                  .filter(c -> c.impl().equals(impl) && Report.label(c.workload()).equals(l))
                  .findFirst()
                  .orElse(null));
    }
    CategorySeries a = chart.getSeriesMap().get("a");
    CategorySeries b = chart.getSeriesMap().get("b");
    assertEquals(List.of(10.0, 8.0), new ArrayList<>(a.getYData()));
    assertArrayEquals(new Number[] {1.0, 0.5}, a.getExtraValues().toArray(new Number[0]));
    List<? extends Number> by = new ArrayList<>(b.getYData());
    assertEquals(12.0, by.get(0));
    assertNull(by.get(1), "missing must be a gap, not " + by.get(1));
  }

  @Test
  void labelsAreSpelledOut() {
    assertEquals(
        "90% shared, 16 pages, 2 thr", Report.label("overlapping readShare=90 size=16 t=2"));
    assertEquals("50% shared, 1 page, 8 thr", Report.label("overlapping readShare=50 size=1 t=8"));
  }

  @Test
  void chartsAreWrittenWithTheirStampAndAGap() throws Exception {
    System.setProperty("java.awt.headless", "true");
    List<Report.Cell> cells = new ArrayList<>();
    cells.add(cell("overlapping readShare=90 size=1 t=2", "rangelock-rw", 10, 1, 2));
    cells.add(cell("overlapping readShare=90 size=1 t=8", "rangelock-rw", 8, 0.5, 8));
    cells.add(cell("overlapping readShare=90 size=1 t=2", "kogan-list-spin", 12, 2, 2));
    Report.charts(cells, List.of(), dir, "run test-stamp");
    Path png = dir.resolve("overlapping.png");
    assertTrue(Files.size(png) > 0);
    assertTrue(ImageIO.read(png.toFile()).getHeight() > 560, "the stamp strip is added below");
  }
}
