package org.rangelock.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

  private static boolean reported(Kernel k, org.rangelock.sim.race.ViolationKind kind) {
    return k.races.violations().stream().anyMatch(v -> v.kind() == kind);
  }

  private static Kernel bootWithTwoFiles() {
    Kernel k = new Kernel(Strategy.RANGE_LOCK.create(), new Races(1), 64);
    Inode a = k.fs.create();
    k.fs.create();
    k.io.write(a, 0, new byte[PAGE * 2]);
    k.writeback.fsync(a);
    k.reclaim.shrink(a);
    return k;
  }

  /** A read of a block that another file owns by then is another file's data shown: a leak. */
  @org.junit.jupiter.api.Test
  void readingABlockAnotherFileOwnsIsAnInformationLeak() {
    Kernel k = bootWithTwoFiles();
    Inode a = k.fs.inodes().get(0);
    TestHooks.giveBlockAway(k, a, 1, k.fs.inodes().get(1));
    k.io.read(a, PAGE, 10);
    assertTrue(reported(k, org.rangelock.sim.race.ViolationKind.INFORMATION_LEAK));
  }

  /** A SIGBUS at a page no truncate put past EOF since the race began is spurious. */
  @org.junit.jupiter.api.Test
  void aSigbusInsideEofIsSpurious() {
    Kernel k = bootWithTwoFiles();
    Inode a = k.fs.inodes().get(0);
    AddressSpace mm = k.newAddressSpace();
    Vma v = mm.mmap(a, 0, 2L * PAGE, true);
    a.markLowWater();
    TestHooks.setSize(a, 0); // i_size wrong behind every lock's back, not by a truncate
    assertThrows(SigBus.class, () -> k.mmu.load(mm, v.address(PAGE), new byte[1], 0, 1));
    assertTrue(reported(k, org.rangelock.sim.race.ViolationKind.SPURIOUS_SIGBUS));
  }

  /** A truncate that legitimately moved EOF down makes the same SIGBUS no violation. */
  @org.junit.jupiter.api.Test
  void aSigbusAfterATruncateIsNotSpurious() {
    Kernel k = bootWithTwoFiles();
    Inode a = k.fs.inodes().get(0);
    AddressSpace mm = k.newAddressSpace();
    Vma v = mm.mmap(a, 0, 2L * PAGE, true);
    a.markLowWater();
    k.killers.truncate(a, PAGE);
    assertThrows(SigBus.class, () -> k.mmu.load(mm, v.address(PAGE), new byte[1], 0, 1));
    assertEquals(java.util.List.of(), k.races.violations());
  }

  /** A clean cached page that differs from the disk, and a non-zero page past EOF, are caught. */
  @org.junit.jupiter.api.Test
  void aCleanPageThatDiffersFromDiskAndAPagePastEofThatIsNotZeroAreCaught() {
    Kernel k = bootWithTwoFiles();
    Inode a = k.fs.inodes().get(0);
    k.io.read(a, 0, 2 * PAGE);
    org.rangelock.sim.cases.Oracles.cacheAgreesWithDisk(k, a);
    assertEquals(java.util.List.of(), k.races.violations());
    TestHooks.scribble(k, a, 0, new byte[] {9});
    org.rangelock.sim.cases.Oracles.cacheAgreesWithDisk(k, a);
    assertTrue(reported(k, org.rangelock.sim.race.ViolationKind.CACHE_DISAGREES_WITH_DISK));
    assertEquals(1, k.races.violations().size());
    TestHooks.setSize(a, PAGE);
    TestHooks.scribble(k, a, 1, new byte[] {7});
    org.rangelock.sim.cases.Oracles.cacheAgreesWithDisk(k, a);
    assertTrue(
        k.races.violations().stream().anyMatch(x -> x.detail().contains("past EOF")),
        k.races.violations().toString());
  }

  /** A page reference, a block and a lock hold that nothing releases are leaks. */
  @org.junit.jupiter.api.Test
  void leakedReferencesBlocksAndHoldsAreCaught() {
    Kernel k = bootWithTwoFiles();
    Inode a = k.fs.inodes().get(0);
    k.io.read(a, 0, PAGE);
    assertEquals(java.util.List.of(), k.leaks());
    TestHooks.leakReference(a, 0);
    assertTrue(k.leaks().stream().anyMatch(l -> l.contains("references")), k.leaks().toString());
    TestHooks.leakBlock(k, a);
    assertTrue(k.leaks().stream().anyMatch(l -> l.contains("blocks")), k.leaks().toString());
    org.rangelock.sim.exclusion.Exclusion.Held h =
        k.exclusion.enter(org.rangelock.sim.exclusion.Op.PUNCH, a, 0, PAGE);
    assertTrue(k.leaks().stream().anyMatch(l -> l.contains("still held")), k.leaks().toString());
    h.close();
    assertFalse(k.leaks().stream().anyMatch(l -> l.contains("still held")));
  }

  /** The other strategies report their holds too. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(
      value = Strategy.class,
      names = {"LEGACY", "INVALIDATE_LOCK", "TWO_STATE", "RANGE_LOCK"})
  void eachStrategyReportsAHoldLeftBehind(Strategy s) {
    Kernel k = new Kernel(s.create(), new Races(1), 16);
    Inode a = k.fs.create();
    org.rangelock.sim.exclusion.Exclusion.Held h =
        k.exclusion.enter(org.rangelock.sim.exclusion.Op.TRUNCATE, a, 0, Long.MAX_VALUE);
    assertFalse(k.exclusion.heldAtQuiescence().isEmpty(), s.name());
    h.close();
    assertEquals("", k.exclusion.heldAtQuiescence(), s.name());
  }
}
