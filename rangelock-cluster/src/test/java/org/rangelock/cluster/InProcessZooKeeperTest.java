package org.rangelock.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/** The in-process servers: every port distinct, and the servers serve. */
class InProcessZooKeeperTest {

  @Test
  void anEnsembleHasNinePairwiseDistinctPortsAndServes() throws Exception {
    try (TestingCluster c = InProcessZooKeeper.ensemble(3)) {
      Set<Integer> ports = new HashSet<>();
      for (InstanceSpec s : c.getInstances()) {
        ports.add(s.getPort());
        ports.add(s.getElectionPort());
        ports.add(s.getQuorumPort());
      }
      assertEquals(9, ports.size(), "ports: " + c.getInstances());
      assertServes(c.getConnectString());
    }
  }

  @Test
  void twoServersNeverShareAPort() throws Exception {
    try (TestingServer a = InProcessZooKeeper.server();
        TestingServer b = InProcessZooKeeper.server()) {
      assertNotEquals(a.getPort(), b.getPort());
      assertServes(a.getConnectString());
      assertServes(b.getConnectString());
    }
  }

  @Test
  void aBadSizeIsRefusedByName() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> InProcessZooKeeper.ensemble(0));
    assertTrue(e.getMessage().contains("was 0"), e.getMessage());
  }

  private static void assertServes(String connect) throws Exception {
    try (CuratorFramework c =
        CuratorFrameworkFactory.newClient(connect, new ExponentialBackoffRetry(50, 8))) {
      c.start();
      assertTrue(c.blockUntilConnected(30, TimeUnit.SECONDS), "no connection to " + connect);
      c.create().forPath("/served", new byte[] {7});
      assertEquals(7, c.getData().forPath("/served")[0]);
    }
  }
}
