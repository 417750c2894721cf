package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 5, writeback vs truncate. Pages 2 and 3 are dirty when one thread fsyncs the file and
 * another truncates it to one page, after which a second file takes the freed blocks. Writeback
 * must never write into a block the truncate freed (caught as it happens), leave no written block
 * past EOF, and when the file is extended again the range must read zeros.
 */
final class WritebackVsTruncate extends BaseCase {
  static final int OLD = 0xA5;
  static final int DIRTY = 0xC5;
  static final int OTHER = 0x0E;

  WritebackVsTruncate() {
    super(5, "writeback vs truncate", OLD);
  }

  @Override
  public void setUp(World w) {
    super.setUp(w);
    w.k.io.write(w.file, 2L * PAGE, World.page(DIRTY, 2));
    w.k.io.write(w.file, 3L * PAGE, World.page(DIRTY, 3));
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role("writeback", () -> w.k.writeback.fsync(w.file)),
        new Role(
            "truncate",
            () -> {
              w.k.killers.truncate(w.file, PAGE);
              w.reuseFreedBlocks(OTHER);
            }));
  }

  @Override
  public void check(World w) {
    for (int i = 0; i < 2; i++) {
      w.expectOneOf(
          ViolationKind.BLOCK_OF_OTHER_FILE,
          "the other file's page " + i + " on disk",
          w.diskPage(w.other, i),
          World.page(OTHER, i));
    }
    w.k.killers.truncate(w.file, World.PAGES * (long) PAGE);
    for (int i = 1; i < World.PAGES; i++) {
      w.expectOneOf(
          ViolationKind.RESURRECTED_DATA,
          "re-extended page " + i + " through the cache",
          w.cachedPage(w.file, i),
          World.zeros());
      w.expectOneOf(
          ViolationKind.RESURRECTED_DATA,
          "re-extended page " + i + " on disk",
          w.diskPage(w.file, i),
          World.zeros());
    }
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "writeback holds a block number across the truncate and the reuse",
            r ->
                r.pauseAt(
                        "truncate",
                        RacePoint.KILL_START,
                        1,
                        "writeback:WRITEBACK_BEFORE_IO#1",
                        Windows.WAIT)
                    .pauseAt(
                        "writeback",
                        RacePoint.WRITEBACK_BEFORE_IO,
                        1,
                        "truncate:done",
                        Windows.WAIT)),
        new Window(
            "writeback allocates a block for a page the truncate is removing",
            r ->
                r.pauseAt(
                        "truncate",
                        RacePoint.KILL_START,
                        1,
                        "writeback:WRITEBACK_BEFORE_LOOKUP#1",
                        Windows.WAIT)
                    .pauseAt(
                        "writeback",
                        RacePoint.WRITEBACK_BEFORE_LOOKUP,
                        1,
                        "truncate:done",
                        Windows.WAIT)));
  }
}
