package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 8, direct read into a mapping of the same range: the 2012 mapping-tree mail's "read from a
 * file into a buffer that is a mmap()d region of the same file that has not been faulted in yet",
 * with {@code O_DIRECT}. Pages 1 and 2 are read directly into the shared mapping of pages 1 and 2
 * while another thread stores a few bytes at the start of page 2 through that mapping and then
 * loads page 1. Either serial order leaves the file's bytes with the store on top: the read must
 * return all 8 KiB (no {@code EFAULT}, no hang, no self-deadlock), page 1 must read its old data
 * and page 2 the old data with the store, through the mapping and on disk after fsync.
 */
final class DirectReadIntoOwnMapping extends BaseCase {
  static final int OLD = 0xA8;
  static final byte[] STORE = {0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58};

  DirectReadIntoOwnMapping() {
    super(8, "direct read into own mapping", OLD);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "direct",
            () ->
                w.returned.put(
                    "got",
                    w.k.direct.readIntoMapping(
                        w.file, PAGE, 2 * PAGE, w.mm, w.shared.address(PAGE)))),
        new Role(
            "store",
            () -> {
              w.races.hit(RacePoint.USER_ACCESS, "store into page 2");
              w.k.mmu.store(w.mm, w.shared.address(2L * PAGE), STORE, 0, STORE.length);
              w.loadPage(w.shared, 1);
            }));
  }

  @Override
  public void check(World w) {
    if (w.returned.getOrDefault("got", -1) != 2 * PAGE) {
      w.races.violation(
          ViolationKind.IO_FAILED,
          "direct read into the mapping returned " + w.returned.getOrDefault("got", -1));
    }
    byte[] p1 = World.page(OLD, 1);
    byte[] p2 = World.overlay(World.page(OLD, 2), STORE, 0);
    w.expectOneOf(
        ViolationKind.STALE_DATA, "page 1 through the mapping", w.loadPage(w.shared, 1), p1);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 2 through the mapping", w.loadPage(w.shared, 2), p2);
    w.k.writeback.fsync(w.file);
    w.expectOneOf(
        ViolationKind.STALE_DATA, "page 1 on disk after fsync", w.diskPage(w.file, 1), p1);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 2 on disk after fsync", w.diskPage(w.file, 2), p2);
  }

  @Override
  public List<byte[]> serialStates(World w, World.Read read) {
    // The read copies page 1's own bytes over it, so a load of page 1 sees its old data in every
    // serial order.
    if (read.inode() != w.file || read.index() != 1) {
      return null;
    }
    return List.of(World.page(OLD, 1));
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "the store lands in the pinned page between the read's flush and its IO",
            r ->
                r.pauseAt(
                        "store",
                        RacePoint.USER_ACCESS,
                        1,
                        "direct:" + RacePoint.DIRECT_BEFORE_IO,
                        Windows.WAIT)
                    .pauseAt("direct", RacePoint.DIRECT_BEFORE_IO, 1, "store:done", Windows.WAIT)));
  }
}
