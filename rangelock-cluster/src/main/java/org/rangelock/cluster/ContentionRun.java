package org.rangelock.cluster;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.rangelock.ModeTable;
import org.rangelock.Range;

/**
 * N nodes (each its own Curator client and session, all in this JVM) with T threads each, acquiring
 * random ranges of one file in random modes for a while; every grant and release goes to a {@link
 * LockHistory}, every hold "writes" through one {@link FenceGate}, and every revocation callback
 * checks that it runs with the range drained locally. The demo and the integration tests run it;
 * faults (a killed server, an expired session) are injected from outside while it runs.
 *
 * @param <M> the mode enum
 */
public final class ContentionRun<M extends Enum<M>> implements AutoCloseable {
  static final long PAGE = 4096;

  private final ModeTable<M> table;
  private final M[] modes;
  private final LockHistory<M> history = new LockHistory<>();
  private final FenceGate<M> gate;
  private final List<CuratorFramework> clients = new ArrayList<>();
  private final List<ClusterRangeLock<M>> locks = new ArrayList<>();
  private final List<ZooKeeperOperationCount> counters = new ArrayList<>();
  private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
  private final AtomicLong timeouts = new AtomicLong();
  private final AtomicLong refusedLate = new AtomicLong();
  private final int threadsPerNode;
  private final long pages;
  private final PrintStream out;

  /**
   * Connects the nodes.
   *
   * @param connect ZooKeeper connect string
   * @param path the lock's znode path
   * @param table the modes the workers pick from at random, uniformly; it needs a strongest mode
   * @param nodes how many nodes to start, each with its own Curator client and ZooKeeper session
   *     (named {@code node0}, {@code node1}, ...)
   * @param threadsPerNode how many worker threads each node runs in {@link #run}
   * @param pages the file's size in 4 KiB pages; ranges are 1 to 4 pages
   * @param sessionTimeout each client's ZooKeeper session timeout, whole milliseconds (the server
   *     clamps it to its own minimum and maximum); a session expires this long after its client
   *     last reached the ensemble
   * @param out where grants, revocations and fences are printed as they happen, or null
   * @throws InterruptedException if interrupted while a client waits for its connection; the
   *     clients started so far are not closed
   * @throws IllegalStateException if a client does not connect within 30 s
   */
  public ContentionRun(
      String connect,
      String path,
      ModeTable<M> table,
      int nodes,
      int threadsPerNode,
      long pages,
      Duration sessionTimeout,
      PrintStream out)
      throws InterruptedException {
    this.table = Objects.requireNonNull(table, "table");
    this.modes = table.modeClass().getEnumConstants();
    this.gate = new FenceGate<>(table);
    this.threadsPerNode = threadsPerNode;
    this.pages = pages;
    this.out = out;
    for (int i = 0; i < nodes; i++) {
      CuratorFramework c =
          CuratorFrameworkFactory.builder()
              .connectString(connect)
              .sessionTimeoutMs((int) sessionTimeout.toMillis())
              .connectionTimeoutMs(5000)
              .retryPolicy(new ExponentialBackoffRetry(50, 8, 1000))
              .build();
      c.start();
      if (!c.blockUntilConnected(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("no ZooKeeper connection to " + connect + " in 30 s");
      }
      clients.add(c);
      counters.add(ZooKeeperOperationCount.install(c));
      String name = "node" + i;
      TokenEvents<M> ev = out == null ? history : history.andThen(new Printing());
      ClusterRangeLock<M>[] self = newArray();
      locks.add(
          self[0] =
              ClusterRangeLock.builder(c, path, table)
                  .node(name)
                  .events(ev)
                  .idleTimeout(Duration.ofSeconds(5))
                  .onRevoke(r -> onRevoke(name, self[0], r))
                  .build());
    }
  }

  @SuppressWarnings("unchecked")
  private static <M extends Enum<M>> ClusterRangeLock<M>[] newArray() {
    return new ClusterRangeLock[1];
  }

  private M onRevoke(String node, ClusterRangeLock<M> lock, Revocation<M> r) {
    if (r.reason() != Revocation.Reason.LOST) {
      // Under the local lock in the strongest mode: not even the weakest conflicting local hold
      // can be granted now.
      for (M m : modes) {
        boolean universal = true;
        for (M o : modes) {
          universal &= table.compatible(m, o);
        }
        if (!universal && lock != null) {
          var h = lock.localLock().tryAcquire(r.range(), m);
          if (h != null) {
            h.close();
            violations.add(node + ": revocation callback of " + r + " ran without the local lock");
          }
        }
      }
    }
    if (r.reason() == Revocation.Reason.REVOKED
        && java.util.concurrent.ThreadLocalRandom.current().nextBoolean()) {
      // Half the time offer a weaker mode to keep: the lock downgrades only if that unblocks every
      // waiting request, else gives the token up. Exercises both paths under the checker.
      List<M> weaker = new ArrayList<>();
      for (M m : modes) {
        if (table.isWeaker(m, r.mode())) {
          weaker.add(m);
        }
      }
      if (!weaker.isEmpty()) {
        return weaker.get(java.util.concurrent.ThreadLocalRandom.current().nextInt(weaker.size()));
      }
    }
    return null;
  }

  /**
   * The history so far.
   *
   * @return the live history every node's grants, releases and token events go to
   */
  public LockHistory<M> history() {
    return history;
  }

  /**
   * The fence gate all holds write through.
   *
   * @return the one gate every hold of every node passes its range, mode and fence to
   */
  public FenceGate<M> gate() {
    return gate;
  }

  /**
   * The nodes' Curator clients, in node order.
   *
   * @return the live list of clients, for a test to expire a session or close a connection
   */
  public List<CuratorFramework> clients() {
    return clients;
  }

  /**
   * The nodes' locks, in node order.
   *
   * @return the live list of each node's {@link ClusterRangeLock}
   */
  public List<ClusterRangeLock<M>> locks() {
    return locks;
  }

  /**
   * ZooKeeper operations of all nodes so far.
   *
   * @return the sum of each client's {@link ZooKeeperOperationCount#operations()}
   */
  public long zooKeeperOperations() {
    return counters.stream().mapToLong(ZooKeeperOperationCount::operations).sum();
  }

  /**
   * Timed acquires that gave up (2 s each) so far.
   *
   * @return how many worker acquires returned {@code null} after waiting 2 s
   */
  public long timeouts() {
    return timeouts.get();
  }

  /**
   * Writes refused by the fence gate from holds whose token was lost.
   *
   * @return how many refused writes came from a handle that reported {@code isHeld() == false}, as
   *     fencing intends (a refusal of a handle still held counts as a violation instead)
   */
  public long refusedLateWrites() {
    return refusedLate.get();
  }

  /**
   * Runs the workload for {@code duration}; returns when every worker stopped.
   *
   * @param duration how long the workers start new acquires; a hold taken just before the end
   *     finishes after it, and a timed acquire may wait up to 2 s more
   * @param seed the seed of every worker's ranges, modes and pauses (each worker derives its own);
   *     the interleaving, hence the history, still varies from run to run
   * @throws InterruptedException if interrupted while waiting for the workers; they keep running
   *     until {@code duration} passes
   */
  public void run(Duration duration, long seed) throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    List<Thread> workers = new ArrayList<>();
    for (int n = 0; n < locks.size(); n++) {
      for (int t = 0; t < threadsPerNode; t++) {
        ClusterRangeLock<M> lock = locks.get(n);
        SplittableRandom rnd = new SplittableRandom(seed * 7919 + n * 31L + t);
        Thread w = new Thread(() -> work(lock, rnd, end), lock.node() + "-worker-" + t);
        w.start();
        workers.add(w);
      }
    }
    for (Thread w : workers) {
      w.join();
    }
  }

  private void work(ClusterRangeLock<M> lock, SplittableRandom rnd, long end) {
    while (System.nanoTime() < end) {
      long start = rnd.nextLong(pages) * PAGE;
      Range range = Range.ofLength(start, (1 + rnd.nextLong(4)) * PAGE);
      M mode = modes[rnd.nextInt(modes.length)];
      ClusterHandle<M> h;
      try {
        h = lock.tryAcquire(range, mode, Duration.ofSeconds(2));
      } catch (InterruptedException e) {
        return;
      } catch (IllegalStateException e) {
        return; // closed
      }
      if (h == null) {
        timeouts.incrementAndGet();
        continue;
      }
      long id = history.granted(lock.node(), range, mode, h.fence());
      boolean admitted = gate.admit(range, mode, h.fence());
      if (!admitted && h.isHeld()) {
        violations.add("fence gate refused a holder that still holds: " + h);
      } else if (!admitted) {
        refusedLate.incrementAndGet();
      }
      if (rnd.nextInt(4) == 0) {
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      history.released(id, h.isHeld());
      h.close();
    }
  }

  /**
   * Violations: those of the history check, and those seen while running.
   *
   * @return every violation in words (a revocation callback that ran without the local lock, a
   *     holder the fence gate refused, then {@link LockHistory#check}'s); empty if none
   */
  public List<String> violations() {
    List<String> v = new ArrayList<>(violations);
    v.addAll(history.check(table));
    return v;
  }

  /** Closes every node's lock (giving tokens up) and client. */
  @Override
  public void close() {
    for (ClusterRangeLock<M> l : locks) {
      l.close();
    }
    for (CuratorFramework c : clients) {
      c.close();
    }
  }

  /** Prints each grant, downgrade, revocation and loss as it happens (the demo's live output). */
  private final class Printing implements TokenEvents<M> {
    @Override
    public void granted(String node, long id, Range range, M mode) {
      out.printf(
          "grant   %-6s %-28s %-10s fence %d%n",
          node, range, mode, id << ClusterRangeLock.LOCAL_BITS);
    }

    @Override
    public void downgraded(String node, long id, M mode) {
      out.printf("down    %-6s token %d -> %s%n", node, id, mode);
    }

    @Override
    public void released(String node, long id, Revocation.Reason reason) {
      if (reason != null) {
        out.printf("revoke  %-6s token %d (%s)%n", node, id, reason);
      }
    }

    @Override
    public void lost(String node, long id) {
      out.printf("LOST    %-6s token %d%n", node, id);
    }
  }
}
