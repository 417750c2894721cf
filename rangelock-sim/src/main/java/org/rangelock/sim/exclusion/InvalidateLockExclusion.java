package org.rangelock.sim.exclusion;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rangelock.sim.kernel.Inode;

/**
 * {@code INVALIDATE_LOCK}: Linux 5.15's {@code mapping->invalidate_lock} on top of {@link
 * LegacyExclusion}. A file-wide reader/writer semaphore, taken shared where a page is created in
 * the cache ({@code filemap_fault} when the page is missing, {@code filemap_read} / readahead) and
 * exclusive by truncate, hole punch, zero, collapse and insert range (ext4 and XFS take it in
 * {@code setattr} and {@code fallocate}). Faults that find the page cached, buffered writes, direct
 * IO and writeback do not take it.
 *
 * <p>Source: Jan Kara's series "mm: Protect operations adding pages to page cache with
 * invalidate_lock" (Linux 5.15, include/linux/fs.h {@code filemap_invalidate_lock}).
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
    if (!op.isPageKiller()) {
      return Held.NOTHING;
    }
    ReentrantReadWriteLock.WriteLock w = lockOf(inode).writeLock();
    w.lock();
    return w::unlock;
  }

  @Override
  public Held enterPageCreate(Inode inode, long index) {
    ReentrantReadWriteLock.ReadLock r = lockOf(inode).readLock();
    r.lock();
    return r::unlock;
  }
}
