package org.rangelock.cluster;

import org.rangelock.RangeHandle;

/**
 * A hold granted by a {@link ClusterRangeLock}: a {@link RangeHandle} of the node-local lock, held
 * under a cluster token, with a {@linkplain #fence() fence}.
 *
 * <p>{@link #isHeld()} turns {@code false} when the handle is closed <em>or</em> when the token it
 * was granted under was lost with the node's ZooKeeper session; from that moment another node may
 * hold a conflicting range, and only a fence check by the storage layer (see {@link FenceGate})
 * keeps this holder's late writes out. {@link #close()} must still be called exactly once.
 *
 * @param <M> the mode enum of the lock
 */
public interface ClusterHandle<M extends Enum<M>> extends RangeHandle<M> {

  /**
   * A number that grows along every pair of conflicting grants on overlapping ranges, on any nodes
   * of the cluster: if this hold conflicts with an earlier one, its fence is strictly larger. Hand
   * it to the storage layer with every write so that it can refuse writes from a holder that lost
   * its token (see {@link FenceGate}). Holds in a mode that conflicts with nothing have fence 0.
   *
   * @return this hold's fence: the token's ZooKeeper creation zxid shifted left by 14 bits, plus
   *     the hold's 1-based count among the holds granted under that token; 0 for a mode compatible
   *     with every mode. It stays the same for the life of the handle, downgrades included
   */
  long fence();
}
