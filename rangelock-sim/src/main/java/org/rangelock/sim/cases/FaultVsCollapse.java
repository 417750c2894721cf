package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 16, mmap fault vs collapse range. Page 1 of a four-page file is collapsed away (pages 2 and
 * 3 move down to 1 and 2, the size drops to three pages) while another thread loads pages 1, 2 and
 * 3 through a shared mapping. The fault only reads, so afterwards page {@code i} must hold old page
 * {@code i + 1} for {@code i} = 1, 2 — through the mapping, the cache and on disk — page 0 is
 * untouched, and page 3 is past EOF (SIGBUS, no PTE).
 *
 * <p>Collapse flushes and drops the cache from the collapsed offset on, then frees the collapsed
 * blocks and shifts the extents down. A fault between the cache drop and the shift caches the page
 * at its old index — a page that will sit at the wrong offset once the extents move. Collapse range
 * came to XFS and ext4 in Linux 3.15 (2014), without a lock against faults; XFS's {@code
 * XFS_MMAPLOCK} (4.1) was added for this race and truncate's.
 */
final class FaultVsCollapse extends BaseCase {
  static final int OLD = 0xA7;

  FaultVsCollapse() {
    super(16, "mmap fault vs collapse range", OLD);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "fault",
            () -> {
              w.loadPage(w.shared, 1);
              w.loadPage(w.shared, 2);
              w.loadPage(w.shared, 3); // SIGBUS once the collapse has set the size
            }),
        new Role(
            "collapse",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "collapse");
              w.k.killers.collapseRange(w.file, PAGE, PAGE);
            }));
  }

  @Override
  public void check(World w) {
    long size = 3L * PAGE;
    if (w.file.size() != size) {
      w.races.violation(
          ViolationKind.STALE_DATA, "size is " + w.file.size() + " after collapse, not " + size);
    }
    for (int i = 0; i <= 2; i++) {
      byte[] want = World.page(OLD, i == 0 ? 0 : i + 1);
      w.expectOneOf(
          ViolationKind.STALE_DATA,
          "page " + i + " through the mapping",
          w.loadPage(w.shared, i),
          want);
      w.expectOneOf(
          ViolationKind.STALE_DATA,
          "page " + i + " through the cache",
          w.cachedPage(w.file, i),
          want);
    }
    w.expectSigbusPastEof(3, size);
    w.k.writeback.fsync(w.file);
    for (int i = 0; i <= 2; i++) {
      w.expectOneOf(
          ViolationKind.STALE_DATA,
          "page " + i + " on disk after fsync",
          w.diskPage(w.file, i),
          World.page(OLD, i == 0 ? 0 : i + 1));
    }
  }

  /** Before the collapse page i holds old page i; after it, old page i + 1 (page 3: SIGBUS). */
  @Override
  public List<byte[]> serialStates(World w, World.Read read) {
    int i = read.index();
    if (read.inode() != w.file || i < 1 || i > 3) {
      return null;
    }
    return java.util.Arrays.asList(World.page(OLD, i), i == 3 ? null : World.page(OLD, i + 1));
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "the fault caches pages at their old indices between the cache drop and the shift",
            r -> Windows.faultBetweenCacheTruncationAndBlockFree(r, "collapse")));
  }
}
