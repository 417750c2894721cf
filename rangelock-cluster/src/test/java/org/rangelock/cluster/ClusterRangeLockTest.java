package org.rangelock.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.rangelock.DlmMode;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.ReadWriteMode;

/** The behaviour of one lock on a real three-server ensemble, one property per test. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterRangeLockTest {
  static Ensemble ensemble;
  static final AtomicInteger paths = new AtomicInteger();
  final List<AutoCloseable> cleanup = new ArrayList<>();
  final String path = "/locks/file" + paths.incrementAndGet();
  static final ModeTable<MappingMode> MAPPING = ModeTable.mapping();

  @BeforeAll
  static void start() throws Exception {
    ensemble = new Ensemble();
  }

  @AfterAll
  static void stop() throws Exception {
    ensemble.close();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  CuratorFramework client() throws InterruptedException {
    CuratorFramework c = ensemble.client(8000);
    cleanup.add(c);
    return c;
  }

  <M extends Enum<M>> ClusterRangeLock<M> node(
      CuratorFramework c, ModeTable<M> table, String name, RevocationCallback<M> cb) {
    ClusterRangeLock<M> l =
        ClusterRangeLock.builder(c, path, table).node(name).onRevoke(cb).build();
    cleanup.add(l);
    return l;
  }

  static Range pages(long first, long n) {
    return Range.ofLength(first * 4096, n * 4096);
  }

  @Test
  void badInputNamesTheValueAndLeavesNothingInZooKeeper() throws Exception {
    CuratorFramework c = client();
    var e1 =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClusterRangeLock.builder(c, "no-slash", MAPPING).node("a").build());
    assertTrue(e1.getMessage().contains("no-slash"), e1.getMessage());
    var e2 =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClusterRangeLock.builder(c, "/", MAPPING).node("a").build());
    assertTrue(e2.getMessage().contains("\"/\""), e2.getMessage());
    var e3 =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClusterRangeLock.builder(c, path, MAPPING).node("has space"));
    assertTrue(e3.getMessage().contains("has space"), e3.getMessage());
    var e4 =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClusterRangeLock.builder(c, path, ModeTable.twoState()).node("a").build());
    assertTrue(e4.getMessage().contains("TwoStateMode"), e4.getMessage());
    assertThrows(NullPointerException.class, () -> ClusterRangeLock.builder(null, path, MAPPING));
    assertThrows(
        IllegalStateException.class, () -> ClusterRangeLock.builder(c, path, MAPPING).build());

    CuratorFramework unstarted =
        CuratorFrameworkFactory.newClient(ensemble.connect(), new RetryOneTime(10));
    var e5 =
        assertThrows(
            IllegalStateException.class,
            () -> ClusterRangeLock.builder(unstarted, path, MAPPING).node("a").build());
    assertTrue(e5.getMessage().contains("LATENT"), e5.getMessage());
    CuratorFramework closed = ensemble.client(8000);
    closed.close();
    var e6 =
        assertThrows(
            IllegalStateException.class,
            () -> ClusterRangeLock.builder(closed, path, MAPPING).node("a").build());
    assertTrue(e6.getMessage().contains("STOPPED"), e6.getMessage());

    ClusterRangeLock<MappingMode> l = node(c, MAPPING, "a", RevocationCallback.none());
    assertThrows(NullPointerException.class, () -> l.acquire(null, MappingMode.READ));
    assertThrows(NullPointerException.class, () -> l.acquire(pages(0, 1), null));
    @SuppressWarnings({"rawtypes", "unchecked"})
    ClusterRangeLock<ReadWriteMode> raw = (ClusterRangeLock) l;
    var e7 =
        assertThrows(
            IllegalArgumentException.class, () -> raw.acquire(pages(0, 1), ReadWriteMode.SHARED));
    assertTrue(e7.getMessage().contains("SHARED"), e7.getMessage());
    var e8 =
        assertThrows(
            IllegalArgumentException.class,
            () -> l.tryAcquire(pages(0, 1), MappingMode.READ, Duration.ofMillis(-1)));
    assertTrue(e8.getMessage().contains("-0.001"), e8.getMessage());
    // Nothing was written for any of it.
    assertNull(c.checkExists().forPath(path));
    l.close();
    assertThrows(IllegalStateException.class, () -> l.acquire(pages(0, 1), MappingMode.READ));
    assertNull(c.checkExists().forPath(path));
  }

  @Test
  void conflictRevokesTheCachedTokenUnderTheLocalLockAndFencesGrow() throws Exception {
    List<Revocation<MappingMode>> seen = new CopyOnWriteArrayList<>();
    AtomicReference<ClusterRangeLock<MappingMode>> aRef = new AtomicReference<>();
    List<String> problems = new CopyOnWriteArrayList<>();
    ClusterRangeLock<MappingMode> a =
        node(
            client(),
            MAPPING,
            "a",
            r -> {
              seen.add(r);
              // Held locally in the strongest mode: even FAULT cannot be had on the range now.
              RangeHandle<MappingMode> h =
                  aRef.get().localLock().tryAcquire(r.range(), MappingMode.FAULT);
              if (h != null) {
                h.close();
                problems.add("callback ran without the local lock");
              }
              return null;
            });
    aRef.set(a);
    ClusterRangeLock<MappingMode> b = node(client(), MAPPING, "b", RevocationCallback.none());

    long fa;
    try (ClusterHandle<MappingMode> h = a.acquire(pages(0, 4), MappingMode.WRITE)) {
      fa = h.fence();
      assertTrue(h.isHeld());
    }
    assertEquals(1, a.cachedTokens()); // cached after the last local hold closed
    // A local reader waits on a's side while b's conflicting request is served after it drains.
    ClusterHandle<MappingMode> local = a.acquire(pages(1, 1), MappingMode.READ);
    CompletableFuture<ClusterHandle<MappingMode>> bf =
        b.acquireAsync(pages(2, 1), MappingMode.INVALIDATE);
    Thread.sleep(300);
    assertFalse(bf.isDone(), "b must wait while a's local hold on the token's range is open");
    local.close();
    ClusterHandle<MappingMode> hb = bf.get(30, TimeUnit.SECONDS);
    assertTrue(hb.fence() > fa, hb.fence() + " > " + fa);
    assertEquals(1, seen.size());
    assertEquals(Revocation.Reason.REVOKED, seen.get(0).reason());
    assertEquals(pages(0, 4), seen.get(0).range());
    assertEquals(List.of(), problems);
    assertEquals(0, a.cachedTokens());
    // And back: a's next conflicting hold gets a larger fence again.
    CompletableFuture<ClusterHandle<MappingMode>> af =
        a.acquireAsync(pages(2, 1), MappingMode.WRITE);
    hb.close();
    try (ClusterHandle<MappingMode> h = af.get(30, TimeUnit.SECONDS)) {
      assertTrue(h.fence() > hb.fence());
    }
  }

  /**
   * GFS2's minimum hold: another node's conflicting request is served only once the token has been
   * held that long, and until then the holder's local holds go on being granted under it. The bound
   * checked is a lower one (it cannot be hurried by a loaded machine); the local hold during the
   * minimum hold is checked only if this thread got there well within it.
   */
  @Test
  void aMinimumHoldDelaysTheOtherNodeAndKeepsServingLocalHolds() throws Exception {
    Duration minHold = Duration.ofMillis(2500);
    CuratorFramework c = client();
    assertThrows(
        NullPointerException.class, () -> ClusterRangeLock.builder(c, path, MAPPING).minHold(null));
    var bad =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClusterRangeLock.builder(c, path, MAPPING).minHold(Duration.ofMillis(-5)));
    assertTrue(bad.getMessage().contains("PT-0.005S"), bad.getMessage());
    List<Revocation<MappingMode>> seen = new CopyOnWriteArrayList<>();
    ClusterRangeLock<MappingMode> a =
        ClusterRangeLock.builder(c, path, MAPPING)
            .node("a")
            .minHold(minHold)
            .onRevoke(
                r -> {
                  seen.add(r);
                  return null;
                })
            .build();
    cleanup.add(a);
    ClusterRangeLock<MappingMode> b = node(client(), MAPPING, "b", RevocationCallback.none());

    long before = System.nanoTime();
    a.acquire(pages(0, 4), MappingMode.WRITE).close(); // the token is installed after `before`
    CompletableFuture<ClusterHandle<MappingMode>> bf =
        b.acquireAsync(pages(2, 1), MappingMode.INVALIDATE);
    long elapsed = System.nanoTime() - before;
    if (elapsed < minHold.toNanos() / 4) {
      ClusterHandle<MappingMode> local = a.tryAcquire(pages(1, 1), MappingMode.WRITE);
      assertNotNull(local, "a local hold under the token is granted during the minimum hold");
      local.close();
    }
    ClusterHandle<MappingMode> hb = bf.get(60, TimeUnit.SECONDS);
    long granted = System.nanoTime() - before;
    hb.close(); // before any assertion: an open hold would keep the cleanup's close waiting
    assertTrue(
        granted >= minHold.toNanos(),
        "b was granted " + granted / 1_000_000 + " ms after a asked, within a's minimum hold");
    assertEquals(1, seen.size());
    assertEquals(Revocation.Reason.REVOKED, seen.get(0).reason());
  }

  /**
   * 3 nodes, each acquiring pages of its own 16-page region in every mode, 3000 times. Counted by
   * Curator's tracer. With a 64 KiB token granule the first acquire's token covers the region; with
   * the default (exact ranges) the node first asks for a token per page and mode (cold), then never
   * again (warm).
   */
  @Test
  void aLocalAcquireOnANodePrivateRangeCostsNoZooKeeperOperationOnceCached() throws Exception {
    double granuled = privateRangeOps(64 * 1024, 3000)[0];
    assertTrue(granuled <= 0.01, "ZooKeeper operations per local acquire: " + granuled);
    double[] exact = privateRangeOps(1, 3000);
    assertEquals(0.0, exact[1], "a warm cache must cost no ZooKeeper operation at all");
  }

  /**
   * @return {ops per acquire over the whole run, ops per acquire in a second (warm) run}
   */
  private double[] privateRangeOps(long granule, int perNode) throws Exception {
    int nodes = 3;
    String p = path + "-g" + granule;
    List<ClusterRangeLock<MappingMode>> locks = new ArrayList<>();
    List<ZooKeeperOperationCount> counts = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      CuratorFramework c = client();
      counts.add(ZooKeeperOperationCount.install(c));
      ClusterRangeLock<MappingMode> l =
          ClusterRangeLock.builder(c, p, MAPPING).node("n" + i).tokenGranule(granule).build();
      cleanup.add(l);
      locks.add(l);
    }
    double[] result = new double[2];
    for (int round = 0; round < 2; round++) {
      // Let the previous round's background work finish (retired tokens' deletes, flag watches
      // armed off the grant path): it belongs to that round.
      long before = -1;
      for (long now = sum(counts); now != before; now = sum(counts)) {
        before = now;
        Thread.sleep(300);
      }
      List<Thread> ts = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        ClusterRangeLock<MappingMode> l = locks.get(i);
        long base = i * 100L; // 16 pages from here are this node's alone
        Thread t =
            new Thread(
                () -> {
                  MappingMode[] ms = MappingMode.values();
                  for (int k = 0; k < perNode; k++) {
                    MappingMode m = ms[k % ms.length];
                    try (ClusterHandle<MappingMode> h = l.acquire(pages(base + k % 16, 1), m)) {
                      assertTrue(h.isHeld());
                    }
                  }
                });
        ts.add(t);
        t.start();
      }
      for (Thread t : ts) {
        t.join();
      }
      Thread.sleep(300);
      long ops = sum(counts) - before;
      result[round] = ops / (double) (nodes * perNode);
      System.out.printf(
          "node-private ranges, granule %d, %s run: %d ZooKeeper operations for %d local acquires"
              + " = %.5f per acquire%n",
          granule, round == 0 ? "first" : "second", ops, nodes * perNode, result[round]);
      assertTrue(round > 0 || ops > 0, "the counter saw the first token requests");
    }
    return result;
  }

  private static long sum(List<ZooKeeperOperationCount> counts) {
    return counts.stream().mapToLong(ZooKeeperOperationCount::operations).sum();
  }

  @Test
  void tryTimedInterruptibleAndCancelledRequestsLeaveNothingBehind() throws Exception {
    CuratorFramework ca = client();
    ClusterRangeLock<MappingMode> a = node(ca, MAPPING, "a", RevocationCallback.none());
    ClusterRangeLock<MappingMode> b = node(client(), MAPPING, "b", RevocationCallback.none());
    ClusterHandle<MappingMode> held = a.acquire(pages(0, 2), MappingMode.DIRECT);
    assertEquals(1, ca.getChildren().forPath(path).size());

    assertNull(b.tryAcquire(pages(1, 1), MappingMode.FAULT));
    assertNull(b.tryAcquire(pages(1, 1), MappingMode.FAULT, Duration.ofMillis(300)));
    Thread waiter =
        new Thread(
            () -> {
              try {
                b.acquireInterruptibly(pages(1, 1), MappingMode.FAULT);
              } catch (InterruptedException expected) {
                return;
              }
              throw new AssertionError("granted");
            });
    waiter.start();
    Thread.sleep(300);
    waiter.interrupt();
    waiter.join(10_000);
    assertFalse(waiter.isAlive());
    CompletableFuture<ClusterHandle<MappingMode>> f =
        b.acquireAsync(pages(1, 1), MappingMode.FAULT);
    Thread.sleep(300);
    assertTrue(f.cancel(false));
    // Every withdrawn request deleted its znode: only a's token is left.
    awaitChildren(ca, 1);
    // A compatible request is not blocked at all.
    try (ClusterHandle<MappingMode> w = b.tryAcquire(pages(1, 1), MappingMode.WRITEBACK)) {
      assertNotNull(w);
    }
    held.close();
    try (ClusterHandle<MappingMode> h =
        b.tryAcquire(pages(1, 1), MappingMode.FAULT, Duration.ofSeconds(30))) {
      assertNotNull(h);
    }
  }

  private void awaitChildren(CuratorFramework c, int n) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String p = null;
    while (System.nanoTime() < end) {
      List<String> kids = c.getChildren().forPath(path);
      if (kids.size() == n) {
        return;
      }
      p = kids.toString();
      Thread.sleep(20);
    }
    throw new AssertionError("children: " + p);
  }

  @Test
  void theCallbackMayDowngradeWhereTheTableAllows() throws Exception {
    ModeTable<DlmMode> dlm = ModeTable.dlm();
    CuratorFramework ca = client();
    ZooKeeperOperationCount ops = ZooKeeperOperationCount.install(ca);
    ClusterRangeLock<DlmMode> a = node(ca, dlm, "a", r -> DlmMode.PR); // keep protected read
    ClusterRangeLock<DlmMode> b = node(client(), dlm, "b", RevocationCallback.none());
    try (ClusterHandle<DlmMode> h = a.acquire(pages(0, 4), DlmMode.EX)) {
      assertTrue(h.isHeld());
    }
    assertTrue(
        ops.operationsOnThisThread() > 0,
        "a's first acquire asked ZooKeeper for its token on this thread: the count below can see it");
    try (ClusterHandle<DlmMode> h = b.tryAcquire(pages(0, 4), DlmMode.PR, Duration.ofSeconds(30))) {
      assertNotNull(h, "b's PR must be granted once a downgraded EX to PR");
      assertEquals(1, a.cachedTokens(), "a kept its token, downgraded");
      // Counted on this thread only: a's watch and worker threads may still be reading its token
      // after the downgrade (a data watch fires on the downgrade's own write); a token request
      // for this acquire would be made here.
      long before = ops.operationsOnThisThread();
      try (ClusterHandle<DlmMode> mine = a.acquire(pages(1, 1), DlmMode.PR)) {
        assertTrue(mine.isHeld());
      }
      assertEquals(
          before, ops.operationsOnThisThread(), "the downgraded token serves PR from the cache");
    }
  }

  @Test
  void aDowngradeThatWouldNotUnblockTheWaiterGivesTheTokenUp() throws Exception {
    ModeTable<DlmMode> dlm = ModeTable.dlm();
    ClusterRangeLock<DlmMode> a = node(client(), dlm, "a", r -> DlmMode.PR);
    ClusterRangeLock<DlmMode> b = node(client(), dlm, "b", RevocationCallback.none());
    a.acquire(pages(0, 4), DlmMode.EX).close();
    try (ClusterHandle<DlmMode> h = b.tryAcquire(pages(0, 4), DlmMode.PW, Duration.ofSeconds(30))) {
      assertNotNull(h, "PW conflicts with PR: a must give the token up, not keep PR");
      assertEquals(0, a.cachedTokens());
    }
  }

  @Test
  void anExpiredSessionLosesItsTokensAndItsLateWritesAreRefusedByFence() throws Exception {
    CountDownLatch lostCallback = new CountDownLatch(1);
    CuratorFramework ca = client();
    ClusterRangeLock<MappingMode> a =
        node(
            ca,
            MAPPING,
            "a",
            r -> {
              if (r.reason() == Revocation.Reason.LOST) {
                lostCallback.countDown();
              }
              return null;
            });
    ClusterRangeLock<MappingMode> b = node(client(), MAPPING, "b", RevocationCallback.none());
    FenceGate<MappingMode> disk = new FenceGate<>(MAPPING);
    Range r = pages(0, 2);
    ClusterHandle<MappingMode> ha = a.acquire(r, MappingMode.WRITE);
    assertTrue(disk.admit(r, MappingMode.WRITE, ha.fence()));

    ensemble.expire(ca); // a is "paused": it does not know yet
    ClusterHandle<MappingMode> hb = b.tryAcquire(r, MappingMode.INVALIDATE, Duration.ofSeconds(30));
    assertNotNull(hb, "b proceeds once a's session is gone");
    assertTrue(hb.fence() > ha.fence());
    assertTrue(disk.admit(r, MappingMode.INVALIDATE, hb.fence()));
    assertFalse(disk.admit(r, MappingMode.WRITE, ha.fence()), "a's late write must be refused");

    assertTrue(lostCallback.await(30, TimeUnit.SECONDS), "a's callback runs with LOST");
    assertFalse(ha.isHeld());
    ha.close(); // still closes once, cleanly
    hb.close();
    // a works again on a new session, with a larger fence than b's.
    try (ClusterHandle<MappingMode> again =
        a.tryAcquire(r, MappingMode.WRITE, Duration.ofSeconds(30))) {
      assertNotNull(again);
      assertTrue(again.fence() > hb.fence());
      assertTrue(disk.admit(r, MappingMode.WRITE, again.fence()));
    }
  }
}
