package org.rangelock.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.RetryPolicy;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;

/** The README's example of section "Across machines", compiled and run against a real server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadmeExampleTest {
  final List<Range> invalidated = new ArrayList<>();
  final FenceGate<MappingMode> gate = new FenceGate<>(ModeTable.mapping());
  final Storage storage = new Storage();

  final class Storage {
    void write(long off, byte[] data, long fence) {
      assertTrue(gate.admit(Range.ofLength(off, data.length), MappingMode.WRITE, fence));
    }
  }

  void writeBackAndInvalidate(Range r) {
    invalidated.add(r);
  }

  @Test
  void example() throws Exception {
    try (TestingServer server = InProcessZooKeeper.server()) {
      RetryPolicy retry = new ExponentialBackoffRetry(50, 5);
      long off = 8192;
      byte[] data = new byte[4096];
      // --- README example begins (connect string aside) ---
      CuratorFramework zk = CuratorFrameworkFactory.newClient(server.getConnectString(), retry);
      zk.start();
      ClusterRangeLock<MappingMode> lock =
          ClusterRangeLock.builder(zk, "/fs/inode/4711", ModeTable.mapping())
              .node("host-a")
              .onRevoke(
                  r -> {
                    writeBackAndInvalidate(r.range());
                    return null;
                  }) // or a weaker mode to keep
              .build();
      try (ClusterHandle<MappingMode> h =
          lock.acquire(Range.ofLength(off, 4096), MappingMode.WRITE)) {
        storage.write(
            off, data, h.fence()); // the storage refuses a fence older than one it has seen
      }
      // --- README example ends ---
      lock.close();
      assertEquals(List.of(Range.ofLength(off, 4096)), invalidated); // CLOSING ran the callback
      zk.close();
    }
  }
}
