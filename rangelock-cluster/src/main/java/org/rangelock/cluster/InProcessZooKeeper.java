package org.rangelock.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;

/**
 * Real ZooKeeper servers started in this JVM, for the demo, the simulator, the benchmarks and the
 * tests: curator-test's {@link TestingServer} and {@link TestingCluster}, with every port of every
 * server distinct. It needs {@code curator-test} on the class path (an optional dependency of this
 * module).
 *
 * <p>Why not {@code new TestingCluster(3)}: curator-test draws each of a server's three ports
 * (client, election, quorum) from its own short-lived socket on port 0 and closes it at once, so
 * two of them can come back equal. ZooKeeper then refuses the configuration ("Client and election
 * port must be different!"), and a test fails for a reason that has nothing to do with what it
 * tests; our CI met it once. Here all the ports of one start are drawn while every socket that drew
 * them is still open (so the kernel cannot hand one out twice), none is a port this JVM handed out
 * before, and a start that still fails to bind (another process took a port in between) is retried
 * with fresh ports.
 *
 * <p>Thread safety: the methods may be called from any thread; the port bookkeeping is
 * synchronized.
 */
public final class InProcessZooKeeper {

  /** Starts that fail on a port taken in between get this many tries in all. */
  private static final int TRIES = 5;

  /** Every port handed out by this class in this JVM; never handed out twice. */
  private static final Set<Integer> GIVEN = new HashSet<>();

  private InProcessZooKeeper() {}

  /**
   * Starts a single standalone server and returns it started.
   *
   * @return the started server; the caller closes it
   * @throws IllegalStateException if no start succeeded in five tries; the last failure is its
   *     cause
   */
  public static TestingServer server() {
    Exception last = null;
    for (int t = 0; t < TRIES; t++) {
      int[] p = freshPorts(3);
      TestingServer s = null;
      try {
        s = new TestingServer(new InstanceSpec(null, p[0], p[1], p[2], true, 1), false);
        s.start();
        return s;
      } catch (Exception e) {
        last = e;
        closeQuietly(s);
      }
    }
    throw new IllegalStateException(
        "no in-process ZooKeeper server started in " + TRIES + " tries: " + last, last);
  }

  /**
   * Starts an ensemble of {@code servers} servers and returns it started (a quorum elected or
   * electing; clients connect through {@link TestingCluster#getConnectString()}).
   *
   * @param servers the ensemble's size, 1 to 9
   * @return the started ensemble; the caller closes it
   * @throws IllegalArgumentException if {@code servers} is outside 1..9
   * @throws IllegalStateException if no start succeeded in five tries; the last failure is its
   *     cause
   */
  public static TestingCluster ensemble(int servers) {
    if (servers < 1 || servers > 9) {
      throw new IllegalArgumentException("servers must be 1..9, was " + servers);
    }
    Exception last = null;
    for (int t = 0; t < TRIES; t++) {
      int[] p = freshPorts(3 * servers);
      List<InstanceSpec> specs = new ArrayList<>(servers);
      for (int i = 0; i < servers; i++) {
        specs.add(new InstanceSpec(null, p[3 * i], p[3 * i + 1], p[3 * i + 2], true, i + 1));
      }
      TestingCluster c = null;
      try {
        c = new TestingCluster(specs);
        c.start();
        return c;
      } catch (Exception e) {
        last = e;
        closeQuietly(c);
      }
    }
    throw new IllegalStateException(
        "no in-process ZooKeeper ensemble of "
            + servers
            + " started in "
            + TRIES
            + " tries: "
            + last,
        last);
  }

  /**
   * {@code n} ports, pairwise distinct and never handed out before in this JVM: drawn from sockets
   * that all stay open until the last port is drawn.
   */
  private static synchronized int[] freshPorts(int n) {
    List<ServerSocket> open = new ArrayList<>();
    int[] ports = new int[n];
    try {
      int k = 0;
      // A port handed out before is kept open (so the kernel draws another) and skipped.
      for (int draws = 0; k < n; draws++) {
        if (draws > 100 * n) {
          throw new IllegalStateException("could not draw " + n + " fresh ports");
        }
        ServerSocket s = new ServerSocket(0);
        open.add(s);
        int port = s.getLocalPort();
        if (GIVEN.add(port)) {
          ports[k++] = port;
        }
      }
      return ports;
    } catch (IOException e) {
      throw new IllegalStateException("could not draw a free port: " + e, e);
    } finally {
      for (ServerSocket s : open) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a listening socket that never accepted: nothing to recover
        }
      }
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // a half-started server: its start failure is the one reported
      }
    }
  }
}
