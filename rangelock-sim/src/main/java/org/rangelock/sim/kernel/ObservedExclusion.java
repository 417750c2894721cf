package org.rangelock.sim.kernel;

import org.rangelock.sim.exclusion.Exclusion;
import org.rangelock.sim.exclusion.Op;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.Races;

/**
 * The strategy as the kernel sees it: every call goes to the strategy, and every release of
 * something it took is a {@link RacePoint#LOCK_RELEASE} when the race control asks for those (its
 * preemption mode), so that a scheduler can preempt right after any unlock.
 */
final class ObservedExclusion implements Exclusion {
  private final Exclusion strategy;
  private final Races races;

  ObservedExclusion(Exclusion strategy, Races races) {
    this.strategy = strategy;
    this.races = races;
  }

  private Held observed(Held h, String what) {
    if (h == Held.NOTHING || !races.preemptsAtLockRelease()) {
      return h;
    }
    return () -> {
      h.close();
      races.hit(RacePoint.LOCK_RELEASE, what);
    };
  }

  @Override
  public String name() {
    return strategy.name();
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    return observed(strategy.enter(op, inode, start, end), op + " " + inode + " released");
  }

  @Override
  public Held enterFaultMm(AddressSpace mm) {
    return observed(strategy.enterFaultMm(mm), "mmap_sem of " + mm + " released");
  }

  @Override
  public Held enterFault(Inode inode, long index, boolean write) {
    return observed(strategy.enterFault(inode, index, write), "FAULT " + inode + " released");
  }

  @Override
  public Held enterFaultLookup(Inode inode, long index, boolean write) {
    return observed(strategy.enterFaultLookup(inode, index, write), "fault lookup lock released");
  }

  @Override
  public Held enterPageDrop(Inode inode) {
    return observed(strategy.enterPageDrop(inode), "page drop lock of " + inode + " released");
  }

  @Override
  public Held enterPageCreate(Inode inode, long index) {
    return observed(strategy.enterPageCreate(inode, index), "page creation lock released");
  }

  @Override
  public Held tryEnterMapPages(Inode inode, long fromIndex, long toIndex) {
    Held h = strategy.tryEnterMapPages(inode, fromIndex, toIndex);
    return h == null ? null : observed(h, "fault-around lock released");
  }

  @Override
  public Held enterPageMkwrite(Inode inode, long index) {
    return observed(strategy.enterPageMkwrite(inode, index), "page_mkwrite lock released");
  }

  @Override
  public void writebackSubmitted(Inode inode, long index) {
    strategy.writebackSubmitted(inode, index);
  }

  @Override
  public boolean usesPageLock() {
    return strategy.usesPageLock();
  }

  @Override
  public boolean rechecksSizeUnderPageLock() {
    return strategy.rechecksSizeUnderPageLock();
  }

  @Override
  public boolean unmapsTwice() {
    return strategy.unmapsTwice();
  }

  @Override
  public boolean flushesBeforeDirectIo() {
    return strategy.flushesBeforeDirectIo();
  }

  @Override
  public boolean invalidatesAfterDirectWrite() {
    return strategy.invalidatesAfterDirectWrite();
  }

  @Override
  public UserBufferPin userBufferPin() {
    return strategy.userBufferPin();
  }

  @Override
  public FaultIoWait faultIoWait() {
    return strategy.faultIoWait();
  }

  @Override
  public Held disableFaultsOn(Inode inode) {
    return strategy.disableFaultsOn(inode);
  }

  @Override
  public boolean faultDroppedLocks() {
    return strategy.faultDroppedLocks();
  }

  @Override
  public boolean fallsBackToBufferedWrite() {
    return strategy.fallsBackToBufferedWrite();
  }

  @Override
  public boolean writesBackBeforePunch() {
    return strategy.writesBackBeforePunch();
  }

  @Override
  public boolean truncateCacheUnmaps() {
    return strategy.truncateCacheUnmaps();
  }

  @Override
  public long faultSequence(Inode inode) {
    return strategy.faultSequence(inode);
  }

  @Override
  public boolean faultStillValid(Inode inode, long sequence) {
    return strategy.faultStillValid(inode, sequence);
  }

  @Override
  public void unmapping(Inode inode) {
    strategy.unmapping(inode);
  }

  @Override
  public String heldAtQuiescence() {
    return strategy.heldAtQuiescence();
  }
}
