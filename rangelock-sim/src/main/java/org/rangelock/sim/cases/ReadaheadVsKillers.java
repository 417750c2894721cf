package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 18, readahead vs punch and truncate. One thread asks for the whole four-page file to be read
 * ahead ({@code readahead(2)}, {@code fadvise(POSIX_FADV_WILLNEED)}: pages created in the cache and
 * read from disk, with no {@code i_rwsem} and no fault), while another punches pages 1 and 2 and
 * then lets a second file take the freed blocks, and a third truncates the file to three pages.
 * Readahead changes no data, so afterwards pages 1 and 2 read zeros through the cache, the mapping
 * and on disk after fsync; page 0 is untouched; page 3 is past EOF (a read of it is empty, a load
 * raises SIGBUS).
 *
 * <p>This is the race Jan Kara's {@code invalidate_lock} series (Linux 5.15) names first: XFS held
 * {@code XFS_IOLOCK} and {@code XFS_MMAPLOCK} exclusive over a punch, which kept reads and faults
 * out, but readahead took neither and could create a page between the punch's cache truncation and
 * its block free, reading a block about to be freed (and reused).
 */
final class ReadaheadVsKillers extends BaseCase {
  static final int OLD = 0xA9;
  static final int OTHER = 0x09;
  static final long NEW_SIZE = 3L * PAGE;

  ReadaheadVsKillers() {
    super(18, "readahead vs punch + truncate", OLD);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role("readahead", () -> w.k.io.readahead(w.file, 0, World.PAGES * (long) PAGE)),
        new Role(
            "punch",
            () -> {
              w.punchPagesOneAndTwoAndReuse(OTHER);
            }),
        new Role("truncate", () -> w.k.killers.truncate(w.file, NEW_SIZE)));
  }

  @Override
  public void check(World w) {
    // Cache before mapping, unlike the fault cases: what readahead left in the cache is what this
    // case races, and a load first would fault the page into the cache itself.
    for (int i = 1; i <= 2; i++) {
      w.expectPunchedZeros(i, "through the cache", w.cachedPage(w.file, i));
      w.expectPunchedZeros(i, "through the mapping", w.loadPage(w.shared, i));
    }
    w.expectOneOf(
        ViolationKind.STALE_DATA, "untouched page 0", w.cachedPage(w.file, 0), World.page(OLD, 0));
    if (w.k.io.read(w.file, NEW_SIZE, PAGE).length != 0) {
      w.races.violation(
          ViolationKind.STALE_DATA, "a read at the new EOF " + NEW_SIZE + " is not empty");
    }
    w.expectSigbusPastEof(3, NEW_SIZE);
    w.expectPunchedZerosOnDiskAfterFsync();
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "readahead creates pages between the punch's cache truncation and its block free",
            r ->
                r.pauseAt(
                        "readahead",
                        RacePoint.READAHEAD_BEFORE_READPAGE,
                        1,
                        "punch:" + RacePoint.KILL_BEFORE_FREE,
                        Windows.WAIT)
                    .pauseAt(
                        "punch", RacePoint.KILL_BEFORE_FREE, 1, "readahead:done", Windows.WAIT)));
  }
}
