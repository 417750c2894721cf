package org.rangelock.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.race.Races;

/** Single-threaded behaviour of each layer, under every strategy (they must not change it). */
class KernelTest {
  private Kernel k;
  private Inode f;

  private void boot(Strategy s) {
    k = new Kernel(s.create(), new Races(1), 128);
    f = k.fs.create();
  }

  private static byte[] bytes(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  private void dropCaches() {
    k.writeback.fsync(f);
    k.reclaim.shrink(f);
    assertTrue(f.cache().isEmpty(), "cache dropped");
  }

  private void assertNoViolations() {
    assertEquals(java.util.List.of(), k.races.violations());
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void partialBlockWritesSurviveSyncAndCacheDrop(Strategy s) {
    boot(s);
    k.io.write(f, 100, bytes(10, 7));
    k.io.write(f, PAGE - 3, bytes(6, 9)); // straddles two pages
    assertEquals(PAGE + 3, f.size());
    dropCaches();
    byte[] got = k.io.read(f, 0, 2 * PAGE);
    assertEquals(PAGE + 3, got.length, "read is short at EOF");
    byte[] want = new byte[PAGE + 3];
    Arrays.fill(want, 100, 110, (byte) 7);
    Arrays.fill(want, PAGE - 3, PAGE + 3, (byte) 9);
    assertArrayEquals(want, got);
    assertArrayEquals(want, k.fs.diskContents(f));
    assertNoViolations();
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void eofInsideAPageReadsZerosPastItAndMappingMayTouchTheTailOnly(Strategy s) {
    boot(s);
    k.io.write(f, 0, bytes(PAGE + 10, 5));
    AddressSpace mm = k.newAddressSpace();
    Vma vma = mm.mmap(f, 0, 3L * PAGE, true);
    byte[] tail = new byte[PAGE];
    k.mmu.load(mm, vma.address(PAGE), tail, 0, PAGE);
    assertArrayEquals(bytes(10, 5), Arrays.copyOf(tail, 10));
    assertArrayEquals(new byte[PAGE - 10], Arrays.copyOfRange(tail, 10, PAGE), "past EOF is zero");
    // A store past EOF inside the last page is allowed and never becomes file data.
    k.mmu.store(mm, vma.address(PAGE + 20), bytes(4, 0x44), 0, 4);
    assertThrows(SigBus.class, () -> k.mmu.load(mm, vma.address(2L * PAGE), new byte[1], 0, 1));
    k.writeback.fsync(f);
    assertArrayEquals(bytes(PAGE + 10, 5), k.fs.diskContents(f));
    k.killers.truncate(f, PAGE + 100);
    byte[] grown = k.io.read(f, PAGE, 100);
    assertArrayEquals(bytes(10, 5), Arrays.copyOf(grown, 10));
    assertArrayEquals(new byte[90], Arrays.copyOfRange(grown, 10, 100), "extension reads zeros");
    assertNoViolations();
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void punchOfPartialPagesZeroesOnlyTheRangeAndFreesWholeBlocks(Strategy s) {
    boot(s);
    k.io.write(f, 0, bytes(4 * PAGE, 3));
    k.writeback.fsync(f);
    int blockOfPage2 = f.blockOf(2);
    k.killers.punchHole(f, PAGE + 100, 2L * PAGE); // page 1 tail, page 2 whole, page 3 head
    assertEquals(4L * PAGE, f.size(), "punch keeps the size");
    assertEquals(-1, f.blockOf(2), "whole page deallocated");
    assertNotEquals(-1, f.blockOf(1), "partial page keeps its block");
    assertEquals(org.rangelock.sim.kernel.BlockDevice.FREE, k.device.owner(blockOfPage2));
    dropCaches();
    byte[] got = k.io.read(f, 0, 4 * PAGE);
    byte[] want = bytes(4 * PAGE, 3);
    Arrays.fill(want, PAGE + 100, 3 * PAGE + 100, (byte) 0);
    assertArrayEquals(want, got);
    assertArrayEquals(want, k.fs.diskContents(f));
    k.killers.punchHole(f, 10 * PAGE, PAGE); // past EOF: nothing
    assertArrayEquals(want, k.io.read(f, 0, 4 * PAGE));
    assertNoViolations();
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void collapseAndInsertMoveLaterBytesAndRefuseEofAndMisalignment(Strategy s) {
    boot(s);
    for (int i = 0; i < 4; i++) {
      k.io.write(f, (long) i * PAGE, bytes(PAGE, 0x10 + i));
    }
    k.killers.collapseRange(f, PAGE, PAGE);
    assertEquals(3L * PAGE, f.size());
    assertArrayEquals(bytes(PAGE, 0x12), k.io.read(f, PAGE, PAGE));
    k.killers.insertRange(f, PAGE, 2L * PAGE);
    assertEquals(5L * PAGE, f.size());
    assertArrayEquals(new byte[2 * PAGE], k.io.read(f, PAGE, 2 * PAGE));
    assertArrayEquals(bytes(PAGE, 0x13), k.io.read(f, 4L * PAGE, PAGE));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> k.killers.collapseRange(f, 4L * PAGE, PAGE));
    assertTrue(e.getMessage().contains("reaches EOF"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> k.killers.insertRange(f, 5L * PAGE, PAGE));
    assertTrue(e.getMessage().contains("not below EOF"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> k.killers.collapseRange(f, 100, PAGE));
    assertTrue(e.getMessage().contains("offset 100"), e.getMessage());
    assertEquals(5L * PAGE, f.size(), "refused operations change nothing");
    dropCaches();
    assertArrayEquals(bytes(PAGE, 0x10), k.io.read(f, 0, PAGE));
    assertArrayEquals(bytes(PAGE, 0x13), k.io.read(f, 4L * PAGE, PAGE));
    assertNoViolations();
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void copyOnWriteAfterTruncateRaisesSigbusAndSharedSeesNoCopy(Strategy s) {
    boot(s);
    k.io.write(f, 0, bytes(3 * PAGE, 1));
    AddressSpace mm = k.newAddressSpace();
    Vma priv = mm.mmap(f, 0, 3L * PAGE, false);
    Vma shared = mm.mmap(f, 0, 3L * PAGE, true);
    k.mmu.store(mm, priv.address(2L * PAGE), bytes(8, 0x77), 0, 8);
    byte[] viaShared = new byte[8];
    k.mmu.load(mm, shared.address(2L * PAGE), viaShared, 0, 8);
    assertArrayEquals(bytes(8, 1), viaShared, "a private store is not seen through the file");
    k.killers.truncate(f, PAGE);
    assertThrows(SigBus.class, () -> k.mmu.load(mm, priv.address(2L * PAGE), new byte[1], 0, 1));
    assertThrows(SigBus.class, () -> k.mmu.store(mm, priv.address(2L * PAGE), new byte[1], 0, 1));
    assertThrows(SigBus.class, () -> k.mmu.load(mm, shared.address(2L * PAGE), new byte[1], 0, 1));
    assertNull(mm.pte(priv.startVpn() + 2), "the COW copy was unmapped");
    assertNoViolations();
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void writebackWriteProtectsSoTheNextStoreDirtiesAgain(Strategy s) {
    boot(s);
    k.io.write(f, 0, bytes(PAGE, 1));
    AddressSpace mm = k.newAddressSpace();
    Vma vma = mm.mmap(f, 0, PAGE, true);
    k.mmu.store(mm, vma.address(0), bytes(4, 2), 0, 4);
    assertTrue(mm.pte(vma.startVpn()).writable());
    k.writeback.fsync(f);
    assertFalse(mm.pte(vma.startVpn()).writable(), "page_mkclean write-protected the PTE");
    assertFalse(f.cache().get(0).isDirty());
    k.mmu.store(mm, vma.address(0), bytes(4, 3), 0, 4);
    assertTrue(f.cache().get(0).isDirty(), "the store went through page_mkwrite");
    k.writeback.fsync(f);
    assertArrayEquals(bytes(4, 3), Arrays.copyOf(k.fs.diskContents(f), 4));
    assertNoViolations();
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void directIoIsAlignedAndSeesAndUpdatesTheCache(Strategy s) {
    boot(s);
    k.io.write(f, 0, bytes(2 * PAGE, 1));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> k.direct.write(f, 10, bytes(PAGE, 2)));
    assertTrue(e.getMessage().contains("offset 10"), e.getMessage());
    k.direct.write(f, PAGE, bytes(PAGE, 2));
    k.direct.write(f, 2L * PAGE, bytes(PAGE, 3)); // extends
    assertEquals(3L * PAGE, f.size());
    if (k.exclusion.flushesBeforeDirectIo()) {
      assertArrayEquals(bytes(PAGE, 2), k.io.read(f, PAGE, PAGE), "cache invalidated");
      assertArrayEquals(bytes(PAGE, 1), k.direct.read(f, 0, PAGE), "dirty page flushed first");
    }
    assertArrayEquals(bytes(PAGE, 3), k.direct.read(f, 2L * PAGE, 2 * PAGE), "short at EOF");
    assertNoViolations();
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void reclaimFreesOnlyCleanUnmappedPagesAndFramesAreReused(Strategy s) {
    boot(s);
    k.io.write(f, 0, bytes(3 * PAGE, 1));
    AddressSpace mm = k.newAddressSpace();
    Vma vma = mm.mmap(f, 0, PAGE, true);
    k.mmu.load(mm, vma.address(0), new byte[1], 0, 1);
    assertEquals(0, k.reclaim.shrink(f), "dirty pages stay");
    k.writeback.fsync(f);
    assertEquals(2, k.reclaim.shrink(f), "the mapped page stays");
    assertEquals(1, k.memory.framesInUse());
    mm.munmap(vma);
    assertEquals(1, k.reclaim.shrink(f));
    assertEquals(0, k.memory.framesInUse(), "nothing leaked");
    assertNoViolations();
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void unmapShootsDownEveryTlb(Strategy s) throws Exception {
    boot(s);
    k.io.write(f, 0, bytes(2 * PAGE, 1));
    AddressSpace mm = k.newAddressSpace();
    Vma vma = mm.mmap(f, 0, 2L * PAGE, true);
    Thread other = new Thread(() -> k.mmu.load(mm, vma.address(PAGE), new byte[1], 0, 1));
    other.start();
    other.join(); // that CPU now holds a TLB entry for page 1
    k.mmu.load(mm, vma.address(PAGE), new byte[1], 0, 1);
    k.killers.truncate(f, PAGE);
    // Both CPUs' entries are gone: a load through either faults and gets SIGBUS.
    assertThrows(SigBus.class, () -> k.mmu.load(mm, vma.address(PAGE), new byte[1], 0, 1));
    Throwable[] seen = new Throwable[1];
    Thread again =
        new Thread(
            () -> {
              try {
                k.mmu.load(mm, vma.address(PAGE), new byte[1], 0, 1);
              } catch (Throwable t) {
                seen[0] = t;
              }
            });
    again.start();
    again.join();
    assertTrue(seen[0] instanceof SigBus, "other CPU: " + seen[0]);
    assertNoViolations();
  }

  /**
   * Bytes stored through a shared mapping past EOF, in the EOF page, must not become file data when
   * a buffered write extends the file from beyond that page (fsx {@code -e 1}, xfstests
   * generic/363): the old EOF page's tail is zeroed before i_size moves.
   */
  @ParameterizedTest
  @EnumSource(Strategy.class)
  void storesPastEofDoNotBecomeDataWhenAWriteExtendsBeyondTheEofPage(Strategy s) {
    boot(s);
    k.io.write(f, 0, bytes(100, 3));
    AddressSpace mm = k.newAddressSpace();
    Vma v = mm.mmap(f, 0, PAGE, true);
    k.mmu.store(mm, v.address(200), bytes(16, 0xEE), 0, 16);
    k.io.write(f, 2L * PAGE + 10, bytes(10, 4));
    byte[] tail = Arrays.copyOfRange(k.io.read(f, 0, PAGE), 100, PAGE);
    assertArrayEquals(new byte[PAGE - 100], tail, "through the cache");
    k.writeback.fsync(f);
    assertArrayEquals(
        new byte[PAGE - 100], Arrays.copyOfRange(k.fs.diskContents(f), 100, PAGE), "on disk");
    assertNoViolations();
  }
}
