package org.rangelock.sim.exclusion;

import org.rangelock.sim.kernel.Inode;

/**
 * How a kernel design keeps faults, buffered IO, direct IO, writeback and the page killers apart:
 * the locks it takes around an operation, around the creation of a page in the cache, and the
 * mechanisms it relies on inside the operations (page lock, {@code i_size} rechecks, a second
 * unmap, flushing and invalidating the cache around direct IO).
 *
 * <p>The kernel calls {@link #enter} at the start of every operation with the byte range it touches
 * (page killers pass {@code Long.MAX_VALUE} as the end when they act to EOF) and closes the result
 * when the operation returns. Implementations are thread-safe; per-file state lives in the
 * strategy, keyed by inode.
 */
public interface Exclusion {
  /** What {@link #enter} returns; closing it releases whatever was taken. */
  interface Held extends AutoCloseable {
    Held NOTHING = () -> {};

    @Override
    void close();
  }

  /** The strategy's name as the report prints it. */
  String name();

  /** Taken for the whole of {@code op} on {@code [start, end)} of {@code inode}. */
  Held enter(Op op, Inode inode, long start, long end);

  /** Taken while a page is created and filled in the cache (fault, buffered read). */
  default Held enterPageCreate(Inode inode, long index) {
    return Held.NOTHING;
  }

  /** Whether operations lock pages ({@code lock_page}) and wait on writeback. */
  boolean usesPageLock();

  /**
   * Whether faults recheck {@code i_size} under the page lock and writeback skips pages wholly past
   * EOF (2012's defence against truncate).
   */
  boolean rechecksSizeUnderPageLock();

  /** Whether truncate and punch unmap again after truncating the cache. */
  boolean unmapsTwice();

  /** Whether direct IO flushes dirty pages and invalidates the cache before the IO. */
  boolean flushesBeforeDirectIo();

  /** Whether a direct write invalidates the cache again after the IO. */
  boolean invalidatesAfterDirectWrite();
}
