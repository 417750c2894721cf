package org.rangelock.sim.exclusion;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rangelock.sim.exclusion.Exclusion.Held;
import org.rangelock.sim.kernel.Inode;

/**
 * {@code i_rwsem} (XFS's {@code XFS_IOLOCK} before it became {@code i_rwsem}), one per file: the
 * file-wide reader/writer semaphore a strategy takes around whole operations, before any lock of
 * the mapping (Linux's order: {@code i_rwsem}, then {@code invalidate_lock}, then the page lock).
 *
 * <p>The sim's direct IO is synchronous and holds its {@code i_rwsem} share from start to end, so
 * {@code inode_dio_wait} (what a killer calls after taking {@code i_rwsem} exclusive, to wait for
 * asynchronous direct IO that has dropped it) has nothing left to wait for: the exclusive
 * acquisition already waited for every direct IO.
 */
final class InodeRwsem {
  /** How an operation takes it. */
  enum Mode {
    NOT_TAKEN,
    SHARED,
    EXCLUSIVE
  }

  private final Map<Integer, ReentrantReadWriteLock> locks = new ConcurrentHashMap<>();

  private ReentrantReadWriteLock of(Inode inode) {
    return locks.computeIfAbsent(inode.id(), i -> new ReentrantReadWriteLock());
  }

  Held take(Inode inode, Mode mode) {
    switch (mode) {
      case SHARED:
        ReentrantReadWriteLock.ReadLock r = of(inode).readLock();
        r.lock();
        return r::unlock;
      case EXCLUSIVE:
        ReentrantReadWriteLock.WriteLock w = of(inode).writeLock();
        w.lock();
        return w::unlock;
      default:
        return Held.NOTHING;
    }
  }

  /** What is still held, for the leak oracle; empty when nothing is. */
  String held() {
    StringBuilder b = new StringBuilder();
    locks.forEach(
        (id, l) -> {
          if (l.isWriteLocked() || l.getReadLockCount() > 0) {
            b.append("i_rwsem of inode ").append(id).append(": ").append(l).append("; ");
          }
        });
    return b.toString();
  }

  /** The XFS pattern: shared for buffered reads and direct IO, exclusive for the rest. */
  static Mode xfs(Op op, Inode inode, long end) {
    switch (op) {
      case READ:
      case DIRECT_READ:
        return Mode.SHARED;
      case DIRECT_WRITE:
        // xfs_file_dio_write_aligned: shared, exclusive when it must extend the file.
        return end > inode.size() ? Mode.EXCLUSIVE : Mode.SHARED;
      case WRITE:
      case FALLOCATE:
        return Mode.EXCLUSIVE;
      default:
        return op.isPageKiller() ? Mode.EXCLUSIVE : Mode.NOT_TAKEN;
    }
  }

  /** Closes {@code inner}, then {@code outer}. */
  static Held both(Held outer, Held inner) {
    return () -> {
      try {
        inner.close();
      } finally {
        outer.close();
      }
    };
  }
}
