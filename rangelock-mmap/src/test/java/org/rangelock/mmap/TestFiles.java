package org.rangelock.mmap;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** Real files for the tests: under target/ (the work tree's file system), one directory a run. */
final class TestFiles {
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final Path DIR;

  static {
    try {
      Path base = Path.of("target", "mmap-test-files");
      Files.createDirectories(base);
      DIR = Files.createTempDirectory(base, "run-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private TestFiles() {}

  /** A fresh path (the file does not exist yet). */
  static Path fresh(String name) {
    return DIR.resolve(SEQ.incrementAndGet() + "-" + name);
  }

  /** A test resource's bytes. */
  static byte[] resource(String name) throws IOException {
    try (InputStream in = TestFiles.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        throw new IOException("test resource " + name + " not found on the class path");
      }
      return in.readAllBytes();
    }
  }
}
