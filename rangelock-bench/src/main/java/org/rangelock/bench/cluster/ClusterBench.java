package org.rangelock.bench.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingCluster;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.cluster.ClusterHandle;
import org.rangelock.cluster.ClusterRangeLock;
import org.rangelock.cluster.InProcessZooKeeper;
import org.rangelock.cluster.ZooKeeperOperationCount;

/**
 * rangelock-cluster side by side with Curator's {@code InterProcessReadWriteLock} on one path, in
 * one run, on a real 3-server ZooKeeper ensemble in this JVM (curator-test's TestingCluster; the
 * servers sync their logs as a production ensemble does, unless {@code -Dzookeeper.forceSync=no}).
 * A timed benchmark, not JMH: each lock operation is milliseconds of network and disk, and what is
 * compared is the number of ZooKeeper round trips, not nanoseconds.
 *
 * <ol>
 *   <li><b>Disjoint</b>: 3 nodes (3 Curator clients, 3 sessions), one thread each, each writing its
 *       own range of one file for S seconds: rangelock-cluster acquires {@code WRITE} on the node's
 *       range; Curator has no ranges, so each node takes the write lock of the file's path.
 *       Throughput in holds per second, summed over nodes.
 *   <li><b>Hand-off</b>: two nodes take turns on one range in conflicting modes. The holder
 *       releases while the other node's request is already queued (20 ms after it was made);
 *       latency = from the release call to the waiter's grant. Reported p50 and p99 over N
 *       hand-offs.
 * </ol>
 *
 * <p>Usage: {@code java -cp rangelock-bench/target/rangelock-bench.jar
 * org.rangelock.bench.cluster.ClusterBench [--seconds S] [--handoffs N] [--out FILE]}.
 */
public final class ClusterBench {
  private ClusterBench() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper.server", "off");
    }
    int seconds = 10;
    int handoffs = 200;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds":
          seconds = positive(args, ++i, "--seconds");
          break;
        case "--handoffs":
          handoffs = positive(args, ++i, "--handoffs");
          break;
        case "--out":
          if (i + 1 >= args.length) {
            usage("--out needs a file");
          }
          out = Path.of(args[++i]);
          break;
        case "-h":
        case "--help":
          System.out.println(
              "usage: java -cp rangelock-bench.jar org.rangelock.bench.cluster.ClusterBench"
                  + " [--seconds S (10)] [--handoffs N (200)] [--out FILE]");
          return;
        default:
          usage("unknown option " + args[i]);
      }
    }
    String load = loadAverage();
    StringBuilder report = new StringBuilder();
    try (TestingCluster ensemble = InProcessZooKeeper.ensemble(3)) {
      String connect = ensemble.getConnectString();
      double[] ours = disjointOurs(connect, seconds);
      double curator = disjointCurator(connect, seconds);
      long[] oursLat = handoffOurs(connect, handoffs);
      long[] curLat = handoffCurator(connect, handoffs);
      report
          .append("| | Curator `InterProcessReadWriteLock` | rangelock-cluster | ratio |\n")
          .append("|---|---:|---:|---:|\n")
          .append(
              String.format(
                  "| 3 nodes, disjoint ranges, holds/s (%d s) | %.0f | %.0f | %.1fx |%n",
                  seconds, curator, ours[0], ours[0] / curator))
          .append(
              String.format("| ZooKeeper operations per hold (disjoint) | — | %.5f | |%n", ours[1]))
          .append(
              String.format(
                  "| hand-off latency p50, ms (%d hand-offs) | %.2f | %.2f | |%n",
                  handoffs, pct(curLat, 50), pct(oursLat, 50)))
          .append(
              String.format(
                  "| hand-off latency p99, ms | %.2f | %.2f | |%n",
                  pct(curLat, 99), pct(oursLat, 99)));
    }
    report
        .append("\nload average before: ")
        .append(load)
        .append("; after: ")
        .append(loadAverage())
        .append("; ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores; zookeeper.forceSync=")
        .append(System.getProperty("zookeeper.forceSync", "yes (default)"))
        .append('\n');
    System.out.print(report);
    if (out != null) {
      Files.writeString(out, report.toString());
    }
  }

  private static int positive(String[] args, int i, String name) {
    if (i >= args.length) {
      usage(name + " needs a value");
    }
    try {
      int v = Integer.parseInt(args[i]);
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    usage("invalid value for " + name + ": " + args[i] + " (a positive integer)");
    return 0;
  }

  private static void usage(String message) {
    System.err.println(message);
    System.exit(2);
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (Exception e) {
      return "unknown";
    }
  }

  static CuratorFramework client(String connect) throws InterruptedException {
    CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(connect)
            .sessionTimeoutMs(15_000)
            .connectionTimeoutMs(5_000)
            .retryPolicy(new ExponentialBackoffRetry(50, 8, 1000))
            .build();
    c.start();
    if (!c.blockUntilConnected(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("no connection to " + connect);
    }
    return c;
  }

  /**
   * @return {holds per second, ZooKeeper operations per hold}
   */
  static double[] disjointOurs(String connect, int seconds) throws Exception {
    List<CuratorFramework> clients = new ArrayList<>();
    List<ClusterRangeLock<MappingMode>> locks = new ArrayList<>();
    List<ZooKeeperOperationCount> ops = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CuratorFramework c = client(connect);
      clients.add(c);
      ops.add(ZooKeeperOperationCount.install(c));
      locks.add(
          ClusterRangeLock.builder(c, "/bench/ours-disjoint", ModeTable.mapping())
              .node("n" + i)
              .build());
    }
    LongAdder holds = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ClusterRangeLock<MappingMode> l = locks.get(i);
      Range mine = Range.ofLength(i * (1L << 20), 1L << 20); // 1 MiB each
      Thread t =
          new Thread(
              () -> {
                while (!stop.get()) {
                  try (ClusterHandle<MappingMode> h = l.acquire(mine, MappingMode.WRITE)) {
                    holds.increment();
                  }
                }
              });
      ts.add(t);
    }
    ts.forEach(Thread::start);
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    stop.set(true);
    for (Thread t : ts) {
      t.join();
    }
    long n = holds.sum();
    long zk = ops.stream().mapToLong(ZooKeeperOperationCount::operations).sum();
    for (ClusterRangeLock<MappingMode> l : locks) {
      l.close();
    }
    clients.forEach(CuratorFramework::close);
    return new double[] {n / (double) seconds, zk / (double) n};
  }

  static double disjointCurator(String connect, int seconds) throws Exception {
    List<CuratorFramework> clients = new ArrayList<>();
    LongAdder holds = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CuratorFramework c = client(connect);
      clients.add(c);
      InterProcessMutex w = new InterProcessReadWriteLock(c, "/bench/curator-disjoint").writeLock();
      ts.add(
          new Thread(
              () -> {
                try {
                  while (!stop.get()) {
                    w.acquire();
                    holds.increment();
                    w.release();
                  }
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              }));
    }
    ts.forEach(Thread::start);
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    stop.set(true);
    for (Thread t : ts) {
      t.join();
    }
    clients.forEach(CuratorFramework::close);
    return holds.sum() / (double) seconds;
  }

  /** Hand-off latencies in nanoseconds. */
  static long[] handoffOurs(String connect, int n) throws Exception {
    CuratorFramework ca = client(connect);
    CuratorFramework cb = client(connect);
    ModeTable<MappingMode> table = ModeTable.mapping();
    try (ClusterRangeLock<MappingMode> a =
            ClusterRangeLock.builder(ca, "/bench/ours-handoff", table).node("a").build();
        ClusterRangeLock<MappingMode> b =
            ClusterRangeLock.builder(cb, "/bench/ours-handoff", table).node("b").build()) {
      Range r = Range.ofLength(0, 1L << 20);
      long[] lat = new long[n];
      ClusterHandle<MappingMode> held = a.acquire(r, MappingMode.WRITE);
      for (int i = 0; i < n; i++) {
        ClusterRangeLock<MappingMode> next = i % 2 == 0 ? b : a;
        MappingMode mode = i % 2 == 0 ? MappingMode.INVALIDATE : MappingMode.WRITE;
        CompletableFuture<ClusterHandle<MappingMode>> f = next.acquireAsync(r, mode);
        Thread.sleep(20); // the request is queued
        long t0 = System.nanoTime();
        held.close();
        held = f.get(30, TimeUnit.SECONDS);
        lat[i] = System.nanoTime() - t0;
      }
      held.close();
      return lat;
    } finally {
      ca.close();
      cb.close();
    }
  }

  /**
   * A thread that takes a Curator mutex (owned by a thread, so each hold gets its own), reports the
   * time of the grant, and releases when told.
   */
  private record CuratorHold(CompletableFuture<Long> granted, CompletableFuture<Void> release) {
    static CuratorHold start(InterProcessMutex m) {
      CuratorHold h = new CuratorHold(new CompletableFuture<>(), new CompletableFuture<>());
      Thread t =
          new Thread(
              () -> {
                try {
                  m.acquire();
                  h.granted.complete(System.nanoTime());
                  h.release.get();
                  m.release();
                } catch (Exception e) {
                  h.granted.completeExceptionally(e);
                }
              });
      t.setDaemon(true);
      t.start();
      return h;
    }
  }

  static long[] handoffCurator(String connect, int n) throws Exception {
    CuratorFramework ca = client(connect);
    CuratorFramework cb = client(connect);
    try {
      InterProcessMutex wa =
          new InterProcessReadWriteLock(ca, "/bench/curator-handoff").writeLock();
      InterProcessMutex wb =
          new InterProcessReadWriteLock(cb, "/bench/curator-handoff").writeLock();
      long[] lat = new long[n];
      CuratorHold held = CuratorHold.start(wa);
      held.granted.get(30, TimeUnit.SECONDS);
      for (int i = 0; i < n; i++) {
        CuratorHold next = CuratorHold.start(i % 2 == 0 ? wb : wa);
        Thread.sleep(20); // the request is queued
        long t0 = System.nanoTime();
        held.release.complete(null);
        lat[i] = next.granted.get(30, TimeUnit.SECONDS) - t0;
        held = next;
      }
      held.release.complete(null);
      Thread.sleep(200);
      return lat;
    } finally {
      ca.close();
      cb.close();
    }
  }

  static double pct(long[] nanos, int p) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
    return s[Math.max(0, Math.min(s.length - 1, i))] / 1e6;
  }
}
