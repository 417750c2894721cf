package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 3, mmap fault vs direct IO. A direct write replaces pages 1 and 2 while another thread
 * stores a few bytes at the start of page 2 and loads page 1 through a shared mapping. Afterwards
 * page 1 must hold the direct data everywhere; page 2 must hold the direct data, with or without
 * the store on top (the two serial orders), and the cache, the mapping and the disk after fsync
 * must agree.
 */
final class FaultVsDirectIo extends BaseCase {
  static final int OLD = 0xA3;
  static final int DIRECT = 0xD3;
  static final byte[] STORE = {0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A};

  FaultVsDirectIo() {
    super(3, "mmap fault vs direct IO", OLD);
  }

  static byte[] directData() {
    return World.pagesOneAndTwo(DIRECT);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "fault",
            () -> {
              w.k.mmu.store(w.mm, w.shared.address(2L * PAGE), STORE, 0, STORE.length);
              w.loadPage(w.shared, 1);
            }),
        new Role("direct", () -> w.k.direct.write(w.file, PAGE, directData())));
  }

  @Override
  public void check(World w) {
    byte[] d1 = World.page(DIRECT, 1);
    byte[] d2 = World.page(DIRECT, 2);
    byte[] d2s = World.overlay(d2, STORE, 0);
    w.expectOneOf(
        ViolationKind.STALE_DATA, "page 1 through the mapping", w.loadPage(w.shared, 1), d1);
    w.expectOneOf(
        ViolationKind.STALE_DATA, "page 1 through the cache", w.cachedPage(w.file, 1), d1);
    byte[] mapped = w.loadPage(w.shared, 2);
    if (w.expectOneOf(ViolationKind.LOST_WRITE, "page 2 through the mapping", mapped, d2, d2s)) {
      w.expectOneOf(
          ViolationKind.STALE_DATA, "page 2 through the cache", w.cachedPage(w.file, 2), mapped);
    }
    w.k.writeback.fsync(w.file);
    w.expectOneOf(
        ViolationKind.STALE_DATA, "page 1 on disk after fsync", w.diskPage(w.file, 1), d1);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 2 on disk after fsync", w.diskPage(w.file, 2), d2, d2s);
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "store faults the old block in between the direct write's invalidation and its IO",
            r ->
                r.pauseAt(
                        "fault",
                        RacePoint.FAULT_START,
                        1,
                        "direct:" + RacePoint.DIRECT_BEFORE_IO,
                        Windows.WAIT)
                    .pauseAt("direct", RacePoint.DIRECT_BEFORE_IO, 1, "fault:done", Windows.WAIT)));
  }
}
