package org.rangelock.sim.exclusion;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rangelock.sim.kernel.Inode;

/**
 * {@code INVALIDATE_LOCK}: Linux 5.15 with XFS's locking: {@code i_rwsem} as in {@link
 * LegacyExclusion}, and {@code mapping->invalidate_lock}, a file-wide reader/writer semaphore taken
 *
 * <ul>
 *   <li>shared where a page is created in the cache ({@code filemap_fault} when the page is
 *       missing, and when a cached page is found not uptodate: it drops the page lock, takes the
 *       semaphore and looks again; {@code filemap_read} / readahead), and by {@code page_mkwrite}
 *       ({@code xfs_filemap_page_mkwrite}, {@code ext4_page_mkwrite});
 *   <li>exclusive by truncate, hole punch, zero, collapse and insert range ({@code
 *       xfs_setattr_size}, {@code xfs_file_fallocate}: after {@code i_rwsem} exclusive and {@code
 *       inode_dio_wait}).
 * </ul>
 *
 * Faults that find an uptodate page cached, buffered writes, direct IO and writeback do not take
 * it. The page-lock mechanisms, the flush and invalidations around direct IO, its buffered fallback
 * and punch's writeback are those of {@link LegacyExclusion}.
 *
 * <p>Source: Jan Kara's series "mm: Protect operations adding pages to page cache with
 * invalidate_lock" (Linux 5.15: include/linux/fs.h {@code filemap_invalidate_lock}, mm/filemap.c
 * {@code filemap_fault}, {@code filemap_create_page}), fs/xfs/xfs_file.c of 5.15.
 */
public final class InvalidateLockExclusion extends LegacyExclusion {
  private final Map<Integer, ReentrantReadWriteLock> locks = new ConcurrentHashMap<>();

  private ReentrantReadWriteLock lockOf(Inode inode) {
    return locks.computeIfAbsent(inode.id(), i -> new ReentrantReadWriteLock());
  }

  @Override
  public String name() {
    return "INVALIDATE_LOCK";
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    Held outer = super.enter(op, inode, start, end);
    if (!op.isPageKiller()) {
      return outer;
    }
    ReentrantReadWriteLock.WriteLock w = lockOf(inode).writeLock();
    w.lock();
    return InodeRwsem.both(outer, w::unlock);
  }

  @Override
  public Held enterPageCreate(Inode inode, long index) {
    ReentrantReadWriteLock.ReadLock r = lockOf(inode).readLock();
    r.lock();
    return r::unlock;
  }

  @Override
  public Held enterPageMkwrite(Inode inode, long index) {
    return enterPageCreate(inode, index);
  }

  @Override
  public String heldAtQuiescence() {
    StringBuilder b = new StringBuilder(super.heldAtQuiescence());
    locks.forEach(
        (id, l) -> {
          if (l.isWriteLocked() || l.getReadLockCount() > 0) {
            b.append("invalidate_lock of inode ").append(id).append(": ").append(l).append("; ");
          }
        });
    return b.toString();
  }

  /**
   * A fault drops {@code mmap_lock} to read a missing page holding a reference on the file ({@code
   * maybe_unlock_mmap_for_io}, {@code fpin}, Linux 5.1+).
   */
  @Override
  public FaultIoWait faultIoWait() {
    return FaultIoWait.DROPS_MMAP_LOCK_PINNING_FILE;
  }
}
