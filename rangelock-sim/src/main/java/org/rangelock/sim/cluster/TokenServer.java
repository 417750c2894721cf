package org.rangelock.sim.cluster;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.rangelock.cluster.InProcessZooKeeper;
import org.rangelock.cluster.ZooKeeperOperationCount;

/**
 * The ZooKeeper server the cluster family's tokens live on: one real server in this JVM ({@code
 * curator-test}'s {@code TestingServer}), started once per run or test class and shared by every
 * trial (each trial's locks get fresh paths), and one Curator client per node name, kept across
 * trials, each with a counter of its ZooKeeper operations.
 *
 * <p>The server syncs its log unless the JVM runs with {@code -Dzookeeper.forceSync=no} (the tests
 * and the {@code cases} command set it: a production ensemble syncs). Thread-safe.
 */
public final class TokenServer implements AutoCloseable {
  private final TestingServer server;
  private final Map<String, CuratorFramework> clients = new ConcurrentHashMap<>();
  private final Map<String, ZooKeeperOperationCount> counts = new ConcurrentHashMap<>();
  private final AtomicLong paths = new AtomicLong();
  private final String root = "/rangelock-sim-" + ProcessHandle.current().pid();

  private TokenServer(TestingServer server) {
    this.server = server;
  }

  /** Starts a server on a free port. */
  public static TokenServer start() {
    // ZooKeeper's and Curator's logging: warnings only, and nothing from the server's shutdown,
    // unless the JVM was told otherwise.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper.server", "off");
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper.ClientCnxn", "error");
      // Case 107 expires sessions on purpose: Curator's warning on each is noise there.
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.curator.ConnectionState", "error");
    }
    try {
      return new TokenServer(InProcessZooKeeper.server());
    } catch (Exception e) {
      throw new IllegalStateException("could not start an in-process ZooKeeper server: " + e, e);
    }
  }

  /** The client of node {@code name}, connected (created on first use). */
  CuratorFramework client(String name) {
    return clients.computeIfAbsent(
        name,
        n -> {
          CuratorFramework c =
              CuratorFrameworkFactory.builder()
                  .connectString(server.getConnectString())
                  .sessionTimeoutMs(30_000)
                  .connectionTimeoutMs(10_000)
                  .retryPolicy(new ExponentialBackoffRetry(20, 8, 1000))
                  .build();
          c.start();
          counts.put(n, ZooKeeperOperationCount.install(c));
          try {
            if (!c.blockUntilConnected(30, TimeUnit.SECONDS)) {
              throw new IllegalStateException("node " + n + ": no connection to ZooKeeper");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting node " + n, e);
          }
          return c;
        });
  }

  /** ZooKeeper operations node {@code name}'s client has made so far. */
  long operations(String name) {
    ZooKeeperOperationCount c = counts.get(name);
    return c == null ? 0 : c.operations();
  }

  /**
   * Expires node {@code name}'s ZooKeeper session, the classic way: a second handle on the same
   * session id and password connects and closes, which closes the session on the server (its
   * ephemeral nodes, the node's tokens, go at once); then the node's client is told its session
   * expired (ZooKeeper's {@code Testable}), as its next contact with the server would tell it, and
   * Curator reports the session lost and connects again with a new session.
   */
  void expire(String name) {
    CuratorFramework c = client(name);
    try {
      ZooKeeper zk = c.getZookeeperClient().getZooKeeper();
      CountDownLatch up = new CountDownLatch(1);
      ZooKeeper twin =
          new ZooKeeper(
              server.getConnectString(),
              10_000,
              e -> {
                if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                  up.countDown();
                }
              },
              zk.getSessionId(),
              zk.getSessionPasswd());
      try {
        if (!up.await(20, TimeUnit.SECONDS)) {
          throw new IllegalStateException("node " + name + ": the twin session did not connect");
        }
      } finally {
        twin.close();
      }
      // The node's client would learn it at its next contact with the server (at worst a ping, a
      // third of the session timeout later, then a reconnection ZooKeeper delays by up to 1 s):
      // tell it now, as that contact would, so that a trial does not wait for it. Curator then
      // reports the session lost and opens a new one.
      zk.getTestable().injectSessionExpiration();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while expiring node " + name, e);
    } catch (Exception e) {
      throw new IllegalStateException("could not expire node " + name + "'s session: " + e, e);
    }
  }

  /** A path no trial has used. */
  String freshPath() {
    return root + "/t" + paths.incrementAndGet();
  }

  @Override
  public void close() throws IOException {
    for (CuratorFramework c : clients.values()) {
      c.close();
    }
    clients.clear();
    server.close();
  }
}
