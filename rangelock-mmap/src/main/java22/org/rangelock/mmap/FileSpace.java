package org.rangelock.mmap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The file's block map through {@code fallocate(2)} and {@code fstat(2)}, called through the FFM
 * API (JDK 22+ version of this class; the JDK 17 one throws). The file is opened a second time by
 * path ({@code open(O_RDWR|O_CLOEXEC)}): {@code fallocate} acts on the inode, so a descriptor of
 * our own reaches the same file as the {@code FileChannel}, whose descriptor the JDK does not
 * expose.
 */
final class FileSpace implements AutoCloseable {
  /*
   * Implementation notes. Linux only, x86_64 and aarch64: the flag values are the kernel's
   * (include/uapi/linux/falloc.h), O_RDWR|O_CLOEXEC are the same on both, and st_blocks sits at
   * offset 64 of struct stat on both (x86_64: dev, ino, nlink, mode, uid, gid, pad, rdev, size,
   * blksize, blocks; asm-generic: dev, ino, mode, nlink, uid, gid, rdev, pad, size, blksize, pad,
   * blocks), st_size at 48. errno is captured with Linker.Option.captureCallState, since anything
   * the JVM does between the call and a later errno read could overwrite it.
   */

  static final int KEEP_SIZE = 0x01;
  static final int PUNCH_HOLE = 0x02;
  static final int COLLAPSE_RANGE = 0x08;
  static final int ZERO_RANGE = 0x10;
  static final int INSERT_RANGE = 0x20;

  private static final int O_RDWR = 2;
  private static final int O_CLOEXEC = 0x80000;
  private static final int EOPNOTSUPP = 95;
  private static final long STAT_SIZE_OFFSET = 48;
  private static final long STAT_BLOCKS_OFFSET = 64;
  private static final long STAT_BYTES = 256; // larger than struct stat on both architectures

  private static final String UNAVAILABLE;
  private static final MethodHandle OPEN;
  private static final MethodHandle FALLOCATE;
  private static final MethodHandle FSTAT;
  private static final MethodHandle CLOSE;
  private static final MethodHandle STRERROR;
  private static final MemoryLayout CAPTURE;
  private static final VarHandle ERRNO;

  static {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    String why = null;
    MethodHandle open = null;
    MethodHandle fallocate = null;
    MethodHandle fstat = null;
    MethodHandle close = null;
    MethodHandle strerror = null;
    MemoryLayout capture = null;
    VarHandle errno = null;
    if (!os.startsWith("linux")) {
      why = "needs Linux (fallocate); this is " + System.getProperty("os.name");
    } else if (!arch.equals("amd64") && !arch.equals("aarch64")) {
      why = "supports x86_64 and aarch64 only (struct stat layout); this is " + arch;
    } else {
      try {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errnoOption = Linker.Option.captureCallState("errno");
        capture = Linker.Option.captureStateLayout();
        errno = capture.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        open =
            linker.downcallHandle(
                libc.find("open").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                errnoOption,
                Linker.Option.firstVariadicArg(2));
        fallocate =
            linker.downcallHandle(
                libc.find("fallocate").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
                errnoOption);
        fstat =
            linker.downcallHandle(
                libc.find("fstat").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS),
                errnoOption);
        close =
            linker.downcallHandle(
                libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        strerror =
            linker.downcallHandle(
                libc.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
      } catch (RuntimeException | Error e) {
        why = "could not link fallocate/fstat from libc: " + e;
      }
    }
    UNAVAILABLE = why;
    OPEN = open;
    FALLOCATE = fallocate;
    FSTAT = fstat;
    CLOSE = close;
    STRERROR = strerror;
    CAPTURE = capture;
    ERRNO = errno;
  }

  private final Path path;
  private final int fd;

  private FileSpace(Path path, int fd) {
    this.path = path;
    this.fd = fd;
  }

  static boolean available() {
    return UNAVAILABLE == null;
  }

  static String unavailableReason() {
    return UNAVAILABLE == null ? "is available" : UNAVAILABLE;
  }

  static FileSpace open(Path path, String operation) throws IOException {
    if (UNAVAILABLE != null) {
      throw new UnsupportedOperationException(operation + " " + UNAVAILABLE);
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      MemorySegment name = arena.allocateFrom(path.toAbsolutePath().toString());
      int fd = (int) OPEN.invokeExact(state, name, O_RDWR | O_CLOEXEC, 0);
      if (fd < 0) {
        throw failure("open(" + path + ")", errno(state));
      }
      return new FileSpace(path, fd);
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  void fallocate(int mode, long offset, long length) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int r = (int) FALLOCATE.invokeExact(state, fd, mode, offset, length);
      if (r != 0) {
        int e = errno(state);
        String what =
            String.format(
                "fallocate(mode=0x%x, offset=%d, length=%d) on %s", mode, offset, length, path);
        if (e == EOPNOTSUPP) {
          throw new UnsupportedOperationException(
              what + ": the file system does not support it (" + strerror(e) + ")");
        }
        throw failure(what, e);
      }
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** {@code st_blocks * 512}: the bytes the file system has allocated to the file. */
  long allocatedBytes() throws IOException {
    return stat()[1];
  }

  /** {@code {st_size, st_blocks * 512}}. */
  long[] stat() throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      MemorySegment buf = arena.allocate(STAT_BYTES, 8);
      int r = (int) FSTAT.invokeExact(state, fd, buf);
      if (r != 0) {
        throw failure("fstat(" + path + ")", errno(state));
      }
      return new long[] {
        buf.get(JAVA_LONG, STAT_SIZE_OFFSET), buf.get(JAVA_LONG, STAT_BLOCKS_OFFSET) * 512
      };
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  @Override
  public void close() {
    try {
      int r = (int) CLOSE.invokeExact(fd);
      assert r == 0 || r == -1;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  private static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  private static IOException failure(String what, int errno) {
    return new IOException(what + " failed: errno " + errno + " (" + strerror(errno) + ")");
  }

  private static String strerror(int errno) {
    try {
      MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
      return s.reinterpret(256).getString(0);
    } catch (Throwable t) {
      return "?";
    }
  }
}
