package org.rangelock.cluster;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/** A real three-server ZooKeeper ensemble in this JVM, and clients of it. */
final class Ensemble implements AutoCloseable {
  final TestingCluster cluster;

  Ensemble() throws Exception {
    cluster = InProcessZooKeeper.ensemble(3);
  }

  String connect() {
    return cluster.getConnectString();
  }

  CuratorFramework client(int sessionMs) throws InterruptedException {
    CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(connect())
            .sessionTimeoutMs(sessionMs)
            .connectionTimeoutMs(5000)
            .retryPolicy(new ExponentialBackoffRetry(50, 8, 1000))
            .build();
    c.start();
    if (!c.blockUntilConnected(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("no connection to " + connect());
    }
    return c;
  }

  /**
   * Expires {@code c}'s session on the servers, the classic way: a second handle on the same
   * session closes it. The client learns it at its next exchange.
   */
  void expire(CuratorFramework c) throws Exception {
    ZooKeeper zk = c.getZookeeperClient().getZooKeeper();
    CountDownLatch up = new CountDownLatch(1);
    ZooKeeper twin =
        new ZooKeeper(
            connect(),
            10_000,
            e -> {
              if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                up.countDown();
              }
            },
            zk.getSessionId(),
            zk.getSessionPasswd());
    if (!up.await(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException("twin session did not connect");
    }
    twin.close();
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
