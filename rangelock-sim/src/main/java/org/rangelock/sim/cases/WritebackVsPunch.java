package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 6, writeback vs hole punch. Pages 1 and 2 are dirty when one thread fsyncs the file, another
 * punches pages 1 and 2 (then a second file takes the freed blocks), and a third stores a few bytes
 * into page 1 through a shared mapping. Writeback must never write into a punched block (caught as
 * it happens). Afterwards page 1 may hold zeros or zeros with the store (the store came before or
 * after the punch), page 2 zeros, in the cache and on disk after fsync: the old data coming back is
 * a resurrection.
 */
final class WritebackVsPunch extends BaseCase {
  static final int OLD = 0xA6;
  static final int DIRTY = 0xC6;
  static final int OTHER = 0x0E;
  static final byte[] STORE = {0x66, 0x66, 0x66, 0x66};

  WritebackVsPunch() {
    super(6, "writeback vs hole punch", OLD);
  }

  @Override
  public void setUp(World w) {
    super.setUp(w);
    w.k.io.write(w.file, PAGE, World.page(DIRTY, 1));
    w.k.io.write(w.file, 2L * PAGE, World.page(DIRTY, 2));
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "writeback",
            () -> {
              w.k.writeback.fsync(w.file);
              w.k.writeback.fsync(w.file);
            }),
        new Role(
            "punch",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "punch");
              w.punchPagesOneAndTwoAndReuse(OTHER);
            }),
        new Role(
            "fault", () -> w.k.mmu.store(w.mm, w.shared.address(PAGE), STORE, 0, STORE.length)));
  }

  @Override
  public void check(World w) {
    byte[] z = World.zeros();
    byte[] zs = World.overlay(z, STORE, 0);
    w.expectOneOf(
        ViolationKind.RESURRECTED_DATA,
        "punched page 1 through the cache",
        w.cachedPage(w.file, 1),
        z,
        zs);
    w.expectOneOf(
        ViolationKind.RESURRECTED_DATA,
        "punched page 2 through the cache",
        w.cachedPage(w.file, 2),
        z);
    w.k.writeback.fsync(w.file);
    w.expectOneOf(
        ViolationKind.RESURRECTED_DATA,
        "punched page 1 on disk after fsync",
        w.diskPage(w.file, 1),
        z,
        zs);
    w.expectOneOf(
        ViolationKind.RESURRECTED_DATA,
        "punched page 2 on disk after fsync",
        w.diskPage(w.file, 2),
        z);
    for (int i = 0; i < 2; i++) {
      w.expectOneOf(
          ViolationKind.BLOCK_OF_OTHER_FILE,
          "the other file's page " + i + " on disk",
          w.diskPage(w.other, i),
          World.page(OTHER, i));
    }
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "writeback holds a block number across the punch and the reuse",
            r ->
                r.pauseAt(
                        "punch",
                        RacePoint.KILL_START,
                        1,
                        "writeback:WRITEBACK_BEFORE_IO#1",
                        Windows.WAIT)
                    .pauseAt(
                        "writeback", RacePoint.WRITEBACK_BEFORE_IO, 1, "punch:done", Windows.WAIT)
                    .pauseAt("fault", RacePoint.FAULT_START, 1, "punch:done", Windows.WAIT)),
        new Window(
            "a store refaults the old block while the punch is between cache and blocks",
            r -> Windows.faultBetweenCacheTruncationAndBlockFree(r, "punch")));
  }
}
