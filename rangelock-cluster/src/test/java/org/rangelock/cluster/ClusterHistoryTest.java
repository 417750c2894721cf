package org.rangelock.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.test.InstanceSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;

/**
 * Randomized runs on a real three-server ensemble: 3 nodes x 3 threads, random ranges of a 16-page
 * file in random modes, every grant and release recorded; the {@link LockHistory} checker must find
 * nothing (exclusion, fences, FIFO, bookkeeping), no revocation callback may run without its local
 * drain, and the fence gate must never refuse a holder that still holds. Also with a server killed
 * and restarted mid-run, and with one node's session expired mid-run.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ClusterHistoryTest {
  static Ensemble ensemble;
  static final Duration RUN = Duration.ofSeconds(6);

  @BeforeAll
  static void start() throws Exception {
    ensemble = new Ensemble();
  }

  @AfterAll
  static void stop() throws Exception {
    ensemble.close();
  }

  private static <M extends Enum<M>> ContentionRun<M> run(String path, ModeTable<M> table)
      throws InterruptedException {
    return new ContentionRun<>(
        ensemble.connect(), path, table, 3, 3, 16, Duration.ofSeconds(10), null);
  }

  private static void report(String what, ContentionRun<?> r, List<String> v) {
    System.out.printf(
        "%s: %d holds, %d tokens granted, %d revocations, %d downgrades, %d ZooKeeper operations,"
            + " %d timed out,"
            + " %d tokens lost, %d lost holds, %d late writes refused, %d violations%n",
        what,
        r.history().holdCount(),
        r.history().tokenGrants(),
        r.history().revocations(),
        r.history().downgrades(),
        r.zooKeeperOperations(),
        r.timeouts(),
        r.history().lostTokens(),
        r.history().lostHolds(),
        r.refusedLateWrites(),
        v.size());
    v.stream().limit(10).forEach(System.out::println);
  }

  private static void assertContended(ContentionRun<?> r) {
    assertTrue(r.history().holdCount() > 100, "too few holds to mean anything");
    assertTrue(r.history().revocations() > 10, "no contention: nothing was revoked");
  }

  @Test
  void mappingTable() throws Exception {
    try (ContentionRun<?> r = run("/history/mapping", ModeTable.mapping())) {
      r.run(RUN, 1);
      List<String> v = r.violations();
      report("mapping", r, v);
      assertEquals(List.of(), v);
      assertContended(r);
      assertEquals(0, r.history().lostHolds());
    }
  }

  @Test
  void dlmTable() throws Exception {
    try (ContentionRun<?> r = run("/history/dlm", ModeTable.dlm())) {
      r.run(RUN, 2);
      List<String> v = r.violations();
      report("dlm", r, v);
      assertEquals(List.of(), v);
      assertContended(r);
      assertEquals(0, r.history().lostHolds());
    }
  }

  @Test
  void aServerKilledAndRestartedMidRunChangesNothingVisible() throws Exception {
    try (ContentionRun<?> r = run("/history/killed", ModeTable.mapping())) {
      // Kill the server node0 is talking to, so that at least one session has to move.
      InstanceSpec victim =
          ensemble.cluster.findConnectionInstance(
              r.clients().get(0).getZookeeperClient().getZooKeeper());
      Thread faults =
          new Thread(
              () -> {
                try {
                  Thread.sleep(1500);
                  ensemble.cluster.killServer(victim);
                  Thread.sleep(2500);
                  ensemble.cluster.restartServer(victim);
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      faults.start();
      r.run(RUN, 3);
      faults.join();
      List<String> v = r.violations();
      report("server " + victim.getServerId() + " killed and restarted", r, v);
      assertEquals(List.of(), v);
      assertContended(r);
      assertEquals(0, r.history().lostHolds(), "a quorum remained: no token may be lost");
    }
  }

  @Test
  void oneNodesSessionExpiredMidRun() throws Exception {
    try (ContentionRun<MappingMode> r = run("/history/expired", ModeTable.mapping())) {
      AtomicBoolean lateWriteRefused = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread faults =
          new Thread(
              () -> {
                try {
                  Thread.sleep(1500);
                  // node0 holds page 0 (inside the contended file) across its session's expiry.
                  Range page = Range.of(0, 4096);
                  ClusterRangeLock<MappingMode> n0 = r.locks().get(0);
                  ClusterHandle<MappingMode> h = n0.acquire(page, MappingMode.INVALIDATE);
                  long id = r.history().granted("node0", page, MappingMode.INVALIDATE, h.fence());
                  assertTrue(r.gate().admit(page, MappingMode.INVALIDATE, h.fence()));
                  ensemble.expire(r.clients().get(0));
                  // node1 gets the page once node0's session is gone, and writes.
                  ClusterHandle<MappingMode> h1 =
                      r.locks()
                          .get(1)
                          .tryAcquire(page, MappingMode.INVALIDATE, Duration.ofSeconds(30));
                  assertTrue(h1 != null, "node1 proceeds after node0's session expired");
                  long id1 = r.history().granted("node1", page, MappingMode.INVALIDATE, h1.fence());
                  assertTrue(r.gate().admit(page, MappingMode.INVALIDATE, h1.fence()));
                  r.history().released(id1, h1.isHeld());
                  h1.close();
                  // node0, unaware or not, tries its late write: the fence refuses it.
                  lateWriteRefused.set(!r.gate().admit(page, MappingMode.INVALIDATE, h.fence()));
                  long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                  while (h.isHeld() && System.nanoTime() < end) {
                    Thread.sleep(10);
                  }
                  assertTrue(!h.isHeld(), "node0's handle reports the loss");
                  r.history().released(id, h.isHeld());
                  h.close();
                } catch (Throwable e) {
                  failure.set(e);
                }
              });
      faults.start();
      r.run(RUN, 4);
      faults.join();
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
      List<String> v = r.violations();
      report("node0's session expired", r, v);
      assertEquals(List.of(), v);
      assertContended(r);
      assertTrue(lateWriteRefused.get(), "node0's late write must be refused by the fence");
      assertTrue(r.history().lostTokens() > 0, "node0 lost its tokens");
      assertTrue(r.history().lostHolds() > 0, "node0's open hold was lost");
      // node0 works again on its new session.
      ClusterHandle<MappingMode> again =
          r.locks()
              .get(0)
              .tryAcquire(Range.of(0, 4096), MappingMode.INVALIDATE, Duration.ofSeconds(30));
      assertTrue(again != null && again.isHeld(), "node0 acquires again after its session expired");
      again.close();
    }
  }
}
