package org.rangelock.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.ReadWriteMode;

/**
 * A token that comes back from a downgrade must not serve a hold after a newer overlapping token of
 * the same node did: of two conflicting holds of one node, the later must have the larger fence, or
 * the storage layer's fence check refuses a holder that still holds (what a clean-clone run of the
 * demo showed once: an INVALIDATE hold, then a conflicting WRITEBACK hold of the same node with a
 * smaller fence).
 *
 * <p>The interleaving, made deterministic here. Node a caches token T1 = [0, 100) EXCLUSIVE. Node b
 * asks for [0, 100) SHARED, so a revokes T1; its callback is held inside (it will keep SHARED).
 * Meanwhile a thread of a asks for [50, 150) EXCLUSIVE. If that request goes to ZooKeeper while T1
 * is being revoked, it cannot take T1 into its union (T1 is not active then), so it asks for [50,
 * 150) only and gets T2, newer than T1; T1 then comes back, downgraded, still active over [0, 100).
 * When T2 is later revoked on its own (b asks for [120, 130)), a SHARED hold of a in [60, 70) finds
 * T1 again and takes a fence from T1's czxid: smaller than the EXCLUSIVE hold's under T2. The fixed
 * lock makes a request wait while an overlapping token of its node is being revoked, so its union
 * takes the downgraded token in, and the newer token replaces it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DowngradeRaceTest {
  static final Range T1 = Range.of(0, 100);
  static final Range WIDER = Range.of(50, 150);

  static CuratorFramework client(TestingServer server) throws InterruptedException {
    CuratorFramework c =
        CuratorFrameworkFactory.newClient(
            server.getConnectString(), 8000, 5000, new RetryNTimes(3, 10));
    c.start();
    assertTrue(c.blockUntilConnected(30, TimeUnit.SECONDS));
    return c;
  }

  /**
   * b's request overlaps T1 but not [50, 150): the wider request is granted while T1's callback
   * runs, so T1 comes back downgraded beside a newer token.
   */
  @Test
  void aHoldNeverTakesItsFenceFromATokenOlderThanAnEarlierConflictingHoldOfItsNode()
      throws Exception {
    Scenario s = run(Range.of(0, 40));
    assertTrue(
        s.sharedFence > s.exclusiveFence,
        "a's SHARED hold in [60, 70) got fence "
            + s.sharedFence
            + " after its conflicting EXCLUSIVE hold in [50, 150) got "
            + s.exclusiveFence
            + " (wider request queued during the revocation: "
            + s.queuedDuringRevocation
            + ")");
    assertEquals(List.of(), s.violations);
  }

  /**
   * b's request covers T1, so the wider request waits for b and is granted after T1 came back
   * downgraded. A token that covers only part of T1 must not silently replace it: b's later
   * EXCLUSIVE request for [0, 10) (inside T1, outside [50, 150)) must make a run its callback over
   * [0, 10) first, or a keeps cached pages there while b writes them.
   */
  @Test
  void aDowngradedTokenIsNeverDroppedWithoutCallbackByAPartlyOverlappingNewerOne()
      throws Exception {
    Scenario s = run(T1);
    assertTrue(
        s.sharedFence > s.exclusiveFence, "fences " + s.exclusiveFence + ", " + s.sharedFence);
    assertTrue(
        s.callbackCoveredHead,
        "b got [0, 10) EXCLUSIVE with no callback of a over [0, 10) after T1's downgrade to SHARED;"
            + " a's revocations: "
            + s.revoked
            + " (wider request queued during the revocation: "
            + s.queuedDuringRevocation
            + ")");
    assertEquals(List.of(), s.violations);
  }

  /**
   * The callback keeps SHARED, but the request that flagged the token wants EXCLUSIVE, so the
   * downgrade is refused and the token goes: the callback must hear of it again, for the SHARED it
   * kept, or the node keeps cached pages with no token while the other node writes them.
   */
  @Test
  void aRefusedDowngradeRunsTheCallbackAgainForTheKeptMode() throws Exception {
    List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    RevocationCallback<ReadWriteMode> keepShared =
        r -> {
          calls.add(r.range() + " " + r.mode() + " " + r.reason());
          return r.mode() == ReadWriteMode.EXCLUSIVE ? ReadWriteMode.SHARED : null;
        };
    ModeTable<ReadWriteMode> table = ModeTable.readWrite();
    String path = "/locks/refused-downgrade";
    try (TestingServer server = InProcessZooKeeper.server();
        CuratorFramework ca = client(server);
        CuratorFramework cb = client(server);
        ClusterRangeLock<ReadWriteMode> a =
            ClusterRangeLock.builder(ca, path, table).node("a").onRevoke(keepShared).build();
        ClusterRangeLock<ReadWriteMode> b =
            ClusterRangeLock.builder(cb, path, table).node("b").build()) {
      a.acquire(T1, ReadWriteMode.EXCLUSIVE).close();
      b.acquire(Range.of(10, 20), ReadWriteMode.EXCLUSIVE).close();
      assertEquals(
          List.of("[0, 100) EXCLUSIVE REVOKED", "[0, 100) SHARED REVOKED"),
          calls,
          "a's callbacks before b's EXCLUSIVE grant");
    }
  }

  /**
   * A thread takes its lease on a cached EXCLUSIVE token, and before it asks the local lock the
   * token is revoked and downgraded to SHARED for b's SHARED request over the same bytes. The
   * thread must not then be granted EXCLUSIVE under the SHARED token while b holds: its grant must
   * re-check the token's mode and queue again.
   */
  @Test
  void aTokenDowngradedAfterTheLeaseDoesNotGrantTheStrongerMode() throws Exception {
    ModeTable<ReadWriteMode> table = ModeTable.readWrite();
    LockHistory<ReadWriteMode> history = new LockHistory<>();
    Range page = Range.of(50, 60);
    String path = "/locks/downgrade-after-lease";
    try (TestingServer server = InProcessZooKeeper.server();
        CuratorFramework ca = client(server);
        CuratorFramework cb = client(server);
        ClusterRangeLock<ReadWriteMode> a =
            ClusterRangeLock.builder(ca, path, table)
                .node("a")
                .onRevoke(r -> r.mode() == ReadWriteMode.EXCLUSIVE ? ReadWriteMode.SHARED : null)
                .events(history)
                .build();
        ClusterRangeLock<ReadWriteMode> b =
            ClusterRangeLock.builder(cb, path, table).node("b").events(history).build()) {
      hold(a, "a", T1, ReadWriteMode.EXCLUSIVE, history); // a caches T1 EXCLUSIVE

      CountDownLatch leased = new CountDownLatch(1);
      CountDownLatch go = new CountDownLatch(1);
      a.afterLease =
          r -> {
            if (r.equals(page)) {
              leased.countDown();
              try {
                go.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          };
      CompletableFuture<ClusterHandle<ReadWriteMode>> aExclusive =
          CompletableFuture.supplyAsync(() -> a.acquire(page, ReadWriteMode.EXCLUSIVE));
      assertTrue(leased.await(60, TimeUnit.SECONDS), "a never took its lease");

      // b's SHARED request revokes T1; a's callback keeps SHARED, which lets b in.
      ClusterHandle<ReadWriteMode> bShared = b.acquire(page, ReadWriteMode.SHARED);
      long bId = history.granted("b", page, ReadWriteMode.SHARED, bShared.fence());
      go.countDown();
      ClusterHandle<ReadWriteMode> early = null;
      try {
        early = aExclusive.get(3, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // what the fixed lock does: a queues for a new EXCLUSIVE token behind b
      }
      long aId =
          early == null ? 0 : history.granted("a", page, ReadWriteMode.EXCLUSIVE, early.fence());
      boolean stillHeld = bShared.isHeld();
      bShared.close();
      history.released(bId, stillHeld);
      ClusterHandle<ReadWriteMode> h = aExclusive.get(60, TimeUnit.SECONDS);
      if (early == null) {
        aId = history.granted("a", page, ReadWriteMode.EXCLUSIVE, h.fence());
      }
      stillHeld = h.isHeld();
      h.close();
      history.released(aId, stillHeld);
      assertEquals(List.of(), history.check(table));
    }
  }

  static final class Scenario {
    long exclusiveFence;
    long sharedFence;
    boolean queuedDuringRevocation;
    boolean callbackCoveredHead;
    final List<String> revoked = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> violations;
  }

  static Scenario run(Range bFirst) throws Exception {
    Scenario out = new Scenario();
    java.util.concurrent.atomic.AtomicBoolean headRevoked =
        new java.util.concurrent.atomic.AtomicBoolean();
    ModeTable<ReadWriteMode> table = ModeTable.readWrite();
    LockHistory<ReadWriteMode> history = new LockHistory<>();
    CountDownLatch inCallback = new CountDownLatch(1);
    CountDownLatch leaveCallback = new CountDownLatch(1);
    CountDownLatch widerQueued = new CountDownLatch(1);
    AtomicInteger revocations = new AtomicInteger();
    RevocationCallback<ReadWriteMode> keepSharedOnce =
        r -> {
          out.revoked.add(r.range() + " " + r.mode() + " " + r.reason());
          if (r.reason() != Revocation.Reason.REVOKED || revocations.incrementAndGet() != 1) {
            if (r.range().contains(Range.of(0, 10))) {
              headRevoked.set(true);
            }
            return null;
          }
          inCallback.countDown();
          try {
            leaveCallback.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return ReadWriteMode.SHARED;
        };
    TokenEvents<ReadWriteMode> events =
        history.andThen(
            new TokenEvents<>() {
              @Override
              public void queued(String node, long id, Range range, ReadWriteMode mode) {
                if (node.equals("a") && range.equals(WIDER)) {
                  widerQueued.countDown();
                }
              }
            });
    String path = "/locks/downgrade-race";
    try (TestingServer server = InProcessZooKeeper.server();
        CuratorFramework ca = client(server);
        CuratorFramework cb = client(server);
        ClusterRangeLock<ReadWriteMode> a =
            ClusterRangeLock.builder(ca, path, table)
                .node("a")
                .onRevoke(keepSharedOnce)
                .events(events)
                .build();
        ClusterRangeLock<ReadWriteMode> b =
            ClusterRangeLock.builder(cb, path, table).node("b").events(events).build()) {
      // a caches T1.
      hold(a, "a", T1, ReadWriteMode.EXCLUSIVE, history);

      // b's request revokes T1; a's callback is held inside.
      CompletableFuture<Long> bShared =
          CompletableFuture.supplyAsync(() -> hold(b, "b", bFirst, ReadWriteMode.SHARED, history));
      assertTrue(inCallback.await(60, TimeUnit.SECONDS), "T1 was never revoked");

      // a's wider exclusive request starts while T1 is being revoked.
      CompletableFuture<Long> aWider =
          CompletableFuture.supplyAsync(
              () -> hold(a, "a", WIDER, ReadWriteMode.EXCLUSIVE, history));
      // Before the fix the request is queued in ZooKeeper at once; after it, it waits for the
      // revocation to end. Either way the callback is let go: the outcome is then checked.
      out.queuedDuringRevocation = widerQueued.await(3, TimeUnit.SECONDS);
      leaveCallback.countDown();
      out.exclusiveFence = aWider.get(60, TimeUnit.SECONDS);
      bShared.get(60, TimeUnit.SECONDS);

      // b revokes whatever a holds over [120, 130), and only that.
      hold(b, "b", Range.of(120, 130), ReadWriteMode.EXCLUSIVE, history);

      // A later SHARED hold of a inside [60, 70) conflicts with the EXCLUSIVE hold above.
      out.sharedFence = hold(a, "a", Range.of(60, 70), ReadWriteMode.SHARED, history);

      // b writes [0, 10): inside T1, outside [50, 150).
      hold(b, "b", Range.of(0, 10), ReadWriteMode.EXCLUSIVE, history);
      out.callbackCoveredHead = headRevoked.get();
      out.violations = history.check(table);
    }
    return out;
  }

  static long hold(
      ClusterRangeLock<ReadWriteMode> lock,
      String node,
      Range range,
      ReadWriteMode mode,
      LockHistory<ReadWriteMode> history) {
    ClusterHandle<ReadWriteMode> h = lock.acquire(range, mode);
    long id = history.granted(node, range, mode, h.fence());
    long fence = h.fence();
    boolean held = h.isHeld();
    h.close();
    history.released(id, held);
    return fence;
  }
}
