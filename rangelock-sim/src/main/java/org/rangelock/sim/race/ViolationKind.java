package org.rangelock.sim.race;

/**
 * What an oracle can catch. Each kind says which invariant of docs/sim.md ("The cases as
 * invariants") it breaks, by case number.
 */
public enum ViolationKind {
  /** A frame was read or written through a reference whose generation is gone (always). */
  FRAME_USE_AFTER_FREE,
  /** A block was written while it belonged to another file, or to nobody (always; 5, 6). */
  BLOCK_OF_OTHER_FILE,
  /** Writeback wrote a block the file no longer maps at that index (5, 6). */
  WRITEBACK_INTO_FREED_BLOCK,
  /** Writeback allocated or wrote a block wholly beyond EOF (5). */
  WRITEBACK_PAST_EOF,
  /** A load beyond EOF succeeded instead of raising SIGBUS (2). */
  NO_SIGBUS_BEYOND_EOF,
  /** A PTE maps a page wholly beyond EOF, or a page that left the cache (1, 2). */
  STALE_MAPPING,
  /** A PTE was installed for a page that was not uptodate (4). */
  UNINITIALISED_PAGE_MAPPED,
  /** The cache, a mapping or the disk shows data no serial order of the operations produces. */
  STALE_DATA,
  /** A completed write is missing from the final contents (3, 4, 7). */
  LOST_WRITE,
  /** Data of a punched or truncated range came back (1, 5, 6). */
  RESURRECTED_DATA,
  /**
   * A system call on valid, mapped memory failed or came back short: a direct IO whose buffer is a
   * mapping ended with {@code EFAULT} (8–10).
   */
  IO_FAILED,
  /**
   * A read got the bytes of a block that another file owns by then (freed and reused between the
   * block lookup and the device read): another file's data shown to this file's reader (always).
   */
  INFORMATION_LEAK,
  /** A load or store inside EOF raised SIGBUS: no truncate put that page past EOF (always). */
  SPURIOUS_SIGBUS,
  /**
   * At quiescence a clean, uptodate cached page differs from the disk below EOF, or a page cached
   * wholly past EOF is not zero (always).
   */
  CACHE_DISAGREES_WITH_DISK,
  /**
   * At quiescence something is still held or allocated that nothing refers to: a frame, a block, a
   * pin, a lock hold (always).
   */
  LEAK,
  /**
   * Two nodes of a cluster held conflicting tokens (overlapping ranges, incompatible modes) at the
   * same time (the cluster family, docs/sim-cluster.md).
   */
  TOKEN_CONFLICT,
  /**
   * At quiescence a node caches a page, or maps it, outside every token it holds that allows it: a
   * clean page needs a read token, a dirty page or a writable PTE a write token (the cluster
   * family).
   */
  PAGE_OUTSIDE_TOKEN,
  /**
   * A write landed on the shared device under a token its node had lost, after another node had
   * been granted a conflicting token over the range and used it (the cluster family, case 107).
   */
  WRITE_AFTER_TOKEN_LOST,
  /**
   * A page was inserted into the cache of an inode whose eviction had begun, or is left in it at
   * quiescence: nothing will ever free it, and its IO ran on a file nobody holds (21).
   */
  PAGE_OF_EVICTED_INODE,
  /**
   * An fsync on a node returned success although the shared device had refused a write of that
   * node's data of the file which the fsync must answer for: one the fsync made itself, or one
   * refused after the node's previous fsync returned and before this one began (the cluster family,
   * case 107: Linux reports it as {@code EIO}); or a direct write returned success although the
   * device had refused one of its blocks (its caller's {@code EIO}).
   */
  UNREPORTED_IO_ERROR,
  /**
   * A node acted on its cached copy of the file's size (a fault's or read's EOF check, writeback's
   * zeroing past EOF, an extension's or truncate's old size) although another node's size change
   * that returned before the operation began gives a different answer (the cluster family's
   * metadata token, docs/sim-cluster.md).
   */
  STALE_SIZE,
  /** A thread did not finish within the watchdog bound. */
  DEADLOCK,
  /** An operation threw something the model does not allow. */
  CRASH
}
