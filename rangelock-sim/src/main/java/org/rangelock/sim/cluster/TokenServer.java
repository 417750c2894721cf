package org.rangelock.sim.cluster;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
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
    }
    try {
      return new TokenServer(new TestingServer(true));
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
