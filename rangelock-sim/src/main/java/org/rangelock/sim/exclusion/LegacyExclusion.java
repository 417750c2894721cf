package org.rangelock.sim.exclusion;

import org.rangelock.sim.kernel.Inode;

/**
 * {@code LEGACY}: Linux about 2012 (3.4–3.7) with XFS's locking. No lock of the mapping between
 * faults and the page killers; instead:
 *
 * <ul>
 *   <li>the inode's {@code XFS_IOLOCK} ({@code xfs_ilock}; the {@code i_rwsem} of later kernels):
 *       shared by buffered reads ({@code xfs_file_aio_read}) and direct IO, exclusive by buffered
 *       writes ({@code xfs_file_buffered_aio_write}), a direct write that extends the file,
 *       fallocate, truncate and hole punch ({@code xfs_setattr_size}, {@code xfs_free_file_space},
 *       which then call {@code inode_dio_wait}); faults and writeback do not take it;
 *   <li>the page lock: a new page is locked until read; faults, writes, writeback, truncate and
 *       invalidation lock the page and check it is still in the mapping ({@code page->mapping});
 *   <li>{@code i_size} rechecked under the page lock in {@code filemap_fault}, and {@code
 *       writepage} skipping pages wholly past EOF ({@code block_write_full_page});
 *   <li>truncate: {@code truncate_setsize} sets {@code i_size}, then {@code truncate_pagecache}
 *       unmaps, truncates the cache (waiting on writeback) and unmaps again; hole punch writes the
 *       range back ({@code filemap_write_and_wait_range}), then {@code truncate_pagecache_range}
 *       unmaps once and truncates the cache, then the filesystem frees the blocks;
 *   <li>direct IO: {@code filemap_write_and_wait_range} and {@code invalidate_inode_pages2_range}
 *       before the IO, and for writes the invalidation again after it; a direct write whose first
 *       invalidation fails falls back to a buffered write ({@code generic_file_direct_write}).
 * </ul>
 *
 * <p>ext4 of the same years took {@code i_mutex} for buffered and direct writes but not for direct
 * overwrites under {@code dioread_nolock}; that hole is not modelled here.
 *
 * <p>Source: mm/filemap.c, mm/truncate.c, fs/direct-io.c and fs/xfs/xfs_file.c of Linux 3.4–3.7,
 * and Chinner's 2012 analysis of what they leave open.
 */
public class LegacyExclusion implements Exclusion {
  final InodeRwsem rwsem = new InodeRwsem();

  @Override
  public String name() {
    return "LEGACY";
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    return rwsem.take(inode, InodeRwsem.xfs(op, inode, end));
  }

  @Override
  public String heldAtQuiescence() {
    return rwsem.held();
  }

  @Override
  public boolean fallsBackToBufferedWrite() {
    return true;
  }

  /**
   * A fault reads a missing page with {@code mmap_sem} held ({@code filemap_fault} of 3.x calls
   * {@code page_cache_read} under it; {@code lock_page_or_retry} drops it only to wait for a locked
   * page): {@code munmap} waits, so the vma's file reference outlives the read. Inherited by the
   * 2.6 rows (no {@code VM_FAULT_RETRY} at all before 2.6.30) and Kara's 2012 proposal.
   */
  @Override
  public FaultIoWait faultIoWait() {
    return FaultIoWait.HOLDS_MMAP_LOCK;
  }

  @Override
  public boolean writesBackBeforePunch() {
    return true;
  }

  @Override
  public boolean usesPageLock() {
    return true;
  }

  @Override
  public boolean rechecksSizeUnderPageLock() {
    return true;
  }

  @Override
  public boolean unmapsTwice() {
    return true;
  }

  @Override
  public boolean flushesBeforeDirectIo() {
    return true;
  }

  @Override
  public boolean invalidatesAfterDirectWrite() {
    return true;
  }
}
