package org.rangelock.sim.exclusion;

import org.rangelock.sim.kernel.Inode;

/**
 * {@code LEGACY}: Linux about 2012 (3.x). No lock of its own between these operations; instead:
 *
 * <ul>
 *   <li>the page lock: a new page is locked until read; faults, writes, writeback, truncate and
 *       invalidation lock the page and check it is still in the mapping ({@code page->mapping});
 *   <li>{@code i_size} rechecked under the page lock in {@code filemap_fault}, and {@code
 *       writepage} skipping pages wholly past EOF ({@code block_write_full_page});
 *   <li>truncate: {@code truncate_setsize} sets {@code i_size}, then {@code truncate_pagecache}
 *       unmaps, truncates the cache (waiting on writeback) and unmaps again; hole punch uses {@code
 *       truncate_pagecache_range} the same way, then the filesystem frees the blocks;
 *   <li>direct IO: {@code filemap_write_and_wait_range} and {@code invalidate_inode_pages2_range}
 *       before the IO, and for writes the invalidation again after it.
 * </ul>
 *
 * Source: mm/filemap.c, mm/truncate.c and fs/direct-io.c of Linux 3.4–3.7, and Chinner's 2012
 * analysis of what they leave open.
 */
public class LegacyExclusion implements Exclusion {
  @Override
  public String name() {
    return "LEGACY";
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    return Held.NOTHING;
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
