package org.rangelock.sim.exclusion;

import org.rangelock.sim.kernel.Inode;

/**
 * What the two Linux 2.6 designs, {@link TruncateCountExclusion} and {@link SeqSchedLockExclusion},
 * share: {@code i_mutex} taken exclusive by writes, direct writes, fallocate and the page killers
 * (reads, direct reads and faults take nothing), truncate unmapping once, a cache truncation that
 * does not unmap, no {@code i_size} recheck under the page lock, no fallback from a direct to a
 * buffered write and no writeback before a punch. They differ only in how a fault learns that a
 * killer ran meanwhile, which each states itself.
 */
abstract class IMutexExclusion extends LegacyExclusion {
  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    boolean iMutex =
        op == Op.WRITE || op == Op.DIRECT_WRITE || op == Op.FALLOCATE || op.isPageKiller();
    return rwsem.take(inode, iMutex ? InodeRwsem.Mode.EXCLUSIVE : InodeRwsem.Mode.NOT_TAKEN);
  }

  @Override
  public final boolean truncateCacheUnmaps() {
    return false; // truncate_complete_page of 2.6.16 removes the page without unmapping it
  }

  @Override
  public final boolean rechecksSizeUnderPageLock() {
    return false;
  }

  @Override
  public final boolean unmapsTwice() {
    return false;
  }

  @Override
  public final boolean fallsBackToBufferedWrite() {
    return false;
  }

  @Override
  public final boolean writesBackBeforePunch() {
    return false;
  }
}
