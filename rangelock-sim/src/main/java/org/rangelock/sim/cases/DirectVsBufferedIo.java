package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 7, direct vs buffered IO, the write half (the read half is case 11). A direct write replaces
 * page 1 while another thread writes a few bytes into pages 1 and 3 through the cache and then
 * reads page 3 back with direct IO. Afterwards page 1 must hold the direct data, with or without
 * the small write on top, in the cache and on disk after fsync (a stale cache or an older dirty
 * page written over the direct data is a violation); and the direct read must have seen the
 * completed buffered write (the serial-order oracle holds it to that).
 */
final class DirectVsBufferedIo extends BaseCase {
  static final int OLD = 0xA7;
  static final int DIRECT = 0xD7;
  static final byte[] SMALL = {0x77, 0x77, 0x77, 0x77};
  static final int AT = 100;

  DirectVsBufferedIo() {
    super(7, "direct IO vs buffered write", OLD);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "write",
            () -> {
              w.k.io.write(w.file, PAGE + AT, SMALL);
              w.k.io.write(w.file, 3L * PAGE + AT, SMALL);
              w.directRead(w.file, 3, 1);
            }),
        new Role("direct", () -> w.k.direct.write(w.file, PAGE, World.page(DIRECT, 1))));
  }

  @Override
  public void check(World w) {
    byte[] d = World.page(DIRECT, 1);
    byte[] ds = World.overlay(d, SMALL, AT);
    w.expectOneOf(
        ViolationKind.STALE_DATA, "page 1 through the cache", w.cachedPage(w.file, 1), d, ds);
    w.k.writeback.fsync(w.file);
    w.expectOneOf(
        ViolationKind.LOST_WRITE, "page 1 on disk after fsync", w.diskPage(w.file, 1), d, ds);
    w.expectOneOf(
        ViolationKind.STALE_DATA,
        "page 1 through the cache after fsync",
        w.cachedPage(w.file, 1),
        w.diskPage(w.file, 1));
  }

  @Override
  public List<byte[]> serialStates(World w, World.Read read) {
    // Page 3 is written only by the role that reads it, before it reads it: every serial order
    // shows it the completed buffered write.
    if (read.inode() != w.file || read.index() != 3) {
      return null;
    }
    return List.of(World.overlay(World.page(OLD, 3), SMALL, AT));
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "buffered write dirties the page between the direct write's invalidation and its IO",
            r ->
                r.pauseAt(
                        "write",
                        RacePoint.WRITE_BEFORE_COPY,
                        1,
                        "direct:" + RacePoint.DIRECT_BEFORE_IO,
                        Windows.WAIT)
                    .pauseAt("direct", RacePoint.DIRECT_BEFORE_IO, 1, "write:done", Windows.WAIT)));
  }
}
