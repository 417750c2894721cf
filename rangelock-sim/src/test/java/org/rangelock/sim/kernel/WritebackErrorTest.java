package org.rangelock.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.race.Races;

/**
 * A write-back the device refuses is an IO error of the next fsync, once ({@code errseq}): the
 * fsync that writes the page back reports {@code EIO}, a later fsync with nothing failed since
 * reports success; a device that refuses silently hides it. A direct write the device refuses is an
 * IO error of the write itself.
 */
class WritebackErrorTest {
  private static byte[] page(int v) {
    byte[] b = new byte[PAGE];
    Arrays.fill(b, (byte) v);
    return b;
  }

  @Test
  void aRefusedWritebackIsReportedByTheNextFsyncOnce() {
    Kernel k = new Kernel(Strategy.RANGE_LOCK.create(), new Races(1), 16);
    Inode f = k.fs.create();
    k.io.write(f, 0, page(1));
    assertTrue(k.writeback.fsync(f), "nothing failed yet");
    boolean[] refuse = {true};
    k.device.gateWrites((inode, index, why) -> !refuse[0]);
    k.io.write(f, 0, page(2));
    assertFalse(k.writeback.fsync(f), "the refused write-back is EIO");
    assertArrayEquals(page(1), k.fs.diskContents(f), "nothing landed");
    assertTrue(k.writeback.fsync(f), "reported once: nothing failed since");
    refuse[0] = false;
    k.io.write(f, 0, page(3));
    assertTrue(k.writeback.fsync(f));
    assertArrayEquals(page(3), k.fs.diskContents(f));
  }

  @Test
  void aDeviceThatRefusesSilentlyHidesTheError() {
    Kernel k = new Kernel(Strategy.RANGE_LOCK.create(), new Races(1), 16);
    Inode f = k.fs.create();
    k.io.write(f, 0, page(1));
    k.writeback.fsync(f);
    k.device.gateWrites((inode, index, why) -> false);
    k.device.refuseSilently();
    k.io.write(f, 0, page(2));
    assertTrue(k.writeback.fsync(f), "the broken device says the write landed");
    assertArrayEquals(page(1), k.fs.diskContents(f), "it did not");
  }

  @Test
  void aRefusedDirectWriteIsItsCallersEioAndTheFileGrowsOnlyOverWhatLanded() {
    Kernel k = new Kernel(Strategy.RANGE_LOCK.create(), new Races(1), 16);
    Inode f = k.fs.create();
    assertTrue(k.direct.write(f, 0, page(1)));
    // The device refuses page 2 only: a three-page direct write at page 1 lands page 1, stops.
    k.device.gateWrites((inode, index, why) -> index != 2);
    byte[] three = new byte[3 * PAGE];
    Arrays.fill(three, (byte) 7);
    assertFalse(k.direct.write(f, PAGE, three), "the refused block is the write's EIO");
    assertTrue(f.size == 2L * PAGE, "the file grows over page 1 only, size " + f.size);
    byte[] disk = k.fs.diskContents(f);
    assertArrayEquals(page(1), Arrays.copyOf(disk, PAGE));
    assertArrayEquals(page(7), Arrays.copyOfRange(disk, PAGE, 2 * PAGE));
    assertTrue(disk.length == 2 * PAGE, "nothing past the refused block");
    // The same refusal through a mapping as the buffer: the write is short by the refused block.
    AddressSpace mm = k.newAddressSpace();
    Inode buffer = k.fs.create();
    k.io.write(buffer, 0, three);
    long address = mm.mmap(buffer, 0, 3L * PAGE, true).address(0);
    assertTrue(
        k.direct.writeFromMapping(f, PAGE, 3 * PAGE, mm, address) == PAGE,
        "short by the refused block and what follows");
  }
}
