package org.rangelock.cluster;

import org.rangelock.Range;

/**
 * Observes the cluster tokens of one node: for logs, the demo's live output and the history a
 * checker verifies. Methods are called from the thread that caused the event (an acquiring thread,
 * a revocation worker, Curator's event thread for {@link #lost}); they must be quick and must not
 * call back into the lock. A token is named by its {@code id}, the ZooKeeper creation zxid of its
 * request znode, which is unique in the ensemble and orders requests as ZooKeeper ordered them.
 *
 * @param <M> the mode enum of the lock
 */
public interface TokenEvents<M extends Enum<M>> {

  /** A request znode was created: the request now has its place in the queue. */
  default void queued(String node, long id, Range range, M mode) {}

  /** The request was granted: no earlier conflicting request of another node is left. */
  default void granted(String node, long id, Range range, M mode) {}

  /** The request was withdrawn before its grant (timeout, interrupt, try, cancel). */
  default void abandoned(String node, long id) {}

  /** The token was downgraded by the revocation callback; called before ZooKeeper is told. */
  default void downgraded(String node, long id, M mode) {}

  /**
   * The token is given up; called before its znode is deleted. {@code reason} is {@code null} when
   * a newer token of the same node that covers it replaces it (no callback is needed then).
   */
  default void released(String node, long id, Revocation.Reason reason) {}

  /** The node's session expired: the token is gone. */
  default void lost(String node, long id) {}
}
