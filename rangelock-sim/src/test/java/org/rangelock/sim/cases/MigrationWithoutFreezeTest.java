package org.rangelock.sim.cases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.kernel.Kernel;
import org.rangelock.sim.kernel.Mmu;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/**
 * What the reference-count freeze in migration is for (case 20), step by step on one thread, under
 * every strategy: a direct read pins page 2 (its buffer), page 2 migrates, the DMA writes into the
 * pinned frame. With the freeze the migration fails ({@code -EAGAIN}: the pin is a reference beyond
 * the cache's and its own) and the data arrives; without it the page is copied and replaced before
 * the DMA, which lands in the old frame, and the read's data is lost — whatever lock the strategy
 * has, since migration takes none of them.
 */
class MigrationWithoutFreezeTest {
  private static List<Violation> pinMigrateDma(Strategy s, boolean freezes, boolean[] migrated) {
    World w = new World(new Kernel(s.create(), new Races(1), 64));
    MigrationVsWriters c = new MigrationVsWriters(freezes);
    c.setUp(w);
    Mmu.Pin pin = w.k.mmu.pinFaulting(w.mm, w.shared.address(2L * PAGE) / PAGE, true);
    migrated[0] = w.k.migration.migrate(w.file, 2);
    byte[] dma = World.page(MigrationVsWriters.OTHER, 0);
    w.k.memory.write(pin.frame(), 0, dma, 0, PAGE, "test DMA");
    w.k.mmu.unpin(pin, true);
    w.returned.put("direct", PAGE);
    w.k.mmu.store(
        w.mm,
        w.shared.address(PAGE + MigrationVsWriters.STORE_AT),
        MigrationVsWriters.STORE,
        0,
        MigrationVsWriters.STORE.length);
    w.k.io.write(w.file, PAGE + MigrationVsWriters.WRITE_AT, MigrationVsWriters.WRITE);
    c.check(w);
    Oracles.nothingLeaks(w.k);
    return w.races.violations();
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void withTheFreezeAPinnedPageDoesNotMigrate(Strategy s) {
    boolean[] migrated = new boolean[1];
    List<Violation> v = pinMigrateDma(s, true, migrated);
    assertFalse(migrated[0], "a pinned page must not migrate");
    assertEquals(List.of(), v);
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void withoutTheFreezeTheDmaIsLost(Strategy s) {
    boolean[] migrated = new boolean[1];
    List<Violation> v = pinMigrateDma(s, false, migrated);
    assertTrue(migrated[0], "without the freeze the pinned page migrates");
    assertTrue(
        v.stream()
            .anyMatch(x -> x.kind() == ViolationKind.LOST_WRITE && x.detail().contains("page 2")),
        () -> "expected page 2's DMA lost: " + v);
  }
}
