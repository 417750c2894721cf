package org.rangelock.sim.fsx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rangelock.sim.exclusion.Strategy;

/**
 * The fsx sample (600 operations on ext4, seed 7) replays to exactly the bytes the real kernel
 * left, in every mode and under every strategy, through the cache and from disk.
 */
class FsxSampleTest {
  static byte[] resource(String name) throws IOException {
    try (InputStream in = FsxSampleTest.class.getResourceAsStream("/fsx-sample/" + name)) {
      if (in == null) {
        throw new IOException("missing test resource fsx-sample/" + name);
      }
      return in.readAllBytes();
    }
  }

  static List<FsxOp> sampleOps() throws IOException {
    return FsxOp.parse(
        Arrays.asList(new String(resource("testfile.fsxops"), StandardCharsets.UTF_8).split("\n")));
  }

  static Stream<Arguments> modes() {
    Stream.Builder<Arguments> b = Stream.builder();
    for (Strategy s : Strategy.values()) {
      b.add(Arguments.of(false, false, s));
    }
    b.add(Arguments.of(true, false, Strategy.RANGE_LOCK));
    b.add(Arguments.of(false, true, Strategy.RANGE_LOCK));
    b.add(Arguments.of(true, true, Strategy.RANGE_LOCK));
    b.add(Arguments.of(true, true, Strategy.LEGACY));
    return b.build();
  }

  @ParameterizedTest(name = "direct={0} background={1} {2}")
  @MethodSource("modes")
  void sampleReplaysToTheKernelsBytes(boolean direct, boolean background, Strategy s)
      throws IOException {
    List<FsxOp> ops = sampleOps();
    FsxReplay.Result r =
        FsxReplay.replay(
            ops, resource("pattern.seed7.bin"), new FsxReplay.Options(direct, background, s));
    assertEquals(List.of(), r.problems());
    byte[] expected = resource("testfile.expected_final");
    assertArrayEquals(expected, r.cached(), "through the cache");
    assertArrayEquals(expected, r.disk(), "on disk after fsync and cache drop");
    assertEquals(460, r.ops(), "non-skip lines");
    assertTrue(r.readsChecked() >= 100, "reads checked: " + r.readsChecked());
  }

  /**
   * fsx {@code -e 1}: garbage stored past EOF before each operation that may grow the file never
   * shows, under every strategy (xfstests generic/363).
   */
  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.EnumSource(Strategy.class)
  void sampleReplaysWithPostEofPollution(Strategy s) throws IOException {
    FsxReplay.Result r =
        FsxReplay.replay(
            sampleOps(),
            resource("pattern.seed7.bin"),
            new FsxReplay.Options(false, false, s, true));
    assertEquals(List.of(), r.problems());
    assertArrayEquals(resource("testfile.expected_final"), r.disk(), "on disk");
  }

  @Test
  void aWrongExpectationNamesTheOffsetAndTheLineThatWroteIt() throws IOException {
    FsxReplay.Result r =
        FsxReplay.replay(sampleOps(), resource("pattern.seed7.bin"), FsxReplay.Options.plain());
    byte[] wrong = resource("testfile.expected_final");
    int at = 0x1d55e;
    wrong[at] ^= 0x40;
    String diff = FsxMain.firstDifference(r, wrong);
    assertTrue(diff != null && diff.contains("offset 0x1d55e"), diff);
    assertTrue(diff.contains("line "), diff);
  }

  @Test
  void aCorruptedPatternIsCaughtByTheReadChecksOrTheFinalCompare() throws IOException {
    // Replaying with another pattern changes every write: the final bytes must differ from the
    // kernel's, which shows the comparison is live.
    byte[] pattern = resource("pattern.seed7.bin");
    for (int i = 1; i < pattern.length; i += 2) {
      pattern[i] ^= 1;
    }
    FsxReplay.Result r = FsxReplay.replay(sampleOps(), pattern, FsxReplay.Options.plain());
    assertTrue(FsxMain.firstDifference(r, resource("testfile.expected_final")) != null);
  }
}
