package org.rangelock.sim.race;

/**
 * The named places where a real kernel could sleep, be preempted or race with another CPU. The case
 * runner injects delays here (randomly, from a seed) and directed tests park a thread here until
 * another one has made progress, so that a race window opens on demand.
 */
public enum RacePoint {
  /** A case's role is about to make its next system call (lets a window hold a whole call back). */
  ROLE_START,
  /**
   * A case's role is about to load or store through a mapping (the access may or may not fault):
   * lets a directed window place an access that hits a present PTE.
   */
  USER_ACCESS,
  /** Fault handler entered, before the {@code i_size} check. */
  FAULT_START,
  /** Fault created a page and inserted it in the cache, before reading it from disk. */
  FAULT_BEFORE_READPAGE,
  /**
   * Fault-around has a cached page in hand (locked, where pages are locked) and checked it, before
   * installing its PTE.
   */
  MAP_PAGES_BEFORE_INSTALL,
  /**
   * A fault dropped {@code mmap_lock} to read a missing page (holding a file reference or not, as
   * the design does), before the read (case 21).
   */
  FAULT_LOCK_DROPPED,
  /** An inode's last reference is gone and its eviction began, before it drops the cache. */
  EVICT_BEFORE_TRUNCATE,
  /** Fault has an uptodate page in hand, before installing the PTE. */
  FAULT_BEFORE_INSTALL,
  /** {@code readpage} looked the block up in the block map, before reading the device. */
  READPAGE_AFTER_LOOKUP,
  /** Readahead created a page and inserted it in the cache, before reading it from disk. */
  READAHEAD_BEFORE_READPAGE,
  /** Buffered read has the page, before copying out. */
  READ_BEFORE_COPY,
  /** Buffered write entered (its lock held), before the first page lookup. */
  WRITE_START,
  /** Buffered write has the page, before copying in. */
  WRITE_BEFORE_COPY,
  /** Direct IO entered with its lock held, before it pins its user buffer (if it has one). */
  DIRECT_START,
  /** Direct IO pinned its user buffer, before the flush and the disk IO. */
  DIRECT_AFTER_PIN,
  /** Direct IO flushed and invalidated the cache (if the strategy does), before the disk IO. */
  DIRECT_BEFORE_IO,
  /** A direct write looked up (or allocated) a page's block, before it writes the block. */
  DIRECT_AFTER_LOOKUP,
  /** Direct IO finished the disk IO, before the second invalidation. */
  DIRECT_AFTER_IO,
  /** Writeback took a snapshot of a page and set the writeback flag, before the block lookup. */
  WRITEBACK_BEFORE_LOOKUP,
  /** Writeback knows the block, before the device write. */
  WRITEBACK_BEFORE_IO,
  /**
   * Writeback submitted a page's device write (the page under writeback, the locks the strategy
   * drops at submission dropped), before the write reaches the device: the IO in flight. Hit only
   * where the strategy's {@code Exclusion.writebackSubmitted} hits it (the cluster family).
   */
  WRITEBACK_IO_IN_FLIGHT,
  /** A page killer entered (its lock held), before it changes anything. */
  KILL_START,
  /** A page killer set the new size or decided its range, before unmapping. */
  KILL_BEFORE_UNMAP,
  /** A page killer unmapped the range, before truncating the cache. */
  KILL_AFTER_UNMAP,
  /** A page killer unmapped and truncated the cache, before freeing blocks. */
  KILL_BEFORE_FREE,
  /** A page killer freed blocks, before returning. */
  KILL_AFTER_FREE,
  /** Migration locked and unmapped the page, before freezing its reference count. */
  MIGRATE_BEFORE_FREEZE,
  /** Migration copied the page to the new frame, before the new page replaces it in the cache. */
  MIGRATE_BEFORE_REPLACE,
  /**
   * A lock of the strategy was just released (hit only in the preemption mode, {@link
   * Races#randomPriorities}).
   */
  LOCK_RELEASE
}
