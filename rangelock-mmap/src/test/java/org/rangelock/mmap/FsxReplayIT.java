package org.rangelock.mmap;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * The fsx sample with punch, zero, collapse, insert and fallocate through fallocate(2) (FFM, JDK
 * 22+; failsafe runs this on the discovered JDK against the multi-release jar).
 */
class FsxReplayIT {
  @Test
  void sampleReplaysToTheKernelsBytesWithNativeFallocate() throws Exception {
    assumeTrue(
        MappedFile.supportsFileSpaceOperations(),
        "fallocate through FFM is not available on JDK " + Runtime.version());
    FsxReplayTest.replayAndCompare(true, MappedFile.DEFAULT_CHUNK_SHIFT);
  }
}
