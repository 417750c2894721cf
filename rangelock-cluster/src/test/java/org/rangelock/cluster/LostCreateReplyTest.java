package org.rangelock.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.TestingServer;
import org.apache.curator.utils.ZookeeperFactory;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;

/**
 * The reply to a token request's create is lost after the server made the znode: Curator's
 * protection mode retries, finds the znode by its protection prefix and returns its name, but
 * leaves the {@code storingStatIn} stat empty (czxid 0) because no create reply carried one. The
 * token must still carry the znode's real czxid, or its fences are 1, 2, ... (czxid 0) and its
 * queue position is "zxid 0".
 *
 * <p>The lost reply is deterministic here: the client's ZooKeeper handle (made by a {@code
 * ZookeeperFactory}) sends one create to the server, which makes the znode, and then throws
 * ConnectionLoss as if the connection had dropped before the reply. This is what a server killed
 * mid-run did in a CI run of {@code ClusterHistoryTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LostCreateReplyTest {
  static final List<String> INJECTED = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** A client whose ZooKeeper handle loses the reply of one create while {@code armed}. */
  static CuratorFramework losingOneCreateReply(String connect, AtomicBoolean armed)
      throws InterruptedException {
    CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(connect)
            .sessionTimeoutMs(8000)
            .connectionTimeoutMs(5000)
            .retryPolicy(new RetryNTimes(3, 10))
            .zookeeperFactory(
                new ZookeeperFactory() {
                  @Override
                  public ZooKeeper newZooKeeper(
                      String connectString, int sessionTimeout, Watcher watcher, boolean readOnly)
                      throws Exception {
                    return new ZooKeeper(connectString, sessionTimeout, watcher, readOnly) {
                      @Override
                      public String create(
                          String path,
                          byte[] data,
                          List<ACL> acl,
                          CreateMode mode,
                          Stat stat,
                          long ttl)
                          throws KeeperException, InterruptedException {
                        if (mode.isSequential() && armed.get()) {
                          // The server makes the znode; its reply (name and stat) never arrives.
                          // A NoNode (parent not yet made) leaves the switch armed.
                          INJECTED.add(super.create(path, data, acl, mode, new Stat(), ttl));
                          armed.set(false);
                          throw new KeeperException.ConnectionLossException();
                        }
                        return super.create(path, data, acl, mode, stat, ttl);
                      }
                    };
                  }

                  @Override
                  public ZooKeeper newZooKeeper(
                      String connectString,
                      int sessionTimeout,
                      Watcher watcher,
                      boolean readOnly,
                      ZKClientConfig config)
                      throws Exception {
                    return newZooKeeper(connectString, sessionTimeout, watcher, readOnly);
                  }
                })
            .build();
    c.start();
    if (!c.blockUntilConnected(30, TimeUnit.SECONDS)) {
      c.close();
      throw new IllegalStateException("no connection to " + connect);
    }
    return c;
  }

  @Test
  void aTokenWhoseCreateReplyWasLostCarriesItsZnodesCzxid() throws Exception {
    try (TestingServer server = InProcessZooKeeper.server();
        CuratorFramework real =
            CuratorFrameworkFactory.newClient(
                server.getConnectString(), 8000, 5000, new RetryNTimes(3, 10))) {
      real.start();
      assertTrue(real.blockUntilConnected(30, TimeUnit.SECONDS));
      // Push the zxid counter well past the few first transactions, so a fence of 1 or 2 could
      // not pass for a real one by chance.
      for (int i = 0; i < 5; i++) {
        real.create().creatingParentsIfNeeded().forPath("/warm/n" + i);
      }
      AtomicBoolean armed = new AtomicBoolean(true);
      String path = "/locks/lost-reply";
      ModeTable<MappingMode> table = ModeTable.mapping();
      LockHistory<MappingMode> history = new LockHistory<>();
      try (CuratorFramework lossy = losingOneCreateReply(server.getConnectString(), armed);
          ClusterRangeLock<MappingMode> a =
              ClusterRangeLock.builder(lossy, path, table).node("a").events(history).build();
          CuratorFramework realB =
              CuratorFrameworkFactory.newClient(
                  server.getConnectString(), 8000, 5000, new RetryNTimes(3, 10))) {
        realB.start();

        assertTrue(realB.blockUntilConnected(30, TimeUnit.SECONDS));
        Range r = Range.ofLength(0, 4096);
        ClusterHandle<MappingMode> h = a.acquire(r, MappingMode.WRITE);
        assertTrue(!armed.get(), "the lost reply was not injected: the test proves nothing");
        List<String> requests = real.getChildren().forPath(path);
        assertEquals(1, requests.size(), "requests: " + requests);
        Stat s = real.checkExists().forPath(path + "/" + requests.get(0));
        assertTrue(s.getCzxid() > 5, "czxid " + s.getCzxid());
        assertEquals(
            s.getCzxid(),
            h.fence() >>> 14,
            "fence " + h.fence() + " is not built on the request's czxid " + s.getCzxid());
        long first = history.granted("a", r, MappingMode.WRITE, h.fence());
        h.close();
        history.released(first, true);

        // A conflicting request of another node must then be granted with a larger fence.
        try (ClusterRangeLock<MappingMode> b =
            ClusterRangeLock.builder(realB, path, table).node("b").events(history).build()) {
          ClusterHandle<MappingMode> g = b.acquire(r, MappingMode.WRITE);
          assertTrue(g.fence() > h.fence(), "fences " + h.fence() + " then " + g.fence());
          long second = history.granted("b", r, MappingMode.WRITE, g.fence());
          g.close();
          history.released(second, true);
        }
        assertEquals(List.of(), history.check(table));
      }
    }
  }
}
