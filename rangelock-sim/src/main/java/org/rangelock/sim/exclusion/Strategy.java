package org.rangelock.sim.exclusion;

import java.util.function.Supplier;

/**
 * The strategies the report compares, each a factory of a fresh {@link Exclusion}, in the order of
 * the history they model (docs/sim.md). The {@code cases} command and the tests take the list from
 * here.
 */
public enum Strategy {
  NONE(NoExclusion::new),
  TRUNCATE_COUNT(TruncateCountExclusion::new),
  SEQSCHEDLOCK(SeqSchedLockExclusion::new),
  LEGACY(LegacyExclusion::new),
  MMAP_SEM(MmapSemExclusion::new),
  MMAPLOCK(MmapLockExclusion::new),
  I_MMAP_RWSEM(IMmapRwsemExclusion::new),
  INVALIDATE_LOCK(InvalidateLockExclusion::new),
  TWO_STATE(TwoStateExclusion::new),
  RANGE_LOCK(RangeLockExclusion::new);

  private final Supplier<Exclusion> factory;

  Strategy(Supplier<Exclusion> factory) {
    this.factory = factory;
  }

  public Exclusion create() {
    return factory.get();
  }
}
