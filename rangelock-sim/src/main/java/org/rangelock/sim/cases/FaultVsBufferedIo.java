package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 4, mmap fault vs buffered IO. A buffered write replaces page 1 while another thread loads it
 * through a shared mapping (its fault fills the page from disk). The fault only reads, so
 * afterwards page 1 must hold the written data everywhere; and no PTE may ever map a page that is
 * not uptodate (checked as it happens).
 */
final class FaultVsBufferedIo extends BaseCase {
  static final int OLD = 0xA4;
  static final int NEW = 0xB4;

  FaultVsBufferedIo() {
    super(4, "mmap fault vs buffered IO", OLD);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "fault",
            () -> {
              w.loadPage(w.shared, 1);
              w.loadPage(w.shared, 2);
            }),
        new Role(
            "write",
            () -> {
              w.k.io.write(w.file, PAGE, World.page(NEW, 1));
              w.k.io.write(w.file, 2L * PAGE + 100, new byte[] {7, 7, 7, 7});
            }));
  }

  @Override
  public void check(World w) {
    byte[] n1 = World.page(NEW, 1);
    byte[] n2 = World.overlay(World.page(OLD, 2), new byte[] {7, 7, 7, 7}, 100);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 1 through the mapping", w.loadPage(w.shared, 1), n1);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 1 through the cache", w.cachedPage(w.file, 1), n1);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 2 through the cache", w.cachedPage(w.file, 2), n2);
    w.k.writeback.fsync(w.file);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 1 on disk after fsync", w.diskPage(w.file, 1), n1);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 2 on disk after fsync", w.diskPage(w.file, 2), n2);
  }

  /** Each page is as before the write or as after it. */
  @Override
  public List<byte[]> serialStates(World w, World.Read read) {
    if (read.inode() != w.file) {
      return null;
    }
    switch (read.index()) {
      case 1:
        return List.of(World.page(OLD, 1), World.page(NEW, 1));
      case 2:
        return List.of(
            World.page(OLD, 2), World.overlay(World.page(OLD, 2), new byte[] {7, 7, 7, 7}, 100));
      default:
        return null;
    }
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "write lands in the page the fault created, before the fault reads it from disk",
            r ->
                r.pauseAt(
                        "write",
                        RacePoint.WRITE_START,
                        1,
                        "fault:FAULT_BEFORE_READPAGE",
                        Windows.WAIT)
                    .pauseAt(
                        "fault", RacePoint.FAULT_BEFORE_READPAGE, 1, "write:done", Windows.WAIT)),
        new Window(
            "fault maps the page the write created before it is uptodate",
            r ->
                r.pauseAt(
                        "fault",
                        RacePoint.FAULT_START,
                        1,
                        "write:WRITE_BEFORE_COPY#1",
                        Windows.WAIT)
                    .pauseAt("write", RacePoint.WRITE_BEFORE_COPY, 1, "fault:done", Windows.WAIT)));
  }
}
