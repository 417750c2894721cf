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

  /**
   * Both observers: this one first, then {@code next}, for every event (as {@link
   * java.util.function.Consumer#andThen} composes consumers). For a history and a log side by side.
   *
   * @param next the observer told second
   * @return an observer that tells this one, then {@code next}
   * @throws NullPointerException if {@code next} is null
   */
  default TokenEvents<M> andThen(TokenEvents<M> next) {
    java.util.Objects.requireNonNull(next, "next");
    TokenEvents<M> first = this;
    return new TokenEvents<>() {
      @Override
      public void queued(String node, long id, Range range, M mode) {
        first.queued(node, id, range, mode);
        next.queued(node, id, range, mode);
      }

      @Override
      public void granted(String node, long id, Range range, M mode) {
        first.granted(node, id, range, mode);
        next.granted(node, id, range, mode);
      }

      @Override
      public void abandoned(String node, long id) {
        first.abandoned(node, id);
        next.abandoned(node, id);
      }

      @Override
      public void downgraded(String node, long id, M mode) {
        first.downgraded(node, id, mode);
        next.downgraded(node, id, mode);
      }

      @Override
      public void released(String node, long id, Revocation.Reason reason) {
        first.released(node, id, reason);
        next.released(node, id, reason);
      }

      @Override
      public void lost(String node, long id) {
        first.lost(node, id);
        next.lost(node, id);
      }
    };
  }
}
