package org.rangelock.mmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hole punching and zero range through fallocate (FFM, JDK 22+; failsafe runs this on the
 * discovered JDK against the multi-release jar): the range reads as zeros through the mapping, the
 * allocation shrinks, and concurrent mapped readers see each page either as it was or as zeros,
 * never anything else and never a fault.
 */
class FileSpaceIT {
  static final int PAGE = 4096;

  @BeforeEach
  void needsFallocate() {
    assumeTrue(
        MappedFile.supportsFileSpaceOperations(),
        "fallocate through FFM is not available on JDK " + Runtime.version());
  }

  /** Page {@code page} written with generation {@code gen}: the gen in its first 8 bytes. */
  static byte[] page(long gen, int page) {
    byte[] b = new byte[PAGE];
    ByteBuffer.wrap(b).putLong(gen);
    long seed = ChurnShadowTest.mix(gen * 31 + page);
    for (int j = 8; j < PAGE; j++) {
      b[j] = (byte) ((seed >>> ((j & 7) << 3)) + (j >>> 3) + 1);
    }
    return b;
  }

  static void fill(MappedFile f, int pages, long gen) throws Exception {
    for (int p = 0; p < pages; p++) {
      f.write((long) p * PAGE, page(gen, p), 0, PAGE);
    }
  }

  @Test
  void punchedRangeReadsZerosThroughTheMappingAndFreesItsBlocks() throws Exception {
    int pages = 256; // 1 MiB
    try (MappedFile f = MappedFile.open(TestFiles.fresh("punch.bin"))) {
      fill(f, pages, 1);
      f.force();
      long before = f.allocatedBytes();
      assertTrue(before >= (long) pages * PAGE, "allocated before: " + before);
      byte[] all = new byte[pages * PAGE];
      f.readFully(0, all, 0, all.length); // the whole mapping is faulted in
      try {
        f.punchHole(256 * 1024, 512 * 1024);
      } catch (UnsupportedOperationException e) {
        abort("file system cannot punch holes here: " + e.getMessage());
      }
      long after = f.allocatedBytes();
      System.out.printf("punch 512 KiB of 1 MiB: allocated %d -> %d bytes%n", before, after);
      assertTrue(before - after >= 512 * 1024, "allocation shrank by " + (before - after));
      assertEquals((long) pages * PAGE, f.size(), "punch keeps the size");
      f.readFully(0, all, 0, all.length);
      for (int p = 0; p < pages; p++) {
        byte[] got = Arrays.copyOfRange(all, p * PAGE, (p + 1) * PAGE);
        boolean punched = p >= 64 && p < 192;
        assertArrayEquals(punched ? new byte[PAGE] : page(1, p), got, "page " + p);
      }
    }
  }

  @Test
  void zeroRangeReadsZerosAndKeepsTheSize() throws Exception {
    try (MappedFile f = MappedFile.open(TestFiles.fresh("zero.bin"))) {
      fill(f, 16, 3);
      try {
        f.zeroRange(PAGE + 100, 3 * PAGE);
      } catch (UnsupportedOperationException e) {
        abort("file system cannot zero ranges here: " + e.getMessage());
      }
      byte[] all = new byte[16 * PAGE];
      f.readFully(0, all, 0, all.length);
      byte[] want = new byte[16 * PAGE];
      for (int p = 0; p < 16; p++) {
        System.arraycopy(page(3, p), 0, want, p * PAGE, PAGE);
      }
      Arrays.fill(want, PAGE + 100, 4 * PAGE + 100, (byte) 0);
      assertArrayEquals(want, all);
      assertEquals(16 * PAGE, f.size());
      // Clamped to the size: nothing past the end is created.
      f.zeroRange(15 * PAGE, 10 * PAGE);
      assertEquals(16 * PAGE, f.size());
    }
  }

  @Test
  void concurrentMappedReadersSeeOldOrZeroBytesNeverGarbage() throws Exception {
    int pages = 64;
    long seconds = 3;
    try (MappedFile f = MappedFile.open(TestFiles.fresh("punch-race.bin"))) {
      fill(f, pages, 1);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong gens = new AtomicLong(1);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicLong reads = new AtomicLong();
      AtomicLong zeros = new AtomicLong();
      AtomicLong killers = new AtomicLong();
      Thread[] readers = new Thread[2];
      for (int r = 0; r < readers.length; r++) {
        long seed = r;
        readers[r] =
            new Thread(
                () -> {
                  SplittableRandom rnd = new SplittableRandom(seed);
                  byte[] got = new byte[PAGE];
                  byte[] zero = new byte[PAGE];
                  try {
                    while (!stop.get()) {
                      int p = rnd.nextInt(pages);
                      if (rnd.nextBoolean()) {
                        f.readFully((long) p * PAGE, got, 0, PAGE);
                      } else {
                        try (MappedView v = f.view((long) p * PAGE, PAGE)) {
                          v.get(0, got);
                        }
                      }
                      reads.incrementAndGet();
                      if (Arrays.equals(got, zero)) {
                        zeros.incrementAndGet();
                        continue;
                      }
                      long gen = ByteBuffer.wrap(got).getLong();
                      if (gen < 1 || gen > gens.get() || !Arrays.equals(got, page(gen, p))) {
                        throw new AssertionError(
                            "page "
                                + p
                                + " is neither zeros nor a written version (gen "
                                + gen
                                + ")");
                      }
                    }
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                });
        readers[r].start();
      }
      SplittableRandom rnd = new SplittableRandom(99);
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      while (System.nanoTime() < end && failure.get() == null) {
        int p = rnd.nextInt(pages);
        int n = 1 + rnd.nextInt(4);
        switch (rnd.nextInt(3)) {
          case 0:
            f.punchHole((long) p * PAGE, (long) n * PAGE);
            killers.incrementAndGet();
            break;
          case 1:
            f.zeroRange((long) p * PAGE, (long) n * PAGE);
            killers.incrementAndGet();
            break;
          default:
            long gen = gens.incrementAndGet();
            f.writeBuffered((long) p * PAGE, ByteBuffer.wrap(page(gen, p)));
            break;
        }
      }
      stop.set(true);
      for (Thread t : readers) {
        t.join(60_000);
      }
      if (failure.get() != null) {
        throw new AssertionError("a reader failed", failure.get());
      }
      System.out.printf(
          "punch/zero race: %d page killers, %d writes, %d mapped page reads (%d all-zero)%n",
          killers.get(), gens.get() - 1, reads.get(), zeros.get());
      assertTrue(killers.get() > 100 && reads.get() > 1000 && zeros.get() > 0);
    }
  }
}
