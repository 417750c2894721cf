package org.rangelock.sim.exclusion;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rangelock.sim.kernel.Inode;
import org.rangelock.sim.kernel.SigBus;

/**
 * {@code TWO_STATE}: bcachefs (Linux 6.7–6.17) — its {@code pagecache_lock} (a "two state shared
 * lock") and its {@code inode_lock} ({@code i_rwsem}: exclusive for buffered writes, fallocate,
 * truncate and punch, and for a direct write that extends the file; buffered and direct reads do
 * not take it) on top of the page-lock mechanisms of {@link LegacyExclusion}. One lock per file
 * with two shared states: "add" (faults and buffered IO, which add pages to the cache) and "block"
 * (direct writes and the page killers, which must keep pages out). Holders of one state share; the
 * two states exclude each other. There is no queue and no fairness, as in bcachefs: a waiter
 * retries when the count drops to zero, so a stream of "add" holders can starve a "block" waiter.
 *
 * <p>Direct IO from a mapped buffer: a direct write holds "block" on its file while it pins its
 * user buffer, and the pin may fault, which takes "add". bcachefs breaks the two deadlocks this
 * opens with {@code current->faults_disabled_mapping} ({@link
 * UserBufferPin#FAULTS_DISABLED_MAPPING}; {@code bch2_page_fault}): a fault on the file whose
 * "block" the thread holds fails (SIGBUS to the pin, so the write ends short with {@code EFAULT});
 * a fault on another file whose id is lower (the kernel compares the mappings' addresses) only
 * try-locks "add", and when that fails drops its own "block", waits for "add" and releases it,
 * takes "block" again, and fails the fault with the "dropped locks" mark, so the write redoes its
 * step. A fault on a file with a higher id waits for "add" holding "block": waits go only from
 * lower to higher ids, so no cycle forms.
 *
 * <p>Source: fs/bcachefs/two_state_shared_lock.h and fs-io.c ({@code bch2_pagecache_add_get},
 * {@code bch2_pagecache_block_get}), fs-io-pagecache.c {@code bch2_page_fault} and fs-io-direct.c
 * (the direct write loop), Kent Overstreet.
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

    synchronized boolean tryTake(boolean add) {
      if (add ? v < 0 : v > 0) {
        return false;
      }
      v += add ? 1 : -1;
      return true;
    }

    synchronized long value() {
      return v;
    }

    synchronized void drop(boolean add) {
      v -= add ? 1 : -1;
      if (v == 0) {
        notifyAll();
      }
    }
  }

  private final Map<Integer, TwoStateLock> locks = new ConcurrentHashMap<>();

  /** {@code current->faults_disabled_mapping}, and whether a fault dropped its lock. */
  private final ThreadLocal<Inode> faultsDisabled = new ThreadLocal<>();

  private final ThreadLocal<Boolean> droppedLocks = ThreadLocal.withInitial(() -> false);

  private TwoStateLock lockOf(Inode inode) {
    return locks.computeIfAbsent(inode.id(), i -> new TwoStateLock());
  }

  @Override
  public UserBufferPin userBufferPin() {
    return UserBufferPin.FAULTS_DISABLED_MAPPING;
  }

  @Override
  public Held disableFaultsOn(Inode inode) {
    faultsDisabled.set(inode);
    droppedLocks.set(false);
    return () -> faultsDisabled.remove();
  }

  @Override
  public boolean faultDroppedLocks() {
    return droppedLocks.get();
  }

  /** {@code bch2_page_fault}'s lock ordering while a direct write pins its buffer. */
  private Held faultWithFaultsDisabled(Inode inode, Inode fdm) {
    if (fdm == inode) {
      throw new SigBus("fault on " + inode + " while its direct write pins (faults disabled)");
    }
    TwoStateLock mine = lockOf(inode);
    if (fdm.id() > inode.id() && !mine.tryTake(true)) {
      TwoStateLock held = lockOf(fdm);
      held.drop(false);
      mine.take(true);
      mine.drop(true);
      held.take(false);
      droppedLocks.set(true);
      throw new SigBus("fault on " + inode + " dropped the block lock of " + fdm);
    } else if (fdm.id() < inode.id()) {
      mine.take(true);
    }
    return () -> mine.drop(true);
  }

  @Override
  public String name() {
    return "TWO_STATE";
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    Inode fdm = faultsDisabled.get();
    if (op == Op.FAULT && fdm != null) {
      return faultWithFaultsDisabled(inode, fdm);
    }
    InodeRwsem.Mode mode =
        op == Op.READ || op == Op.READAHEAD || op == Op.DIRECT_READ
            ? InodeRwsem.Mode.NOT_TAKEN
            : InodeRwsem.xfs(op, inode, end);
    Held outer = rwsem.take(inode, mode);
    Held inner;
    try {
      inner = pagecacheLock(op, inode);
    } catch (RuntimeException e) {
      outer.close();
      throw e;
    }
    return InodeRwsem.both(outer, inner);
  }

  @Override
  public boolean fallsBackToBufferedWrite() {
    return false;
  }

  @Override
  public boolean writesBackBeforePunch() {
    return false;
  }

  @Override
  public String heldAtQuiescence() {
    StringBuilder b = new StringBuilder(super.heldAtQuiescence());
    locks.forEach(
        (id, l) -> {
          long v = l.value();
          if (v != 0) {
            b.append("pagecache_lock of inode ").append(id).append(": ").append(v).append("; ");
          }
        });
    return b.toString();
  }

  private Held pagecacheLock(Op op, Inode inode) {
    boolean add;
    switch (op) {
      case FAULT:
      case READ:
      case READAHEAD:
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
    TwoStateLock l = lockOf(inode);
    l.take(add);
    return () -> l.drop(add);
  }

  /**
   * {@code bch2_page_fault} calls {@code filemap_fault}, which drops {@code mmap_lock} to read a
   * missing page holding a reference on the file ({@code maybe_unlock_mmap_for_io}, {@code fpin},
   * Linux 5.1+).
   */
  @Override
  public FaultIoWait faultIoWait() {
    return FaultIoWait.DROPS_MMAP_LOCK_PINNING_FILE;
  }
}
