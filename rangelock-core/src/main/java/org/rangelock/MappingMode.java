package org.rangelock;

/**
 * The modes in which a filesystem touches a file's page cache (its "mapping"), one per kind of
 * operation; {@link ModeTable#mapping()} says which may overlap. The table:
 *
 * <pre>
 *              FAULT  READ  WRITE  DIRECT  WRITEBACK  INVALIDATE
 * FAULT         yes   yes    no     no       yes        no
 * READ          yes   yes    yes    no       yes        no
 * WRITE         no    yes    yes    no       yes        no
 * DIRECT        no    no     no     yes      yes        no
 * WRITEBACK     yes   yes    yes    yes      yes        no
 * INVALIDATE    no    no     no     no       no         no
 * </pre>
 */
public enum MappingMode {
  /** A page fault through {@code mmap}: may install pages into the cache and PTEs. */
  FAULT,
  /** A buffered read: may instantiate uptodate pages in the cache. */
  READ,
  /** A buffered write: dirties pages in the cache. */
  WRITE,
  /** Direct IO: bypasses the cache after flushing and invalidating it over the range. */
  DIRECT,
  /** Writeback of dirty pages to disk (background or fsync). */
  WRITEBACK,
  /**
   * Every "page killer": truncate, hole punch, zero/collapse/insert range, cache invalidation, page
   * migration. Compatible with nothing.
   */
  INVALIDATE
}
