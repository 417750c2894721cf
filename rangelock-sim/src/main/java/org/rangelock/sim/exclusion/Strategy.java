package org.rangelock.sim.exclusion;

import java.util.function.Supplier;

/** The strategies the report compares, each a factory of a fresh {@link Exclusion}. */
public enum Strategy {
  NONE(NoExclusion::new),
  LEGACY(LegacyExclusion::new),
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
