package org.rangelock.sim.cluster;

import java.util.function.Supplier;
import org.rangelock.sim.exclusion.Exclusion;
import org.rangelock.sim.exclusion.InvalidateLockExclusion;
import org.rangelock.sim.exclusion.RangeLockExclusion;
import org.rangelock.sim.exclusion.TruncateCountExclusion;

/**
 * The rows of the cluster matrix: how the nodes of a shared-disk filesystem keep their page caches
 * coherent, from the 2003 linux-kernel thread on distributed filesystems to this project. Every row
 * gets its tokens from {@code rangelock-cluster} on a real ZooKeeper server, in DLM modes ({@code
 * PR} to cache clean pages, {@code PW} to dirty them, {@code CW} for direct writes, {@code EX} for
 * the page killers); the rows differ in how long an operation holds its token, what the revocation
 * callback does and what it excludes locally, and how much a token covers (docs/sim-cluster.md).
 *
 * <p>The file's size: each node caches its own copy, read under a metadata hold and changed under
 * an exclusive one, reloaded from the shared inode when a hold is granted after the copy was
 * dropped, written back there and dropped by the metadata token's revocation ({@link
 * DfsExclusion}). The page rows take a second, whole-file token for it; {@link #DFS_FILE_GLOCK}'s
 * one token covers it. Each row's Javadoc says what its history did with {@code i_size}.
 */
public enum DfsStrategy {
  /**
   * 2003, before any hook: the filesystem takes a token around its own operations and around the
   * page lookup of a fault ({@code ->nopage}); when a token goes it writes its dirty pages back (it
   * can: {@code filemap_fdatawrite}) but has no way to take a cached or mapped page away, so
   * nothing is ever invalidated: a node keeps caching and mapping pages another node has since
   * overwritten. Local kernel: Linux 2.6 without {@code truncate_count} checking.
   *
   * <p>Writeback in flight (case 108): writeback submits its device write under the token and the
   * IO completes later (a bio in flight holds no token, in 2003 as today); the callback's writeback
   * is {@code filemap_fdatawrite} then {@code filemap_fdatawait} (both in Linux 2.6.0), so it waits
   * for a page under writeback before the token goes.
   *
   * <p>Size: what the 2003 distributed filesystems did with {@code i_size} is not known to this
   * project (the thread is about pages). Linux 2.6.0's generic paths read it without asking the
   * filesystem ({@code filemap_nopage}'s check, {@code do_generic_file_read}), so such a filesystem
   * could keep it coherent only in its own entry points: the three 2003 rows assume it took a
   * metadata token where it took its data token, around its own operations and {@code ->nopage}
   * (which contains the fault's {@code i_size} check), and that a revocation wrote the size back
   * and dropped it, as it wrote pages back.
   */
  DFS_NO_CALLBACK(
      () -> new TruncateCountExclusion(false),
      Hold.LOOKUP_ONLY,
      Callback.WRITE_BACK_ONLY,
      Granule.PAGE),
  /**
   * The 2003 hooks (McKenney's {@code invalidate_mmap_range()} for distributed filesystems): the
   * callback writes the range back, zaps its PTEs and drops its pages, but nothing excludes it from
   * a local fault that looked the page up under the token and installs its PTE after the zap: the
   * stale mapping of the thread. Local kernel: Linux 2.6 without {@code truncate_count} checking.
   * Writeback in flight: as {@link #DFS_NO_CALLBACK} (and dropping the pages, {@code
   * truncate_inode_pages}, waits on each page's writeback too). Size: as {@link #DFS_NO_CALLBACK}
   * (not known; assumed revalidated at the filesystem's own entry points).
   */
  DFS_CALLBACK_UNLOCKED(
      () -> new TruncateCountExclusion(false), Hold.LOOKUP_ONLY, Callback.UNLOCKED, Granule.PAGE),
  /**
   * The answer of the thread (a sequence count held for writing across {@code
   * invalidate_mmap_range()}, what became {@code truncate_count}): the callback makes the node's
   * count odd, invalidates, makes it even; a fault samples it (waiting while odd) before it asks
   * for its token and compares under the PTE lock, retrying on a change. Writeback in flight: as
   * {@link #DFS_CALLBACK_UNLOCKED}. Size: as {@link #DFS_NO_CALLBACK} (not known; assumed
   * revalidated at the filesystem's own entry points).
   */
  DFS_SEQLOCK(
      () -> new TruncateCountExclusion(false), Hold.LOOKUP_ONLY, Callback.SEQUENCE, Granule.PAGE),
  /**
   * GFS2/OCFS2 (Linux 2.6.19 onwards): one lock per file (a glock on the DLM), held by every
   * operation for its whole length, faults included ({@code gfs2_fault}); a demotion writes back
   * and invalidates the whole file once the holders have drained. Local kernel: Linux 5.15+ ({@code
   * invalidate_lock}).
   *
   * <p>Writeback in flight: writeback holds no glock holder across its IO (the glock cached on the
   * node is its right to write back; GFS2's flusher takes no holder at all); a demotion writes back
   * and waits ({@code inode_go_sync}: {@code filemap_fdatawrite}, then {@code filemap_fdatawait})
   * before it invalidates ({@code inode_go_inval}); OCFS2's downconvert worker likewise waits, by
   * {@code truncate_inode_pages} or {@code filemap_fdatawait}.
   *
   * <p>Size: the same lock covers the inode. GFS2 writes the dinode back on demotion ({@code
   * inode_go_sync}: log flush, metadata and data writeback), marks it to be re-read ({@code
   * inode_go_inval}; {@code GIF_INVALID} in older kernels) and re-reads it, {@code i_size} from
   * {@code di_size}, when the glock is next granted ({@code gfs2_inode_refresh}). OCFS2 puts the
   * size in the lock value block when its meta lock is downconverted from {@code EX} ({@code
   * __ocfs2_stuff_meta_lvb}) and refreshes the inode from that block or from the inode block on
   * disk when the lock is granted ({@code ocfs2_inode_lock_update}). The row: the whole-file
   * token's callback writes the size back and drops it after the pages; a hold granted after that
   * reloads it; a direct write past EOF takes {@code PW}, not {@code CW} (GFS2 falls back to a
   * buffered write there, under an exclusive glock).
   */
  DFS_FILE_GLOCK(
      InvalidateLockExclusion::new, Hold.WHOLE_OPERATION, Callback.DRAINED, Granule.FILE),
  /**
   * This project: page-range tokens held for the whole operation and taken before the local range
   * lock; the callback runs once the node's holds on the range have drained, under the local {@code
   * INVALIDATE} of the mapping table, and writes back and invalidates only the token's pages.
   *
   * <p>Downgrade: a {@code PW} token revoked by another node is written back and offered to be kept
   * in {@code PR} (the DLM's demotion; GFS2 and OCFS2 demote {@code EX} to {@code PR} this way), so
   * its clean pages stay cached with read-only PTEs. The lock grants the kept mode when it is
   * enough for the waiting request (a reader's {@code PR}); otherwise it calls back again with mode
   * {@code PR}, and that call invalidates as above. {@code EX} tokens are given up whole.
   *
   * <p>Writeback in flight: writeback holds its page's token until the device write completes (the
   * hold is released by the IO's completion, with {@code end_page_writeback}), so the callback
   * cannot start while a write of its range is in flight; its writeback waits on the page's
   * writeback as well.
   *
   * <p>Size: a second token per file, over the whole of it, taken before the page tokens: {@code
   * PR} to read the size, {@code EX} to change it; a revoked {@code EX} is written back and offered
   * to be kept as {@code PR} (the copy stays valid for a reader), and a lost one is dropped without
   * a write-back (the fence would refuse it). Writers of pages inside the file share {@code PR} and
   * exchange no metadata callback.
   */
  DFS_RANGE_LOCK(
      RangeLockExclusion::new, Hold.WHOLE_OPERATION, Callback.RANGE_LOCKED, Granule.PAGE);

  /** How long an operation holds its token. */
  enum Hold {
    /** Around the filesystem's own operations and the page lookup of a fault, not its install. */
    LOOKUP_ONLY,
    /** For the whole operation, the PTE install of a fault included. */
    WHOLE_OPERATION
  }

  /** What a node does when it gives a token up. */
  enum Callback {
    /** Write the range back; invalidate nothing. */
    WRITE_BACK_ONLY,
    /** Write back, zap, drop: no exclusion against local faults. */
    UNLOCKED,
    /** As {@link #UNLOCKED}, inside the write side of the node's sequence count. */
    SEQUENCE,
    /** Write back and invalidate once the token's local holds drained. */
    DRAINED,
    /** As {@link #DRAINED}, and under the local range lock's {@code INVALIDATE}. */
    RANGE_LOCKED
  }

  /** What a token covers. */
  enum Granule {
    /** The pages the operation touches (to EOF for truncate). */
    PAGE,
    /** The whole file. */
    FILE
  }

  private final Supplier<Exclusion> local;
  final Hold hold;
  final Callback callback;
  final Granule granule;

  DfsStrategy(Supplier<Exclusion> local, Hold hold, Callback callback, Granule granule) {
    this.local = local;
    this.hold = hold;
    this.callback = callback;
    this.granule = granule;
  }

  /**
   * Whether the shared device refuses a write whose token fence is older than a conflicting hold
   * another node has used (case 107). Only {@link #DFS_RANGE_LOCK} does: every write carries its
   * hold's fence. The 2003 rows carry none (their filesystems had no per-write fence). {@link
   * #DFS_FILE_GLOCK} models the lock design of GFS2/OCFS2, whose protection against a node that
   * lost its cluster membership is not a per-write fence but node fencing (the cluster manager
   * powers the node off, STONITH, before recovery grants its locks); the sim does not model node
   * fencing, so that row's node goes on writing.
   */
  boolean fencesWrites() {
    return this == DFS_RANGE_LOCK;
  }

  /**
   * Whether writeback gives its token hold back once the device write is submitted, the IO
   * completing under no hold (every row but {@link #DFS_RANGE_LOCK}: Linux's writeback, in 2003 and
   * in GFS2/OCFS2), rather than when the IO completes. Then only the revocation callback's wait on
   * the page's writeback keeps the token from going while the IO is in flight (case 108).
   */
  boolean writebackHoldEndsAtSubmission() {
    return this != DFS_RANGE_LOCK;
  }

  /** A fresh local exclusion strategy for one node. */
  Exclusion localExclusion() {
    return local.get();
  }
}
