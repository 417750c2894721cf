package org.rangelock.sim.exclusion;

import org.rangelock.sim.kernel.Inode;

/**
 * {@code NONE}: no lock, no page lock, no rechecks, no flush around direct IO. Only the atomicity
 * of single structures (page-cache insert, PTE update, block-map update) remains: the baseline that
 * shows every race is real.
 */
public final class NoExclusion implements Exclusion {
  @Override
  public String name() {
    return "NONE";
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    return Held.NOTHING;
  }

  /**
   * A fault drops {@code mmap_lock} to read a missing page and takes no file reference: the hazard
   * Linux 5.1's {@code fpin} closes, left open here as every other one is.
   */
  @Override
  public FaultIoWait faultIoWait() {
    return FaultIoWait.DROPS_MMAP_LOCK_UNPINNED;
  }

  @Override
  public boolean usesPageLock() {
    return false;
  }

  @Override
  public boolean rechecksSizeUnderPageLock() {
    return false;
  }

  @Override
  public boolean unmapsTwice() {
    return false;
  }

  @Override
  public boolean flushesBeforeDirectIo() {
    return false;
  }

  @Override
  public boolean invalidatesAfterDirectWrite() {
    return false;
  }
}
