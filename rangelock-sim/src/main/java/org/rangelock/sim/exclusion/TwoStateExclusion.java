package org.rangelock.sim.exclusion;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rangelock.sim.kernel.Inode;

/**
 * {@code TWO_STATE}: bcachefs' {@code pagecache_lock} (a "two state shared lock") on top of the
 * page-lock mechanisms of {@link LegacyExclusion}. One lock per file with two shared states: "add"
 * (faults and buffered IO, which add pages to the cache) and "block" (direct writes and the page
 * killers, which must keep pages out). Holders of one state share; the two states exclude each
 * other. There is no queue and no fairness, as in bcachefs: a waiter retries when the count drops
 * to zero, so a stream of "add" holders can starve a "block" waiter.
 *
 * <p>Source: fs/bcachefs/two_state_shared_lock.h and fs-io.c ({@code bch2_pagecache_add_get},
 * {@code bch2_pagecache_block_get}), Kent Overstreet.
 */
public final class TwoStateExclusion extends LegacyExclusion {
  /** Positive: that many "add" holders; negative: that many "block" holders. */
  static final class TwoStateLock {
    private long v;

    synchronized void take(boolean add) {
      boolean interrupted = false;
      while (add ? v < 0 : v > 0) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      v += add ? 1 : -1;
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    synchronized void drop(boolean add) {
      v -= add ? 1 : -1;
      if (v == 0) {
        notifyAll();
      }
    }
  }

  private final Map<Integer, TwoStateLock> locks = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return "TWO_STATE";
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    boolean add;
    switch (op) {
      case FAULT:
      case READ:
      case WRITE:
        add = true;
        break;
      case DIRECT_WRITE:
        add = false;
        break;
      default:
        if (!op.isPageKiller()) {
          return Held.NOTHING;
        }
        add = false;
    }
    TwoStateLock l = locks.computeIfAbsent(inode.id(), i -> new TwoStateLock());
    l.take(add);
    return () -> l.drop(add);
  }
}
