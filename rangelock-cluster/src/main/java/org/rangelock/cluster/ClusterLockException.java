package org.rangelock.cluster;

/**
 * ZooKeeper refused or failed an operation of a {@link ClusterRangeLock} in a way a retry after
 * reconnection cannot fix (for example, no permission on the lock's path). The request that failed
 * left nothing behind: its znode, if created, was deleted.
 */
public final class ClusterLockException extends RuntimeException {
  public ClusterLockException(String message, Throwable cause) {
    super(message, cause);
  }
}
