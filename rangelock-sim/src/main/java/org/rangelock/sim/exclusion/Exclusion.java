package org.rangelock.sim.exclusion;

import org.rangelock.sim.kernel.AddressSpace;
import org.rangelock.sim.kernel.Inode;
import org.rangelock.sim.kernel.PhysicalMemory;

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

  /**
   * Writeback has submitted the device write of page {@code index} of {@code inode} (the page under
   * writeback); the write completes when this returns and the IO is done, and writeback releases
   * what {@link #enter} gave it for {@link Op#WRITEBACK} after that. A strategy whose writeback
   * drops its locks at submission, as Linux's does (the bio completes later, {@code
   * end_page_writeback} in its completion), releases them here. By default nothing happens.
   */
  default void writebackSubmitted(Inode inode, long index) {}

  /** The strategy's name as the report prints it. */
  String name();

  /** Taken for the whole of {@code op} on {@code [start, end)} of {@code inode}. */
  Held enter(Op op, Inode inode, long start, long end);

  /**
   * Taken by every fault, for its whole handling, on the faulting address space: {@code mmap_sem}
   * (now {@code mmap_lock}) read, which every Linux fault holds. Only a design that makes other
   * operations take it against faults models it; by default nothing.
   */
  default Held enterFaultMm(AddressSpace mm) {
    return Held.NOTHING;
  }

  /**
   * Taken for the whole of a fault on page {@code index}, {@code write} for a store; by default
   * what {@link #enter} takes for {@link Op#FAULT} on the page. A strategy whose lock mode depends
   * on the kind of access (a cluster token: shared for a load, exclusive for a store) overrides
   * this.
   */
  default Held enterFault(Inode inode, long index, boolean write) {
    return enter(Op.FAULT, inode, index * PhysicalMemory.PAGE, (index + 1) * PhysicalMemory.PAGE);
  }

  /**
   * Taken by a fault around the page lookup and read only ({@code ->nopage} / {@code ->fault}), not
   * across the PTE install that follows: where a 2003 distributed filesystem took its lock in a
   * fault. Nothing by default.
   */
  default Held enterFaultLookup(Inode inode, long index, boolean write) {
    return Held.NOTHING;
  }

  /**
   * Taken by a page killer around unmapping its range and truncating the cache ({@code
   * unmap_mapping_range} + {@code truncate_inode_pages_range}), inside what {@link #enter} took for
   * the killer; nothing by default.
   */
  default Held enterPageDrop(Inode inode) {
    return Held.NOTHING;
  }

  /** Taken while a page is created and filled in the cache (fault, buffered read). */
  default Held enterPageCreate(Inode inode, long index) {
    return Held.NOTHING;
  }

  /**
   * Taken by fault-around ({@code filemap_map_pages}) around mapping the cached pages {@code
   * [fromIndex, toIndex)} of {@code inode} before a read fault's own handling; null when it cannot
   * be had at once, and fault-around then maps nothing (it is an optimisation: Linux only try-locks
   * there). By default nothing: in Linux fault-around takes no filesystem lock and relies on the
   * page lock and the {@code page->mapping} and {@code i_size} checks under it.
   */
  default Held tryEnterMapPages(Inode inode, long fromIndex, long toIndex) {
    return Held.NOTHING;
  }

  /**
   * Taken by a write fault on a shared mapping around {@code page_mkwrite}, before the page lock
   * (XFS and ext4 take {@code invalidate_lock} shared there).
   */
  default Held enterPageMkwrite(Inode inode, long index) {
    return Held.NOTHING;
  }

  /**
   * Whether a direct write whose invalidation of the cache fails (a page dirty or under writeback)
   * falls back to a buffered write, as Linux does ({@code generic_file_direct_write} returning 0 in
   * 3.x, {@code -ENOTBLK} from {@code iomap_dio_rw} later).
   */
  default boolean fallsBackToBufferedWrite() {
    return false;
  }

  /** Whether hole punch writes the range back before truncating the cache (ext4, XFS). */
  default boolean writesBackBeforePunch() {
    return false;
  }

  /**
   * Locks still held (or counts not back to zero) when the machine is quiescent, described; empty
   * when there are none. The leak oracle calls it after every trial.
   */
  default String heldAtQuiescence() {
    return "";
  }

  /**
   * Sampled by a fault before it looks the page up; the fault installs its PTE only if {@link
   * #faultStillValid} holds for the sample under the page-table lock, and retries otherwise (2.6's
   * {@code mapping->truncate_count} in {@code do_no_page}). The default never invalidates.
   */
  default long faultSequence(Inode inode) {
    return 0;
  }

  /**
   * Checked under the page-table lock before a fault installs its PTE; see {@link #faultSequence}.
   */
  default boolean faultStillValid(Inode inode, long sequence) {
    return true;
  }

  /** Called by {@code unmap_mapping_range} before it zaps anything (it bumps the sequence). */
  default void unmapping(Inode inode) {}

  /**
   * Whether truncating the cache unmaps a page a fault mapped meanwhile ({@code
   * truncate_inode_page} since about 2.6.24; before, {@code truncate_count} was the defence). By
   * default, where pages are locked.
   */
  default boolean truncateCacheUnmaps() {
    return usesPageLock();
  }

  /** Whether operations lock pages ({@code lock_page}) and wait on writeback. */
  boolean usesPageLock();

  /**
   * Whether faults recheck {@code i_size} under the page lock and writeback skips pages wholly past
   * EOF (2012's defence against truncate).
   */
  boolean rechecksSizeUnderPageLock();

  /**
   * Whether truncate unmaps again after truncating the cache ({@code truncate_pagecache}; hole
   * punch uses {@code truncate_pagecache_range}, which unmaps once).
   */
  boolean unmapsTwice();

  /** Whether direct IO flushes dirty pages and invalidates the cache before the IO. */
  boolean flushesBeforeDirectIo();

  /** Whether a direct write invalidates the cache again after the IO. */
  boolean invalidatesAfterDirectWrite();

  /**
   * How direct IO pins a user buffer that may itself be a mapping of a file (docs/sim.md, "Direct
   * IO from a mapped buffer").
   */
  enum UserBufferPin {
    /**
     * {@code get_user_pages} faults the buffer in while the IO holds its locks (Linux without the
     * 2021 fixes; harmless where the IO's locks and the fault's locks never conflict).
     */
    FAULT_UNDER_LOCK,
    /**
     * Fault the buffer in with no lock held, pin it with page faults disabled under the IO's lock,
     * and retry whatever could not be pinned (gfs2 and btrfs, Linux 5.16: {@code
     * fault_in_iov_iter_readable}, {@code FOLL_NOFAULT}, {@code IOMAP_DIO_PARTIAL}).
     */
    PREFAULT_NOFAULT_RETRY,
    /**
     * Pin with faults allowed, but a fault on a file whose lock the IO holds fails, and a fault
     * that would wait on another file's lock in the wrong order drops the IO's lock first and makes
     * the IO retry (bcachefs: {@code current->faults_disabled_mapping}, {@code bch2_page_fault}).
     */
    FAULTS_DISABLED_MAPPING
  }

  /**
   * What a fault on a page that is not cached does with {@code mmap_lock} while the page is read
   * (docs/sim.md, case 21). Only in effect where a case turns the dropping fault path on ({@link
   * org.rangelock.sim.kernel.FaultHandler#dropLockForIo}).
   */
  enum FaultIoWait {
    /**
     * The read is done with {@code mmap_lock} held, so {@code munmap} (and the file reference its
     * vma holds) waits for the fault: Linux before 5.1 ({@code filemap_fault} read the page under
     * {@code mmap_sem}; from 2.6.30 {@code lock_page_or_retry} drops it only to wait for a locked
     * page, holding a page reference and touching nothing of the file — a wait the sim does not
     * model, as it cannot reach an evicted inode).
     */
    HOLDS_MMAP_LOCK,
    /**
     * Drops {@code mmap_lock} to read the page and returns for a retry, holding a reference on the
     * vma's file while it does ({@code maybe_unlock_mmap_for_io}, {@code fpin}, Linux 5.1+): the
     * inode cannot be evicted under the IO; if the fault's own {@code fput} is the last reference,
     * the eviction runs after the IO and drops the page it read.
     */
    DROPS_MMAP_LOCK_PINNING_FILE,
    /**
     * Drops {@code mmap_lock} to read the page with no reference on the file: the hazard {@code
     * fpin} closes (the vma, and with it the last reference, can go while the IO runs).
     */
    DROPS_MMAP_LOCK_UNPINNED
  }

  /** What this design's fault does with {@code mmap_lock} while it reads a missing page. */
  default FaultIoWait faultIoWait() {
    return FaultIoWait.DROPS_MMAP_LOCK_PINNING_FILE;
  }

  /** How this design's direct IO pins its user buffer. */
  default UserBufferPin userBufferPin() {
    return UserBufferPin.FAULT_UNDER_LOCK;
  }

  /**
   * Marks the calling thread as pinning the buffer of a direct IO on {@code inode} ({@code
   * FAULTS_DISABLED_MAPPING} designs); closing it clears the mark.
   */
  default Held disableFaultsOn(Inode inode) {
    return Held.NOTHING;
  }

  /**
   * Whether a fault since {@link #disableFaultsOn} dropped and retook the IO's lock, so the IO must
   * start its step again ({@code fdm_dropped_locks}).
   */
  default boolean faultDroppedLocks() {
    return false;
  }
}
