package org.rangelock.sim.fsx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rangelock.sim.exclusion.Strategy;

/**
 * Long random single-threaded operation sequences (fsx's operations, with fsx's data rule) on the
 * sim, every read and the final file compared with a byte-array model. Sequences mix unaligned and
 * block-aligned operations so that direct IO, collapse and insert run often.
 */
class RandomModelTest {
  static final long MAX = 128 * 1024;
  static final int OPS = 1500;

  /** Generates a valid op log, tracking the size the way fsx does. */
  static List<FsxOp> generate(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<FsxOp> ops = new ArrayList<>();
    long size = 0;
    for (int line = 1; line <= OPS; line++) {
      boolean aligned = r.nextInt(3) == 0;
      long off = aligned ? r.nextLong(MAX / 4096) * 4096 : r.nextLong(MAX);
      long len = aligned ? (1 + r.nextLong(4)) * 4096 : 1 + r.nextLong(16 * 1024);
      len = Math.min(len, MAX - off);
      if (len <= 0) {
        off = 0;
        len = 4096;
      }
      String op;
      long[] args;
      boolean keep = r.nextBoolean();
      long before = size;
      switch (r.nextInt(12)) {
        case 0:
        case 1:
          op = "write";
          args = new long[] {off, len};
          size = Math.max(size, off + len);
          break;
        case 2:
          op = "mapwrite";
          args = new long[] {off, len};
          size = Math.max(size, off + len);
          break;
        case 3:
        case 4:
          if (size == 0) {
            continue;
          }
          op = r.nextBoolean() ? "read" : "mapread";
          off = aligned ? r.nextLong((size + 4095) / 4096) * 4096 : r.nextLong(size);
          args = new long[] {off, Math.min(len, size - off > 0 ? len : 1)};
          if (off >= size) {
            continue;
          }
          break;
        case 5:
          op = "truncate";
          long ns = r.nextLong(MAX);
          args = new long[] {0, ns};
          size = ns;
          break;
        case 6:
          op = "punch_hole";
          args = new long[] {off, len};
          break;
        case 7:
          op = "zero_range";
          args = new long[] {off, len};
          if (!keep) {
            size = Math.max(size, off + len);
          }
          break;
        case 8:
          op = "fallocate";
          args = new long[] {off, len};
          if (!keep) {
            size = Math.max(size, off + len);
          }
          break;
        case 9:
          {
            long pages = size / 4096;
            if (pages < 2) {
              continue;
            }
            long o = r.nextLong(pages - 1) * 4096;
            long l = (1 + r.nextLong(Math.max(1, pages - o / 4096 - 1))) * 4096;
            if (o + l >= size) {
              continue;
            }
            op = "collapse_range";
            args = new long[] {o, l};
            size -= l;
            break;
          }
        case 10:
          {
            long pages = size / 4096;
            if (pages < 1 || size + 4 * 4096 > MAX) {
              continue;
            }
            long o = r.nextLong(pages) * 4096;
            long l = (1 + r.nextLong(4)) * 4096;
            op = "insert_range";
            args = new long[] {o, l};
            size += l;
            break;
          }
        default:
          {
            if (size == 0) {
              continue;
            }
            long src = r.nextLong(size);
            long l = 1 + r.nextLong(Math.min(8192, size - src));
            long dst = r.nextLong(MAX - l);
            op = "copy_range";
            args = new long[] {src, l, dst};
            size = Math.max(size, dst + l);
            break;
          }
      }
      ops.add(
          new FsxOp(
              line, op, args, before, keep && (op.equals("zero_range") || op.equals("fallocate"))));
    }
    return ops;
  }

  static Stream<Arguments> runs() {
    Stream.Builder<Arguments> b = Stream.builder();
    long seed = 1;
    for (Strategy s : Strategy.values()) {
      b.add(Arguments.of(seed++, false, false, s));
    }
    for (int i = 0; i < 3; i++) {
      b.add(Arguments.of(seed++, true, false, Strategy.RANGE_LOCK));
      b.add(Arguments.of(seed++, false, true, Strategy.RANGE_LOCK));
      b.add(Arguments.of(seed++, true, true, Strategy.RANGE_LOCK));
    }
    return b.build();
  }

  @ParameterizedTest(name = "seed {0} direct={1} background={2} {3}")
  @MethodSource("runs")
  void simMatchesTheByteArrayModel(long seed, boolean direct, boolean background, Strategy s) {
    byte[] pattern = new byte[256 * 1024];
    new SplittableRandom(seed * 31).nextBytes(pattern);
    List<FsxOp> ops = generate(seed);
    FsxReplay.Result r =
        FsxReplay.replay(ops, pattern, new FsxReplay.Options(direct, background, s));
    assertEquals(List.of(), r.problems());
    assertArrayEquals(r.shadow(), r.cached());
    assertArrayEquals(r.shadow(), r.disk());
  }
}
