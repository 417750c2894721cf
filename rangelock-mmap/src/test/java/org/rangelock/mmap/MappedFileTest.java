package org.rangelock.mmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The API on a real file: reads, writes, sizes, views, buffered and direct IO, bad input. */
class MappedFileTest {
  static byte[] bytes(int n, int salt) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + salt);
    }
    return b;
  }

  @Test
  void openCreatesAnEmptyFileAndWriteExtendsIt() throws Exception {
    Path p = TestFiles.fresh("new.bin");
    assertFalse(Files.exists(p));
    try (MappedFile f = MappedFile.open(p)) {
      assertEquals(0, f.size());
      byte[] data = bytes(5000, 1);
      f.write(10_000, data, 0, data.length);
      assertEquals(15_000, f.size());
      byte[] got = new byte[15_000];
      f.readFully(0, got, 0, got.length);
      byte[] want = new byte[15_000];
      System.arraycopy(data, 0, want, 10_000, data.length);
      assertArrayEquals(want, got, "the gap reads as zeros");
    }
    assertEquals(15_000, Files.size(p));
  }

  @Test
  void readPastTheEndIsAnEofExceptionNamingPositionAndSize() throws Exception {
    try (MappedFile f = MappedFile.open(TestFiles.fresh("eof.bin"))) {
      f.write(0, bytes(100, 2), 0, 100);
      byte[] dst = new byte[10];
      Arrays.fill(dst, (byte) 7);
      EOFException e = assertThrows(EOFException.class, () -> f.readFully(95, dst, 0, 10));
      assertTrue(e.getMessage().contains("position 95"), e.getMessage());
      assertTrue(e.getMessage().contains("length 10"), e.getMessage());
      assertTrue(e.getMessage().contains("size 100"), e.getMessage());
      byte[] untouched = new byte[10];
      Arrays.fill(untouched, (byte) 7);
      assertArrayEquals(untouched, dst, "dst unchanged");
      assertThrows(EOFException.class, () -> f.getLong(96));
      assertThrows(EOFException.class, () -> f.view(50, 51));
      assertThrows(EOFException.class, () -> f.readBuffered(99, ByteBuffer.allocate(2)));
      f.truncate(40);
      assertThrows(EOFException.class, () -> f.readFully(0, new byte[41], 0, 41));
      assertEquals(bytes(100, 2)[39], f.getByte(39));
    }
  }

  @Test
  void truncateShrinksAndGrowsWithZeros() throws Exception {
    Path p = TestFiles.fresh("trunc.bin");
    try (MappedFile f = MappedFile.open(p)) {
      byte[] data = bytes(3 * 4096, 3);
      f.write(0, data, 0, data.length);
      f.truncate(5000);
      assertEquals(5000, f.size());
      assertEquals(5000, Files.size(p));
      f.truncate(3 * 4096);
      byte[] got = new byte[3 * 4096];
      f.readFully(0, got, 0, got.length);
      byte[] want = Arrays.copyOf(Arrays.copyOf(data, 5000), 3 * 4096);
      assertArrayEquals(want, got, "bytes past the old end come back as zeros");
    }
  }

  @Test
  void primitivesAreBigEndianAndMayCrossMappings() throws Exception {
    // 4 KiB chunks: the long at 4092 lies across two mappings.
    try (MappedFile f = MappedFile.open(TestFiles.fresh("prim.bin"), 12)) {
      f.putLong(4092, 0x0102030405060708L);
      f.putInt(100, 0xCAFEBABE);
      f.putByte(8000, (byte) -3);
      assertEquals(0x0102030405060708L, f.getLong(4092));
      assertEquals(0xCAFEBABE, f.getInt(100));
      assertEquals((byte) -3, f.getByte(8000));
      byte[] raw = new byte[8];
      f.readFully(4092, raw, 0, 8);
      assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, raw);
      ByteBuffer bb = ByteBuffer.allocate(8);
      f.read(4092, bb);
      assertEquals(8, bb.position());
      assertEquals(0x0102030405060708L, bb.getLong(0));
      f.write(20_000, ByteBuffer.wrap(bytes(9000, 4)));
      byte[] back = new byte[9000];
      f.readFully(20_000, back, 0, back.length);
      assertArrayEquals(bytes(9000, 4), back);
    }
  }

  @Test
  void viewAccessesItsRangeAndHoldsOffATruncateUntilClosed() throws Exception {
    try (MappedFile f = MappedFile.open(TestFiles.fresh("view.bin"), 12)) {
      f.write(0, bytes(10_000, 5), 0, 10_000);
      MappedView v = f.view(4000, 200);
      assertEquals(4000, v.position());
      assertEquals(200, v.length());
      assertEquals(bytes(10_000, 5)[4100], v.get(100));
      v.putLong(92, 42L); // crosses the 4096 mapping boundary
      assertEquals(42L, v.getLong(92));
      assertEquals(42L, f.getLong(4092));
      CompletableFuture<Void> truncate =
          CompletableFuture.runAsync(
              () -> {
                try {
                  f.truncate(4100);
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      assertThrows(TimeoutException.class, () -> truncate.get(300, TimeUnit.MILLISECONDS));
      assertEquals(10_000, f.size(), "the truncate waits for the view");
      assertEquals(42L, v.getLong(92));
      v.close();
      truncate.get(30, TimeUnit.SECONDS);
      assertEquals(4100, f.size());
      assertThrows(IllegalStateException.class, () -> v.get(0));
      assertThrows(IllegalStateException.class, v::close);
      try (MappedView small = f.view(0, 10)) {
        assertThrows(IndexOutOfBoundsException.class, () -> small.get(10));
      }
    }
  }

  @Test
  void viewWithExtendGrowsTheFile() throws Exception {
    try (MappedFile f = MappedFile.open(TestFiles.fresh("viewx.bin"))) {
      try (MappedView v = f.view(1000, 16, true)) {
        v.putInt(0, 7);
      }
      assertEquals(1016, f.size());
      assertEquals(7, f.getInt(1000));
    }
  }

  @Test
  void bufferedWritesAreSeenThroughTheMappingAndBack() throws Exception {
    try (MappedFile f = MappedFile.open(TestFiles.fresh("buf.bin"))) {
      f.writeBuffered(100, ByteBuffer.wrap(bytes(3000, 6)));
      assertEquals(3100, f.size());
      byte[] got = new byte[3000];
      f.readFully(100, got, 0, 3000);
      assertArrayEquals(bytes(3000, 6), got);
      f.write(200, bytes(50, 7), 0, 50);
      ByteBuffer b = ByteBuffer.allocate(50);
      f.readBuffered(200, b);
      assertArrayEquals(bytes(50, 7), b.array());
      f.force(0, 4096);
      f.force();
    }
  }

  @Test
  void directIoIsCoherentWithTheMapping() throws Exception {
    try (MappedFile f = MappedFile.open(TestFiles.fresh("direct.bin"))) {
      assumeTrue(
          f.supportsDirectIo(),
          "O_DIRECT is refused by the file system of " + f.path() + ": skipping direct IO");
      int a = f.directAlignment();
      f.write(0, bytes(4 * a, 8), 0, 4 * a);
      byte[] before = new byte[4 * a];
      f.readFully(0, before, 0, before.length); // cached pages and mapping populated
      ByteBuffer src = f.allocateDirectBuffer(2 * a);
      src.put(bytes(2 * a, 9)).flip();
      f.writeDirect(a, src);
      byte[] got = new byte[2 * a];
      f.readFully(a, got, 0, got.length);
      assertArrayEquals(bytes(2 * a, 9), got, "the mapping shows the direct write");
      f.write(0, bytes(a, 10), 0, a);
      ByteBuffer dst = f.allocateDirectBuffer(a);
      assertEquals(a, f.readDirect(0, dst));
      byte[] direct = new byte[a];
      dst.flip().get(direct);
      assertArrayEquals(bytes(a, 10), direct, "a direct read sees the completed mapped write");
      ByteBuffer unaligned = ByteBuffer.allocateDirect(a + 1).position(1);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> f.readDirect(1, unaligned));
      assertTrue(e.getMessage().contains("position 1"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> f.readDirect(0, ByteBuffer.allocate(a)));
    }
  }

  @Test
  void badInputNamesTheValueAndChangesNothing() throws Exception {
    try (MappedFile f = MappedFile.open(TestFiles.fresh("bad.bin"))) {
      f.write(0, bytes(10, 1), 0, 10);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> f.readFully(-1, new byte[1], 0, 1));
      assertTrue(e.getMessage().contains("-1"), e.getMessage());
      assertThrows(IndexOutOfBoundsException.class, () -> f.readFully(0, new byte[1], 0, 2));
      assertThrows(IndexOutOfBoundsException.class, () -> f.write(0, new byte[1], 1, 1));
      e = assertThrows(IllegalArgumentException.class, () -> f.truncate(-5));
      assertTrue(e.getMessage().contains("-5"), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class, () -> f.write(Long.MAX_VALUE - 1, new byte[4], 0, 4));
      assertTrue(e.getMessage().contains("overflows"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> f.view(0, 0));
      assertEquals(10, f.size());
      byte[] got = new byte[10];
      f.readFully(0, got, 0, 10);
      assertArrayEquals(bytes(10, 1), got);
    }
  }

  @Test
  void fileSpaceOperationsNameTheJdkTheyNeedWhereUnavailable() throws Exception {
    assumeFalse(MappedFile.supportsFileSpaceOperations(), "fallocate is available here");
    try (MappedFile f = MappedFile.open(TestFiles.fresh("nofalloc.bin"))) {
      f.write(0, bytes(8192, 1), 0, 8192);
      for (Runnable op :
          new Runnable[] {
            () -> call(() -> f.punchHole(0, 4096)),
            () -> call(() -> f.zeroRange(0, 4096)),
            () -> call(() -> f.collapseRange(0, 4096)),
            () -> call(() -> f.insertRange(0, 4096)),
            () -> call(() -> f.allocate(0, 4096, false)),
            () -> call(f::allocatedBytes)
          }) {
        UnsupportedOperationException e =
            assertThrows(UnsupportedOperationException.class, op::run);
        assertTrue(e.getMessage().contains("JDK 22"), e.getMessage());
      }
      byte[] got = new byte[8192];
      f.readFully(0, got, 0, got.length);
      assertArrayEquals(bytes(8192, 1), got, "nothing changed");
      assertEquals(8192, f.size());
    }
  }

  @Test
  void closeWaitsForViewsAndLaterCallsFail() throws Exception {
    MappedFile f = MappedFile.open(TestFiles.fresh("close.bin"));
    f.write(0, bytes(100, 1), 0, 100);
    MappedView v = f.view(0, 10);
    CompletableFuture<Void> closing =
        CompletableFuture.runAsync(
            () -> {
              try {
                f.close();
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    assertThrows(TimeoutException.class, () -> closing.get(300, TimeUnit.MILLISECONDS));
    v.close();
    closing.get(30, TimeUnit.SECONDS);
    assertThrows(ClosedChannelException.class, () -> f.readFully(0, new byte[1], 0, 1));
    assertThrows(ClosedChannelException.class, () -> f.write(0, new byte[1], 0, 1));
    assertThrows(ClosedChannelException.class, () -> f.truncate(0));
    f.close(); // idempotent
    assertFalse(v.isOpen());
  }

  interface IoCall {
    Object call() throws Exception;
  }

  interface IoRun {
    void run() throws Exception;
  }

  static void call(IoCall c) {
    try {
      c.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  static void call(IoRun r) {
    call(
        () -> {
          r.run();
          return null;
        });
  }
}
