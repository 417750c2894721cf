package org.rangelock.mmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The shipped fsx sample (600 operations recorded by xfstests' fsx on ext4) replayed through
 * MappedFile on a real file ends with exactly the bytes the kernel left. Here the page killers are
 * composed from the module's reads, writes and truncates, which runs on any JDK; FsxReplayIT does
 * them through fallocate on JDK 22+.
 */
class FsxReplayTest {
  static void replayAndCompare(boolean nativeSpace, int chunkShift) throws Exception {
    byte[] log = TestFiles.resource("fsx-sample/testfile.fsxops");
    byte[] pattern = TestFiles.resource("fsx-sample/pattern.seed7.bin");
    byte[] expected = TestFiles.resource("fsx-sample/testfile.expected_final");
    Path p = TestFiles.fresh("fsx.bin");
    FsxReplay r;
    try (MappedFile f = MappedFile.open(p, chunkShift)) {
      r = new FsxReplay(f, pattern, nativeSpace);
      r.replay(log);
      System.out.println("fsx replay (native fallocate: " + nativeSpace + "): " + r);
      assertArrayEquals(expected, r.shadow(), "the shadow copy disagrees with the kernel's bytes");
    }
    byte[] onDisk = Files.readAllBytes(p);
    assertEquals(expected.length, onDisk.length, "final size");
    assertArrayEquals(expected, onDisk, "final bytes differ from testfile.expected_final");
    assertTrue(r.readsChecked > 100, "reads checked: " + r.readsChecked);
  }

  @Test
  void sampleReplaysToTheKernelsBytes() throws Exception {
    replayAndCompare(false, MappedFile.DEFAULT_CHUNK_SHIFT);
  }

  @Test
  void sampleReplaysToTheKernelsBytesAcrossSmallMappings() throws Exception {
    // 16 KiB chunks: most accesses cross a mapping boundary or need a longer mapping.
    replayAndCompare(false, 14);
  }
}
