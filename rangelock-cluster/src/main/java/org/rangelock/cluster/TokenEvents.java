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

  /**
   * A request znode was created: the request now has its place in the queue.
   *
   * @param node the name of the node whose token this is (its {@link ClusterRangeLock#node()})
   * @param id the token's id: the ZooKeeper creation zxid of its request znode
   * @param range the range requested: the range asked for, widened to the token granule and to the
   *     node's overlapping tokens
   * @param mode the mode requested (the join of the mode asked for and those of the tokens it
   *     widens over)
   */
  default void queued(String node, long id, Range range, M mode) {}

  /**
   * The request was granted: no earlier conflicting request of another node is left.
   *
   * @param node the name of the node whose token this is (its {@link ClusterRangeLock#node()})
   * @param id the token's id: the ZooKeeper creation zxid of its request znode
   * @param range the token's range, as queued
   * @param mode the token's mode, as queued
   */
  default void granted(String node, long id, Range range, M mode) {}

  /**
   * The request was withdrawn before its grant (timeout, interrupt, try, cancel).
   *
   * @param node the name of the node whose token this is (its {@link ClusterRangeLock#node()})
   * @param id the token's id: the ZooKeeper creation zxid of its request znode
   */
  default void abandoned(String node, long id) {}

  /**
   * The token was downgraded by the revocation callback; called before ZooKeeper is told.
   *
   * @param node the name of the node whose token this is (its {@link ClusterRangeLock#node()})
   * @param id the token's id: the ZooKeeper creation zxid of its request znode
   * @param mode the weaker mode the token keeps
   */
  default void downgraded(String node, long id, M mode) {}

  /**
   * The token is given up; called before its znode is deleted. {@code reason} is {@code null} when
   * a newer token of the same node that covers it replaces it (no callback is needed then).
   *
   * @param node the name of the node whose token this is (its {@link ClusterRangeLock#node()})
   * @param id the token's id: the ZooKeeper creation zxid of its request znode
   * @param reason why the token goes ({@code REVOKED}, {@code IDLE} or {@code CLOSING}), or {@code
   *     null} when it is replaced
   */
  default void released(String node, long id, Revocation.Reason reason) {}

  /**
   * The node's session expired: the token is gone. Called on Curator's event thread.
   *
   * @param node the name of the node whose token this is (its {@link ClusterRangeLock#node()})
   * @param id the token's id: the ZooKeeper creation zxid of its request znode
   */
  default void lost(String node, long id) {}
}
