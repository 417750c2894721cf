package org.rangelock.mmap;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The file's block map through {@code fallocate(2)} and {@code fstat(2)}: hole punching,
 * zero/collapse/insert range, preallocation and the allocated size. This is the JDK 17 version,
 * which has no way to call them (the FFM API is final from JDK 22): every operation throws {@link
 * UnsupportedOperationException} naming the JDK needed. The multi-release jar carries the JDK 22
 * version under {@code META-INF/versions/22}.
 */
final class FileSpace implements AutoCloseable {
  /** {@code FALLOC_FL_KEEP_SIZE}: do not change the file size. */
  static final int KEEP_SIZE = 0x01;

  /** {@code FALLOC_FL_PUNCH_HOLE}: deallocate the range (needs KEEP_SIZE). */
  static final int PUNCH_HOLE = 0x02;

  /** {@code FALLOC_FL_COLLAPSE_RANGE}: remove the range, later bytes move down. */
  static final int COLLAPSE_RANGE = 0x08;

  /** {@code FALLOC_FL_ZERO_RANGE}: zero the range (unwritten extents). */
  static final int ZERO_RANGE = 0x10;

  /** {@code FALLOC_FL_INSERT_RANGE}: insert a hole, later bytes move up. */
  static final int INSERT_RANGE = 0x20;

  private FileSpace() {}

  /** Whether this runtime can call {@code fallocate} at all. */
  static boolean available() {
    return false;
  }

  /** Why {@link #available()} is false, for messages. */
  static String unavailableReason() {
    return "needs JDK 22 or later (fallocate/fstat through the FFM API); this is JDK "
        + Runtime.version().feature();
  }

  static FileSpace open(Path path, String operation) throws IOException {
    throw new UnsupportedOperationException(operation + " " + unavailableReason());
  }

  void fallocate(int mode, long offset, long length) throws IOException {
    throw new UnsupportedOperationException("fallocate " + unavailableReason());
  }

  long allocatedBytes() throws IOException {
    throw new UnsupportedOperationException("allocatedBytes " + unavailableReason());
  }

  @Override
  public void close() {}
}
