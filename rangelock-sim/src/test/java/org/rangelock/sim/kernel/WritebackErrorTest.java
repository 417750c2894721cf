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
 * reports success; a device that refuses silently hides it.
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
}
