package org.rangelock.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.rangelock.sim.cases.Oracles;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/** The in-flight oracles of the machine, each shown a hand-built broken state. */
class KernelOracleTest {
  private final Kernel k = new Kernel(Strategy.NONE.create(), new Races(1), 64);

  private void assertOnly(ViolationKind kind) {
    List<Violation> v = k.races.violations();
    assertTrue(
        !v.isEmpty() && v.stream().allMatch(x -> x.kind() == kind), kind + " expected: " + v);
  }

  @Test
  void accessThroughAFreedFrameIsUseAfterFree() {
    FrameRef ref = k.memory.allocate();
    k.memory.free(ref);
    FrameRef reused = k.memory.allocate();
    assertEquals(ref.pfn(), reused.pfn(), "freed frames are reused first");
    k.memory.read(ref, 0, new byte[1], 0, 1, "test load");
    assertOnly(ViolationKind.FRAME_USE_AFTER_FREE);
    assertTrue(k.races.violations().get(0).detail().contains("reused"));
  }

  @Test
  void writingABlockOfAnotherFileIsReported() {
    Inode a = k.fs.create();
    Inode b = k.fs.create();
    int block = k.device.allocate(b.id);
    k.device.write(block, new byte[PAGE], a.id, "test");
    assertOnly(ViolationKind.BLOCK_OF_OTHER_FILE);
  }

  @Test
  void writebackIntoABlockTheFileNoLongerMapsIsReported() {
    Inode a = k.fs.create();
    k.io.write(a, 0, new byte[PAGE]);
    k.writeback.fsync(a);
    int block = a.blockOf(0);
    k.fs.freeBlocks(a, 0, 1);
    int again = k.device.allocate(a.id); // same block back, but not mapped at page 0
    assertEquals(block, again);
    k.fs.writeBlock(a, 0, block, new byte[PAGE], "test writeback");
    assertOnly(ViolationKind.WRITEBACK_INTO_FREED_BLOCK);
  }

  @Test
  void mappingOfAPageThatLeftTheCacheIsStale() {
    Inode a = k.fs.create();
    k.io.write(a, 0, new byte[2 * PAGE]);
    AddressSpace mm = k.newAddressSpace();
    Vma vma = mm.mmap(a, 0, 2L * PAGE, true);
    k.mmu.load(mm, vma.address(PAGE), new byte[1], 0, 1);
    k.fs.removeFromCache(a.cache().get(1)); // removed without unmapping
    Oracles.ptesAreLive(k, mm);
    assertOnly(ViolationKind.STALE_MAPPING);
  }

  @Test
  void faultMappingAPageThatIsNotUptodateIsReported() {
    Inode a = k.fs.create();
    k.io.write(a, 0, new byte[PAGE]);
    k.writeback.fsync(a);
    k.reclaim.shrink(a);
    Page fresh = new Page(a, 0, k.memory.allocate()); // inserted, never read
    a.cache.insertIfAbsent(fresh);
    AddressSpace mm = k.newAddressSpace();
    Vma vma = mm.mmap(a, 0, PAGE, true);
    k.mmu.load(mm, vma.address(0), new byte[1], 0, 1);
    assertOnly(ViolationKind.UNINITIALISED_PAGE_MAPPED);
  }

  @Test
  void twoFilesMappingOneBlockIsReported() {
    Inode a = k.fs.create();
    Inode b = k.fs.create();
    k.io.write(a, 0, new byte[PAGE]);
    k.writeback.fsync(a);
    synchronized (b.mapLock) {
      b.size = PAGE;
      b.blockMap.put(0L, new Inode.Extent(a.blockOf(0), false));
    }
    Oracles.always(k);
    assertOnly(ViolationKind.BLOCK_OF_OTHER_FILE);
  }
}
