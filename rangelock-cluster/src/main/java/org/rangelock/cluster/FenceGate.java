package org.rangelock.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.rangelock.ModeTable;
import org.rangelock.Range;

/**
 * The storage side of fencing: admits a write (or any effect) made under a hold only if no effect
 * of a <em>later</em> conflicting hold has been admitted already on an overlapping range. A node
 * that lost its token (its session expired while it was paused, say) and wakes up to write is
 * refused, because the node that was granted the range after it wrote with a larger fence.
 *
 * <p>Rule: {@code admit(range, mode, fence)} is refused iff an admitted effect on an overlapping
 * range, in a mode that conflicts with {@code mode}, carried a fence larger than {@code fence}.
 * Since fences grow along every pair of conflicting holds (see {@link ClusterHandle#fence()}), a
 * holder that still holds its token is never refused.
 *
 * <p>This is a reference implementation (a list scanned under a monitor, with entries superseded by
 * a later one on the same range and mode dropped) for tests, the demo and as a statement of the
 * check; a storage layer keeps the same per block or extent, next to the data, in the same atomic
 * update as the write. Thread-safe; {@code admit} calls are linearizable.
 *
 * @param <M> the mode enum
 */
public final class FenceGate<M extends Enum<M>> {
  private final ModeTable<M> table;
  private final List<Entry<M>> admitted = new ArrayList<>();
  private long refused;

  private record Entry<M>(Range range, M mode, long fence) {}

  /**
   * An empty gate: it admits anything until a first effect is recorded.
   *
   * @param table the table whose {@link ModeTable#compatible compatible} relation decides which
   *     admitted effects can refuse a later one: the lock's table
   * @throws NullPointerException if {@code table} is null
   */
  public FenceGate(ModeTable<M> table) {
    this.table = Objects.requireNonNull(table, "table");
  }

  /**
   * Admits an effect on {@code range} made under a hold in {@code mode} with {@code fence}, or
   * refuses it.
   *
   * @param range the bytes the effect touches
   * @param mode the mode of the hold the effect was made under
   * @param fence the hold's {@link ClusterHandle#fence() fence}
   * @return true if admitted (and recorded), false if refused (nothing recorded)
   * @throws NullPointerException if {@code range} or {@code mode} is null
   */
  public synchronized boolean admit(Range range, M mode, long fence) {
    Objects.requireNonNull(range, "range");
    table.compatible(Objects.requireNonNull(mode, "mode"), mode);
    for (Entry<M> e : admitted) {
      if (e.fence > fence && e.range.overlaps(range) && !table.compatible(e.mode, mode)) {
        refused++;
        return false;
      }
    }
    admitted.removeIf(e -> e.fence <= fence && e.mode == mode && range.contains(e.range));
    admitted.add(new Entry<>(range, mode, fence));
    return true;
  }

  /**
   * How many effects were refused so far.
   *
   * @return the number of {@link #admit} calls that returned false
   */
  public synchronized long refused() {
    return refused;
  }
}
