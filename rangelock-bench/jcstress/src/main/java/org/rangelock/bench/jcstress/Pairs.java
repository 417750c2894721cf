package org.rangelock.bench.jcstress;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;

/**
 * The mode pairs and range shapes the jcstress tests cycle through: each new test state takes the
 * next combination, so one test covers every pair of the mapping table (read from the table, not
 * written out here) on every shape.
 */
final class Pairs {
  private Pairs() {}

  static final ModeTable<MappingMode> TABLE = ModeTable.mapping();

  /** Unordered incompatible pairs {a, b} (a &lt;= b), including a mode with itself. */
  static final MappingMode[][] INCOMPATIBLE = pairs(false);

  /** Unordered compatible pairs. */
  static final MappingMode[][] COMPATIBLE = pairs(true);

  /**
   * Overlapping range shapes {first, second}: two pages sharing one, a page against {@code
   * Range.from} (a truncate: every zone), and two long ranges that span many zones.
   */
  static final Range[][] SHAPES = {
    {Range.of(0, 8192), Range.of(4096, 12288)},
    {Range.of(4096, 8192), Range.from(0)},
    {Range.of(0, 1L << 30), Range.of(1L << 20, 1L << 31)},
  };

  private static MappingMode[][] pairs(boolean compatible) {
    List<MappingMode[]> out = new ArrayList<>();
    MappingMode[] all = MappingMode.values();
    for (int i = 0; i < all.length; i++) {
      for (int j = i; j < all.length; j++) {
        if (TABLE.compatible(all[i], all[j]) == compatible) {
          out.add(new MappingMode[] {all[i], all[j]});
        }
      }
    }
    return out.toArray(new MappingMode[0][]);
  }

  /** The next (pair, shape) combination, round robin; swaps sides every other round. */
  static final class Cycle {
    private final AtomicInteger next = new AtomicInteger();
    private final MappingMode[][] pairs;

    Cycle(MappingMode[][] pairs) {
      this.pairs = pairs;
    }

    /** Fills mode[0..1] and range[0..1]. */
    void take(MappingMode[] mode, Range[] range) {
      int k = next.getAndIncrement() & 0x7fffffff;
      MappingMode[] p = pairs[k % pairs.length];
      Range[] s = SHAPES[(k / pairs.length) % SHAPES.length];
      boolean swap = ((k / (pairs.length * SHAPES.length)) & 1) != 0;
      mode[0] = p[swap ? 1 : 0];
      mode[1] = p[swap ? 0 : 1];
      range[0] = s[0];
      range[1] = s[1];
    }
  }

  /**
   * A mapping lock with {@code INVALIDATE [0, 8192)} held, for tests that race its release. Self-
   * deadlock detection is off: jcstress may build the state on one actor's thread and close the
   * handle on the other's.
   */
  static class HeldInvalidate {
    final RangeLock<MappingMode> lock = RangeLock.builder(TABLE).failOnSelfDeadlock(false).build();
    final RangeHandle<MappingMode> held = lock.acquire(Range.of(0, 8192), MappingMode.INVALIDATE);
  }
}
