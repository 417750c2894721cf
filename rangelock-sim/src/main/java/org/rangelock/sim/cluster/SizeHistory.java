package org.rangelock.sim.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rangelock.sim.kernel.Inode;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.ViolationKind;

/**
 * The stale-size oracle of the cluster family ({@link ViolationKind#STALE_SIZE}): every size the
 * nodes set on the file after they joined, with the moment the operation that set it returned, and
 * a check at every place a node's kernel decides something by its own cached size (a fault's EOF
 * check, a read's clamp at EOF, writeback's zeroing past EOF, an extension's old size, a truncate's
 * old size).
 *
 * <p>A node's operation may act on the size the last size change that returned before it began set,
 * or on one a change made since (concurrent with it, or its own); acting on an older one is a stale
 * size, reported where it changes the decision: a use about bytes {@code [from, to)} is judged by
 * {@code min(max(size, from), to)}, so a writeback of page 1 under a size another node has since
 * grown past page 3 is not reported, a fault on page 3 under a size another node has since cut to
 * two pages is.
 *
 * <p>An operation is what a node's thread does between entering its outermost exclusion hold and
 * closing it ({@link #begin}, {@link #end}; a revocation callback is one too); a change returns
 * when the operation that made it ends. Sizes used outside any operation (the case's set-up, the
 * oracles' own look) are not judged. Thread-safe.
 */
final class SizeHistory implements Inode.SizeObserver {
  private static final class Change {
    final String node;
    final long size;
    final Thread thread;
    final String what;
    long returnedAt = Long.MAX_VALUE;

    Change(String node, long size, Thread thread, String what) {
      this.node = node;
      this.size = size;
      this.thread = thread;
      this.what = what;
    }
  }

  private static final class Op {
    int depth;
    long began;
  }

  private final Races races;
  private final Map<Inode, String> nodes = new ConcurrentHashMap<>();
  private final List<Change> changes = new ArrayList<>();
  private final ThreadLocal<Op> ops = ThreadLocal.withInitial(Op::new);
  private long clock;

  /** A history whose first size, {@code initial}, was set before the race began. */
  SizeHistory(Races races, long initial) {
    this.races = races;
    Change first = new Change("set-up", initial, null, "the set-up");
    first.returnedAt = 0;
    changes.add(first);
  }

  /** Observes node {@code node}'s view of the file from now on. */
  void watch(Inode view, String node) {
    nodes.put(view, node);
    view.observeSize(this);
  }

  /** The calling thread enters an operation (nested entries belong to the outermost one). */
  void begin() {
    Op o = ops.get();
    if (o.depth++ == 0) {
      synchronized (this) {
        o.began = ++clock;
      }
    }
  }

  /** The calling thread leaves an operation; at the outermost, its size changes have returned. */
  void end() {
    Op o = ops.get();
    if (o.depth == 0) {
      return;
    }
    if (--o.depth == 0) {
      synchronized (this) {
        long now = ++clock;
        Thread me = Thread.currentThread();
        for (Change c : changes) {
          if (c.thread == me && c.returnedAt == Long.MAX_VALUE) {
            c.returnedAt = now;
          }
        }
      }
    }
  }

  @Override
  public void changed(Inode view, long oldSize, long newSize) {
    Op o = ops.get();
    synchronized (this) {
      Change c =
          new Change(
              nodes.getOrDefault(view, "?"),
              newSize,
              Thread.currentThread(),
              Races.role() + "'s change of the size from " + oldSize + " to " + newSize);
      if (o.depth == 0) {
        c.returnedAt = ++clock; // outside any operation: it has returned as soon as it is made
      }
      changes.add(c);
    }
  }

  @Override
  public void used(Inode view, long size, long from, long to, String what) {
    Op o = ops.get();
    if (o.depth == 0) {
      return;
    }
    long decision = clamp(size, from, to);
    Change basis;
    synchronized (this) {
      int last = 0;
      for (int i = 0; i < changes.size(); i++) {
        if (changes.get(i).returnedAt < o.began) {
          last = i;
        }
      }
      for (int i = last; i < changes.size(); i++) {
        if (clamp(changes.get(i).size, from, to) == decision) {
          return;
        }
      }
      basis = changes.get(last);
    }
    races.violation(
        ViolationKind.STALE_SIZE,
        nodes.getOrDefault(view, "?")
            + "'s "
            + what
            + " acted on its cached size "
            + size
            + " although "
            + basis.node
            + "'s "
            + basis.what
            + " had returned before this operation began");
  }

  private static long clamp(long size, long from, long to) {
    return Math.min(Math.max(size, from), to);
  }
}
