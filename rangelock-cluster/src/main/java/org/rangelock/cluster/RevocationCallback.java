package org.rangelock.cluster;

/**
 * Called by a node when it gives up (or lost) a cached token: the place where a filesystem writes
 * back and invalidates its cached pages of the range, as a DLM's blocking AST or a glock demote
 * does.
 *
 * @param <M> the mode enum of the lock
 */
@FunctionalInterface
public interface RevocationCallback<M extends Enum<M>> {

  /**
   * Handles a revocation. For {@link Revocation.Reason#REVOKED}, returning a mode strictly
   * {@linkplain org.rangelock.ModeTable#isWeaker weaker} than the token's keeps the token in that
   * mode (a downgrade, as from exclusive to protected read) if that is enough for the waiting
   * request; returning {@code null} (or anything else) gives the token up. The return value is
   * ignored for the other reasons. An exception thrown here is logged and the token is given up.
   *
   * <p>A kept mode is not always granted: if a request flagged the token meanwhile for a mode the
   * kept one conflicts with, or a newer token of this node replaced part of it, the token is given
   * up after all. The callback is then called a second time, still under the local lock, with
   * {@link Revocation#mode()} equal to the mode it kept (its return value ignored), so that nothing
   * it kept cached outlives the token.
   *
   * @param revocation the token's range, its current mode, why it goes and its fence base
   * @return the weaker mode to keep, or {@code null}
   */
  M revoke(Revocation<M> revocation);

  /**
   * A callback that keeps nothing and does nothing: for users that cache nothing. It is the
   * builder's default.
   *
   * @param <M> the mode enum of the lock
   * @return a callback that returns {@code null} for every revocation
   */
  static <M extends Enum<M>> RevocationCallback<M> none() {
    return r -> null;
  }
}
