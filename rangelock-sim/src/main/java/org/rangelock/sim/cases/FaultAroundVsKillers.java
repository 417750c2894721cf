package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 19, fault-around vs punch and truncate. The whole four-page file is cached (read once) and
 * fault-around is on (four pages). One thread loads page 0 through the shared and then the private
 * mapping — each fault maps every cached page of the window without {@code ->fault}, as {@code
 * filemap_map_pages} does, and page 0 is the only one ever handled by {@code ->fault} — while
 * another punches pages 1 and 2 (then a second file takes the freed blocks) and a third truncates
 * the file to three pages. Afterwards pages 1 and 2 read zeros through the mapping, the cache and
 * on disk after fsync, page 0 is untouched, page 3 raises SIGBUS; no PTE maps a page that left the
 * cache or lies past EOF (the generic oracle).
 *
 * <p>Fault-around maps pages with no filesystem lock in any kernel since it came (Linux 3.15,
 * 2014): what keeps it from mapping a page a killer is removing is the page lock (tried, never
 * waited for), the {@code page->mapping} and {@code i_size} checks under it, and the killer's cache
 * truncation unmapping a mapped page under that same lock. Before it, 2.6's {@code install_page}
 * ({@code remap_file_pages}, {@code MAP_POPULATE}) mapped cached pages without {@code ->nopage} in
 * the same way.
 */
final class FaultAroundVsKillers extends BaseCase {
  static final int OLD = 0xAA;
  static final int OTHER = 0x0A;
  static final long NEW_SIZE = 3L * PAGE;

  FaultAroundVsKillers() {
    super(19, "fault-around vs punch + truncate", OLD);
  }

  @Override
  public void setUp(World w) {
    super.setUp(w);
    w.k.io.read(w.file, 0, World.PAGES * PAGE); // every page cached and uptodate
    w.k.faults.faultAround(World.PAGES);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "fault",
            () -> {
              // Each load faults on page 0, which no killer touches: pages 1-3 are only ever
              // mapped by fault-around, never by ->fault.
              w.races.hit(RacePoint.ROLE_START, "fault");
              w.loadPage(w.shared, 0);
              w.loadPage(w.priv, 0);
            }),
        new Role(
            "punch",
            () -> {
              w.punchPagesOneAndTwoAndReuse(OTHER);
            }),
        new Role("truncate", () -> w.k.killers.truncate(w.file, NEW_SIZE)));
  }

  @Override
  public void check(World w) {
    w.expectPunchedZerosThroughMappingAndCache(w.shared, "mapping");
    w.expectOneOf(
        ViolationKind.STALE_DATA,
        "untouched page 0 through the mapping",
        w.loadPage(w.shared, 0),
        World.page(OLD, 0));
    w.expectSigbusPastEof(3, NEW_SIZE);
    w.expectPunchedZerosOnDiskAfterFsync();
  }

  /** Page 0 is never touched: it is old in every order. */
  @Override
  public List<byte[]> serialStates(World w, World.Read read) {
    return read.inode() == w.file && read.index() == 0 ? List.of(World.page(OLD, 0)) : null;
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "fault-around maps page 1 after the punch took it out of the cache",
            r ->
                r.pauseAt(
                        "punch",
                        RacePoint.KILL_START,
                        1,
                        "fault:" + RacePoint.MAP_PAGES_BEFORE_INSTALL + "#2",
                        Windows.WAIT)
                    .pauseAt(
                        "fault",
                        RacePoint.MAP_PAGES_BEFORE_INSTALL,
                        2,
                        "punch:" + RacePoint.KILL_BEFORE_FREE,
                        Windows.WAIT)
                    .pauseAt("punch", RacePoint.KILL_BEFORE_FREE, 1, "fault:done", Windows.WAIT)),
        new Window(
            "fault-around samples the fault sequence after the punch's unmap and maps page 1"
                + " before the cache truncation, which does not unmap it",
            r ->
                r.pauseAt(
                        "fault",
                        RacePoint.ROLE_START,
                        1,
                        "punch:" + RacePoint.KILL_AFTER_UNMAP,
                        Windows.WAIT)
                    .pauseAt(
                        "punch",
                        RacePoint.KILL_AFTER_UNMAP,
                        1,
                        "fault:" + RacePoint.MAP_PAGES_BEFORE_INSTALL + "#3",
                        Windows.WAIT)));
  }
}
