package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 9, direct write from a mapping of the same range: pages 1 and 2 are written directly from
 * the shared mapping of pages 1 and 2 (the data does not change) while another thread stores a few
 * bytes at the start of page 1 through the mapping and then loads page 2. The write must complete
 * (8 KiB, no {@code EFAULT}, no hang); page 1 must read the old data with the store on top, page 2
 * its old data, through the mapping and on disk after fsync.
 */
final class DirectWriteFromOwnMapping extends BaseCase {
  static final int OLD = 0xA9;
  static final byte[] STORE = {0x59, 0x59, 0x59, 0x59, 0x59, 0x59, 0x59, 0x59};

  DirectWriteFromOwnMapping() {
    super(9, "direct write from own mapping", OLD);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "direct",
            () ->
                w.returned.put(
                    "got",
                    w.k.direct.writeFromMapping(
                        w.file, PAGE, 2 * PAGE, w.mm, w.shared.address(PAGE)))),
        new Role(
            "store",
            () -> {
              w.races.hit(RacePoint.USER_ACCESS, "store into page 1");
              w.k.mmu.store(w.mm, w.shared.address(PAGE), STORE, 0, STORE.length);
              w.loadPage(w.shared, 2);
            }));
  }

  @Override
  public void check(World w) {
    if (w.returned.getOrDefault("got", -1) != 2 * PAGE) {
      w.races.violation(
          ViolationKind.IO_FAILED,
          "direct write from the mapping returned " + w.returned.getOrDefault("got", -1));
    }
    byte[] p1 = World.overlay(World.page(OLD, 1), STORE, 0);
    byte[] p2 = World.page(OLD, 2);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 1 through the mapping", w.loadPage(w.shared, 1), p1);
    w.expectOneOf(
        ViolationKind.STALE_DATA, "page 2 through the mapping", w.loadPage(w.shared, 2), p2);
    w.k.writeback.fsync(w.file);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 1 on disk after fsync", w.diskPage(w.file, 1), p1);
    w.expectOneOf(
        ViolationKind.STALE_DATA, "page 2 on disk after fsync", w.diskPage(w.file, 2), p2);
  }

  @Override
  public List<byte[]> serialStates(World w, World.Read read) {
    // Page 2 changes in no serial order: the direct write writes its own bytes back.
    if (read.inode() != w.file || read.index() != 2) {
      return null;
    }
    return List.of(World.page(OLD, 2));
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "the store comes between the write's pin and its IO",
            r ->
                r.pauseAt(
                        "store",
                        RacePoint.USER_ACCESS,
                        1,
                        "direct:" + RacePoint.DIRECT_AFTER_PIN,
                        Windows.WAIT)
                    .pauseAt("direct", RacePoint.DIRECT_AFTER_PIN, 1, "store:done", Windows.WAIT)),
        new Window(
            "the store faults page 1 while the direct write's pin is filling it",
            r ->
                r.pauseAt("direct", RacePoint.FAULT_BEFORE_READPAGE, 1, "store:done", Windows.WAIT)
                    .pauseAt(
                        "store",
                        RacePoint.USER_ACCESS,
                        1,
                        "direct:" + RacePoint.FAULT_BEFORE_READPAGE,
                        Windows.WAIT)));
  }
}
