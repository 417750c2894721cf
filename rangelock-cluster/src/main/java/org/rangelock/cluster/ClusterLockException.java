package org.rangelock.cluster;

/**
 * ZooKeeper refused or failed an operation of a {@link ClusterRangeLock} in a way a retry after
 * reconnection cannot fix (for example, no permission on the lock's path). The request that failed
 * left nothing behind: its znode, if created, was deleted.
 */
public final class ClusterLockException extends RuntimeException {
  /**
   * Creates the exception a {@link ClusterRangeLock} throws when ZooKeeper failed it for good.
   *
   * @param message what the lock was doing, naming the lock's path or the request's znode
   * @param cause the ZooKeeper or Curator failure behind it
   */
  public ClusterLockException(String message, Throwable cause) {
    super(message, cause);
  }
}
