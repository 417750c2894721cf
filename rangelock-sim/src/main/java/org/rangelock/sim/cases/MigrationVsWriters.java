package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 20, page migration vs stores, buffered writes and a direct read's DMA. Pages 1 and 2 are
 * cached and mapped. One thread migrates page 1, then page 2, then page 1 again (compaction, NUMA
 * balancing, {@code shmem_replace_page}); meanwhile one stores into page 1 through the shared
 * mapping, one writes a few bytes into page 1 with {@code write(2)}, and one reads the second
 * file's page 0 with {@code O_DIRECT} into a buffer that is the shared mapping of page 2 (the
 * direct IO pins that page and its DMA writes into it with no page lock). None of them may be lost:
 * afterwards page 1 holds the old data with the store and the write, page 2 the second file's data,
 * through the mapping, the cache and on disk after fsync.
 *
 * <p>Migration takes no lock of the file in any kernel: the page lock, unmapping first, and the
 * reference-count freeze (which fails while anyone — the pin above — holds a reference) are its
 * whole protocol, so every row is judged on the same mechanism; {@code MigrationWithoutFreezeTest}
 * runs the case with the freeze removed.
 */
final class MigrationVsWriters extends BaseCase {
  static final int OLD = 0xAB;
  static final int OTHER = 0x0B;
  static final byte[] STORE = {0x61, 0x62, 0x63, 0x64};
  static final byte[] WRITE = {0x71, 0x72, 0x73};
  static final int STORE_AT = 100;
  static final int WRITE_AT = 2000;

  private final boolean freezes;

  MigrationVsWriters() {
    this(true);
  }

  /** With {@code freezes} false, migration copies without freezing the reference count. */
  MigrationVsWriters(boolean freezes) {
    super(20, "migration vs stores + writes + DMA", OLD);
    this.freezes = freezes;
  }

  @Override
  public void setUp(World w) {
    super.setUp(w);
    w.populate(w.other, OTHER, 1);
    w.loadPage(w.shared, 1);
    w.loadPage(w.shared, 2);
    w.k.migration.freezesReferences(freezes);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "migrate",
            () -> {
              w.k.migration.migrate(w.file, 1);
              w.k.migration.migrate(w.file, 2);
              w.k.migration.migrate(w.file, 1);
            }),
        new Role(
            "store",
            () -> w.k.mmu.store(w.mm, w.shared.address(PAGE + STORE_AT), STORE, 0, STORE.length)),
        new Role("write", () -> w.k.io.write(w.file, PAGE + WRITE_AT, WRITE)),
        new Role(
            "direct",
            () -> {
              int n =
                  w.k.direct.readIntoMapping(w.other, 0, PAGE, w.mm, w.shared.address(2L * PAGE));
              w.returned.put("direct", n);
            }));
  }

  @Override
  public void check(World w) {
    byte[] one = World.overlay(World.overlay(World.page(OLD, 1), STORE, STORE_AT), WRITE, WRITE_AT);
    byte[] two = World.page(OTHER, 0);
    Integer n = w.returned.get("direct");
    if (n == null || n != PAGE) {
      w.races.violation(ViolationKind.IO_FAILED, "the direct read returned " + n + ", not " + PAGE);
    }
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 1 through the mapping", w.loadPage(w.shared, 1), one);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 1 through the cache", w.cachedPage(w.file, 1), one);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 2 through the cache", w.cachedPage(w.file, 2), two);
    w.k.writeback.fsync(w.file);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 1 on disk after fsync", w.diskPage(w.file, 1), one);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 2 on disk after fsync", w.diskPage(w.file, 2), two);
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "page 2 migrates while the direct read has it pinned, before the DMA",
            r ->
                r.pauseAt("direct", RacePoint.DIRECT_AFTER_PIN, 1, "migrate:done", Windows.WAIT)
                    .pauseAt(
                        "migrate",
                        RacePoint.MIGRATE_BEFORE_FREEZE,
                        2,
                        "direct:" + RacePoint.DIRECT_AFTER_PIN,
                        Windows.WAIT)),
        new Window(
            "the buffered write lands in page 1 between the migration's copy and the replacement",
            r ->
                r.pauseAt(
                        "write",
                        RacePoint.WRITE_START,
                        1,
                        "migrate:" + RacePoint.MIGRATE_BEFORE_REPLACE,
                        Windows.WAIT)
                    .pauseAt(
                        "migrate",
                        RacePoint.MIGRATE_BEFORE_REPLACE,
                        1,
                        "write:done",
                        Windows.WAIT)));
  }
}
