package org.rangelock.sim.exclusion;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rangelock.sim.kernel.Inode;

/**
 * {@code MMAPLOCK}: XFS from Linux 4.1 to 5.14 (Dave Chinner's {@code XFS_MMAPLOCK}, 2015; ext4's
 * {@code i_mmap_sem} of the same years follows it): {@code i_rwsem} as in {@link LegacyExclusion},
 * and a file-wide reader/writer semaphore taken
 *
 * <ul>
 *   <li>shared by every fault ({@code xfs_filemap_fault} around {@code filemap_fault}) and by
 *       {@code page_mkwrite} ({@code xfs_filemap_page_mkwrite});
 *   <li>exclusive by truncate, hole punch, zero, collapse and insert range ({@code
 *       xfs_setattr_size}, {@code xfs_file_fallocate}, after {@code i_rwsem} exclusive and {@code
 *       inode_dio_wait}).
 * </ul>
 *
 * Pages that buffered reads and readahead create are not covered: that gap is what Linux 5.15's
 * {@code invalidate_lock} ({@link InvalidateLockExclusion}) closed by moving the lock to the
 * mapping and taking it where pages are created rather than where faults happen. Direct IO,
 * buffered writes and writeback do not take it. The page-lock mechanisms, the flush and
 * invalidations around direct IO, its buffered fallback and punch's writeback are those of {@link
 * LegacyExclusion}.
 *
 * <p>Source: fs/xfs/xfs_file.c and xfs_iops.c of Linux 4.1–5.14 ({@code XFS_MMAPLOCK_SHARED},
 * {@code XFS_MMAPLOCK_EXCL}), Chinner's 2015 series "xfs: introduce mmap/truncate lock".
 */
public final class MmapLockExclusion extends LegacyExclusion {
  private final Map<Integer, ReentrantReadWriteLock> locks = new ConcurrentHashMap<>();

  private ReentrantReadWriteLock lockOf(Inode inode) {
    return locks.computeIfAbsent(inode.id(), i -> new ReentrantReadWriteLock());
  }

  @Override
  public String name() {
    return "MMAPLOCK";
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    Held outer = super.enter(op, inode, start, end);
    if (op == Op.FAULT) {
      ReentrantReadWriteLock.ReadLock r = lockOf(inode).readLock();
      r.lock();
      return InodeRwsem.both(outer, r::unlock);
    }
    if (!op.isPageKiller()) {
      return outer;
    }
    ReentrantReadWriteLock.WriteLock w = lockOf(inode).writeLock();
    w.lock();
    return InodeRwsem.both(outer, w::unlock);
  }

  @Override
  public String heldAtQuiescence() {
    StringBuilder b = new StringBuilder(super.heldAtQuiescence());
    locks.forEach(
        (id, l) -> {
          if (l.isWriteLocked() || l.getReadLockCount() > 0) {
            b.append("MMAPLOCK of inode ").append(id).append(": ").append(l).append("; ");
          }
        });
    return b.toString();
  }

  /**
   * A fault drops {@code mmap_lock} to read a missing page holding a reference on the file ({@code
   * maybe_unlock_mmap_for_io}, {@code fpin}): Linux 5.1–5.14; from 4.1 to 5.0 it read under {@code
   * mmap_sem} ({@link LegacyExclusion#faultIoWait}), which is as safe.
   */
  @Override
  public FaultIoWait faultIoWait() {
    return FaultIoWait.DROPS_MMAP_LOCK_PINNING_FILE;
  }
}
