package org.rangelock.sim.exclusion;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.rangelock.sim.kernel.Inode;

/**
 * {@code TRUNCATE_COUNT}: Linux 2.6 before the 2.6.2x fault rework (the functions read are those of
 * 2.6.16): {@code mapping->truncate_count}. A sequence count per file, bumped by {@code
 * unmap_mapping_range} before it zaps; {@code do_no_page} samples it before {@code ->nopage} looks
 * the page up, and under the page-table lock, before installing the PTE, compares: changed means an
 * unmap ran meanwhile, so the fault drops its page and retries. The fault checks {@code i_size}
 * once, before the lookup ({@code filemap_nopage}); there is no recheck under the page lock, and
 * truncate unmaps once ({@code vmtruncate}: {@code unmap_mapping_range}, then {@code
 * truncate_inode_pages}). Writes, truncate and the other killers take {@code i_mutex} (exclusive;
 * reads and direct reads take nothing); direct IO writes back and invalidates the cache before the
 * IO, and a direct write invalidates again after it. The page lock orders the filling of a page;
 * truncating the cache does not unmap a page a fault mapped meanwhile ({@code
 * truncate_complete_page}): the count is the only defence there.
 *
 * <p>The count covers the window between the lookup and the install; it cannot cover a fault that
 * starts after the unmap and reads a block before the filesystem frees it (the hole-punch race of
 * case 1: 2.6 had hole punch only for tmpfs, {@code vmtruncate_range}).
 *
 * <p>Source: mm/memory.c {@code do_no_page} and {@code unmap_mapping_range}, mm/filemap.c {@code
 * filemap_nopage}, mm/truncate.c, of Linux 2.6.16.
 */
public final class TruncateCountExclusion extends IMutexExclusion {
  private final Map<Integer, AtomicLong> counts = new ConcurrentHashMap<>();
  private final boolean validates;

  /** The strategy as the report runs it. */
  public TruncateCountExclusion() {
    this(true);
  }

  /**
   * With {@code validates} false the fault ignores the count: the race the count closes (a PTE
   * installed after the unmap) comes back.
   */
  public TruncateCountExclusion(boolean validates) {
    this.validates = validates;
  }

  private AtomicLong countOf(Inode inode) {
    return counts.computeIfAbsent(inode.id(), i -> new AtomicLong());
  }

  @Override
  public String name() {
    return "TRUNCATE_COUNT";
  }

  @Override
  public long faultSequence(Inode inode) {
    return countOf(inode).get();
  }

  @Override
  public boolean faultStillValid(Inode inode, long sequence) {
    return !validates || countOf(inode).get() == sequence;
  }

  @Override
  public void unmapping(Inode inode) {
    countOf(inode).incrementAndGet();
  }
}
