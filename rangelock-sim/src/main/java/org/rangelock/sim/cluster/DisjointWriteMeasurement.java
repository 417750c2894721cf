package org.rangelock.sim.cluster;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.rangelock.sim.race.Races;

/**
 * What the 2003 mail asks of a distributed filesystem: nodes writing different pages of one file
 * should need no communication. With {@code n} nodes (two by default), node {@code i} writes the
 * pages {@code p} of a {@link #filePages(int) filePages(n)}-page file with {@code p % n == i} (with
 * two: A the even pages, B the odd ones), {@code writes} buffered writes each, round-robin over its
 * pages, on {@code n} threads started together, then each fsyncs; counted: the revocation callbacks
 * every node ran, the ZooKeeper operations every node's client made, and the wall time from the
 * start to the last fsync. Afterwards every page is read on every node and must hold its last write
 * (else the run reports it: a measurement of a wrong result is worth nothing).
 *
 * <p>No delays are injected and no trace is kept. The ZooKeeper server is the run's one server; its
 * log fsyncs unless the JVM runs with {@code -Dzookeeper.forceSync=no}.
 */
public final class DisjointWriteMeasurement {
  /** Pages of the file with two nodes: A writes the even ones, B the odd ones. */
  public static final int FILE_PAGES = 16;

  /**
   * Pages of the file with {@code nodes} writers: {@link #FILE_PAGES}, or four per node if that is
   * more, so that every node has several pages of its own.
   */
  public static int filePages(int nodes) {
    return Math.max(FILE_PAGES, 4 * nodes);
  }

  /** One row's figures; {@code writes} is over every node. */
  public record Result(
      DfsStrategy strategy,
      int nodes,
      int writes,
      long nanos,
      long callbacks,
      long zooKeeperOperations,
      long tokensGranted,
      Phases phases,
      Latency latency,
      Duration minHold,
      String wrong) {
    public double seconds() {
      return nanos / 1e9;
    }

    public double writesPerSecond() {
      return writes / seconds();
    }

    public double callbacksPerWrite() {
      return (double) callbacks / writes;
    }

    public double zooKeeperOperationsPerWrite() {
      return (double) zooKeeperOperations / writes;
    }
  }

  /**
   * Where the writers' time went, summed over every writer thread: in their writes (the system
   * call, lock and token included), in the pause between writes (the workload's own, {@code
   * parkNanos} of the think time, which on a loaded machine sleeps well past what it asks), in
   * building each write's data, and in the final fsyncs. Each writer reads the clock around each
   * phase (two {@code nanoTime} calls per phase and write).
   */
  public record Phases(long writeNanos, long pauseNanos, long dataNanos, long fsyncNanos) {
    /** The phases' mean per write in microseconds, as text ({@code nodes} fsyncs summed). */
    String perWrite(int writes, int nodes) {
      return String.format(
          "write %.1f, pause %.1f, data %.1f, fsync ("
              + (nodes == 2 ? "both" : "all")
              + ") %.1f ms",
          writeNanos / 1e3 / writes,
          pauseNanos / 1e3 / writes,
          dataNanos / 1e3 / writes,
          fsyncNanos / 1e6);
    }
  }

  /**
   * How long single writes took (the system call, lock and token included), over every writer: what
   * a token transfer, or a minimum hold, costs the writer who waits for it.
   */
  public record Latency(long p50Nanos, long p99Nanos, long maxNanos) {
    static Latency of(long[] nanos) {
      long[] s = nanos.clone();
      Arrays.sort(s);
      return new Latency(at(s, 0.50), at(s, 0.99), s[s.length - 1]);
    }

    private static long at(long[] sorted, double q) {
      return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }
  }

  private DisjointWriteMeasurement() {}

  static int tag(int round, int page) {
    return 1 + (round * 7 + page) % 250;
  }

  /** Runs {@code writesPerNode} writes on each of two nodes under {@code row}. */
  public static Result run(TokenServer server, DfsStrategy row, int writesPerNode) {
    return run(server, row, writesPerNode, 0);
  }

  /**
   * As {@link #run(TokenServer, DfsStrategy, int)}, each writer pausing {@code thinkMicros} between
   * its writes (the application's own work; 0: write back to back).
   */
  public static Result run(
      TokenServer server, DfsStrategy row, int writesPerNode, long thinkMicros) {
    return run(server, row, writesPerNode, thinkMicros, Duration.ZERO);
  }

  /**
   * As {@link #run(TokenServer, DfsStrategy, int, long)}, both nodes keeping every token at least
   * {@code minHold} before another node's request is served (GFS2's glock hold time; zero: served
   * as soon as the token's local holds drain).
   */
  public static Result run(
      TokenServer server, DfsStrategy row, int writesPerNode, long thinkMicros, Duration minHold) {
    return run(server, row, DfsWorld.DEFAULT_NODES, writesPerNode, thinkMicros, minHold);
  }

  /**
   * As {@link #run(TokenServer, DfsStrategy, int, long, Duration)}, with {@code nodes} writers.
   *
   * @throws IllegalArgumentException naming the value, if {@code nodes} is not a node count a
   *     cluster world supports ({@link DfsWorld#checkNodeCount}), {@code writesPerNode} is not
   *     positive, or {@code thinkMicros} or {@code minHold} is negative
   */
  public static Result run(
      TokenServer server,
      DfsStrategy row,
      int nodes,
      int writesPerNode,
      long thinkMicros,
      Duration minHold) {
    DfsWorld.checkNodeCount(nodes);
    if (writesPerNode < 1) {
      throw new IllegalArgumentException("writes per node must be positive, was " + writesPerNode);
    }
    if (thinkMicros < 0) {
      throw new IllegalArgumentException("think time must not be negative, was " + thinkMicros);
    }
    if (minHold.isNegative()) {
      throw new IllegalArgumentException("minimum hold must not be negative, was " + minHold);
    }
    Races races = Races.quiet();
    DfsWorld w = new DfsWorld(server, row, DfsRunner.Variant.AS_DESIGNED, nodes, races);
    int filePages = filePages(nodes);
    try {
      w.populate(0x11, filePages);
      w.minHold(minHold);
      w.join(server);
      long ops0 = zooKeeperOperations(w);
      long granted0 = w.ledger.granted();
      int[] last = new int[filePages];
      long[][] phase = new long[nodes][4];
      long[][] single = new long[nodes][writesPerNode];
      CountDownLatch start = new CountDownLatch(1);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread[] threads = new Thread[nodes];
      for (int n = 0; n < nodes; n++) {
        Node node = w.node(n);
        int first = n;
        int stride = nodes;
        // Node n's pages are first, first + nodes, ... below filePages.
        int own = (filePages - first + nodes - 1) / nodes;
        long[] mine = phase[n];
        long[] each = single[n];
        threads[n] =
            new Thread(
                () -> {
                  try {
                    start.await();
                    for (int i = 0; i < writesPerNode; i++) {
                      int page = first + stride * (i % own);
                      int round = i / own;
                      long t0 = System.nanoTime();
                      byte[] data = DfsWorld.page(tag(round, page), page);
                      long t1 = System.nanoTime();
                      w.write(node, page, data);
                      long t2 = System.nanoTime();
                      last[page] = tag(round, page);
                      if (thinkMicros > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(thinkMicros * 1000);
                      }
                      long t3 = System.nanoTime();
                      mine[2] += t1 - t0;
                      mine[0] += t2 - t1;
                      each[i] = t2 - t1;
                      mine[1] += t3 - t2;
                    }
                    long f0 = System.nanoTime();
                    w.fsync(node);
                    mine[3] += System.nanoTime() - f0;
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                },
                "disjoint-writer-" + node.name);
        threads[n].setDaemon(true);
        threads[n].start();
      }
      long t0 = System.nanoTime();
      start.countDown();
      for (Thread t : threads) {
        t.join(120_000);
        if (t.isAlive()) {
          throw new IllegalStateException(t.getName() + " did not finish within 120 s");
        }
      }
      long nanos = System.nanoTime() - t0;
      long callbacks = 0;
      for (Node n : w.nodes) {
        callbacks += n.callbacks();
      }
      long ops = zooKeeperOperations(w) - ops0;
      long granted = w.ledger.granted() - granted0;
      String wrong = failure.get() == null ? null : "a writer threw " + failure.get();
      for (int p = 0; wrong == null && p < filePages; p++) {
        byte[] want = DfsWorld.page(last[p] == 0 ? 0x11 : last[p], p);
        for (Node n : w.nodes) {
          byte[] got = Arrays.copyOf(n.k.io.read(w.file(n), (long) p * PAGE, PAGE), PAGE);
          if (!Arrays.equals(got, want)) {
            wrong =
                "page "
                    + p
                    + " read on "
                    + n.name
                    + " shows "
                    + DfsWorld.describe(got)
                    + ", last written "
                    + DfsWorld.describe(want);
            break;
          }
        }
      }
      if (wrong == null && !races.violations().isEmpty()) {
        wrong = races.violations().get(0).toString();
      }
      long[] sum = new long[4];
      long[] all = new long[nodes * writesPerNode];
      for (int n = 0; n < nodes; n++) {
        for (int k = 0; k < 4; k++) {
          sum[k] += phase[n][k];
        }
        System.arraycopy(single[n], 0, all, n * writesPerNode, writesPerNode);
      }
      Phases phases = new Phases(sum[0], sum[1], sum[2], sum[3]);
      return new Result(
          row,
          nodes,
          nodes * writesPerNode,
          nanos,
          callbacks,
          ops,
          granted,
          phases,
          Latency.of(all),
          minHold,
          wrong);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      for (Node n : w.nodes) {
        n.close();
      }
    }
  }

  private static long zooKeeperOperations(DfsWorld w) {
    long ops = 0;
    for (Node n : w.nodes) {
      ops += n.zooKeeperOperations();
    }
    return ops;
  }

  /** The figures as a small table, with the ratios of the last row to the first. */
  public static String table(java.util.List<Result> results) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            "%-16s %7s %8s %9s %9s %9s %8s %9s %7s%n",
            "strategy",
            "writes",
            "seconds",
            "writes/s",
            "callbacks",
            "per write",
            "ZK ops",
            "per write",
            "tokens"));
    for (Result r : results) {
      b.append(
          String.format(
              "%-16s %7d %8.2f %9.0f %9d %9.3f %8d %9.3f %7d%s%n",
              r.strategy(),
              r.writes(),
              r.seconds(),
              r.writesPerSecond(),
              r.callbacks(),
              r.callbacksPerWrite(),
              r.zooKeeperOperations(),
              r.zooKeeperOperationsPerWrite(),
              r.tokensGranted(),
              r.wrong() == null ? "" : "  WRONG: " + r.wrong()));
    }
    b.append("where the writers' time went (mean per write, us):").append(System.lineSeparator());
    for (Result r : results) {
      b.append(
          String.format("  %-16s %s%n", r.strategy(), r.phases().perWrite(r.writes(), r.nodes())));
    }
    b.append("one write's latency (us), p50 / p99 / max:").append(System.lineSeparator());
    for (Result r : results) {
      Latency l = r.latency();
      b.append(
          String.format(
              "  %-16s %.0f / %.0f / %.0f%s%n",
              r.strategy(),
              l.p50Nanos() / 1e3,
              l.p99Nanos() / 1e3,
              l.maxNanos() / 1e3,
              r.minHold().isZero()
                  ? ""
                  : "  (tokens kept at least " + r.minHold().toMillis() + " ms)"));
    }
    return b.toString();
  }
}
