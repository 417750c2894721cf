package org.rangelock.cluster;

import java.util.Objects;
import org.rangelock.Range;

/**
 * What a node's revocation callback is told: a cached token over {@link #range()} in {@link
 * #mode()} is about to be given up (or was lost), and why.
 *
 * @param <M> the mode enum of the lock
 * @param range the token's range
 * @param mode the token's mode
 * @param reason why the token goes
 * @param fence the fence base of the token (every hold granted under it had a larger or equal
 *     fence, and every later conflicting hold on another node has a larger one)
 */
public record Revocation<M extends Enum<M>>(Range range, M mode, Reason reason, long fence) {

  /** Why a token is given up. */
  public enum Reason {
    /**
     * Another node asked for a conflicting range. The callback runs while this node holds the
     * token's range locally in the table's strongest mode; it may return a weaker mode to keep.
     */
    REVOKED,
    /** The token was not used locally for the idle timeout. Runs under the local lock as well. */
    IDLE,
    /** The lock is being closed on this node. Runs under the local lock as well. */
    CLOSING,
    /**
     * The node's ZooKeeper session expired: the token is gone already and other nodes may hold the
     * range. The callback runs at once, <em>not</em> under the local lock (local holders may still
     * be running; their handles report {@code isHeld() == false}).
     */
    LOST
  }

  /**
   * Checks the components; the lock creates these, a test may too.
   *
   * @param range the token's range
   * @param mode the token's mode: after a kept downgrade that could not be granted, the kept mode
   * @param reason why the token goes
   * @param fence the token's fence base: its ZooKeeper creation zxid shifted left by 14 bits
   * @throws NullPointerException if {@code range}, {@code mode} or {@code reason} is null
   */
  public Revocation {
    Objects.requireNonNull(range, "range");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(reason, "reason");
  }
}
