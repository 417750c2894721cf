package org.rangelock.cluster;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.curator.test.TestingCluster;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line of {@code rangelock-cluster.jar}: {@code demo} starts a 3-server ZooKeeper
 * ensemble in this JVM (real servers, from curator-test) or uses the one given with {@code
 * --connect}, and N nodes contending on one file with the mapping table; it prints grants,
 * revocations and fences as they happen, then a summary, checks its own history and exits 0 only if
 * nothing was violated (1 otherwise, 2 on a bad command line).
 */
@Command(
    name = "rangelock-cluster",
    mixinStandardHelpOptions = true,
    version = "rangelock-cluster 0.1.0-SNAPSHOT",
    description = "Range tokens across JVMs on ZooKeeper.",
    subcommands = {ClusterDemo.Demo.class})
public final class ClusterDemo implements Callable<Integer> {

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 2;
  }

  /**
   * Runs the command line and exits the JVM with its exit code: 0 when the demo found no violation,
   * 1 when it found one or failed (the failure printed as one line), 2 for a bad option or no
   * subcommand (the usage printed).
   *
   * @param args the command line: {@code demo} and its options, or {@code --help}/{@code --version}
   */
  public static void main(String[] args) {
    // Keep ZooKeeper's and Curator's logging to warnings unless asked otherwise.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
      // The in-process servers complain loudly about being shut down at the end.
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper.server", "off");
      // Clients connecting while the in-process ensemble still elects its leader warn once each.
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper.ClientCnxn", "error");
    }
    System.exit(commandLine().execute(args));
  }

  /** The command line, with failures reported as one line (exit 1) instead of a stack trace. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new ClusterDemo());
    cl.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          line.getErr().println("rangelock-cluster: " + e);
          return 1;
        });
    return cl;
  }

  @Command(
      name = "demo",
      mixinStandardHelpOptions = true,
      version = "rangelock-cluster 0.1.0-SNAPSHOT",
      description =
          "N nodes contend on one file for S seconds; checks the history and exits 0 only if"
              + " nothing was violated.")
  static final class Demo implements Callable<Integer> {
    private static final java.util.regex.Pattern CONNECT =
        java.util.regex.Pattern.compile("[^,:/\\s]+:\\d{1,5}(,[^,:/\\s]+:\\d{1,5})*(/\\S*)?");

    @Option(
        names = "--nodes",
        defaultValue = "3",
        description = "nodes (ZooKeeper sessions), 1 to 16 (default ${DEFAULT-VALUE})")
    int nodes;

    @Option(
        names = "--seconds",
        defaultValue = "10",
        description = "how long they contend, 1 to 3600 (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(
        names = "--threads",
        defaultValue = "2",
        description = "threads per node, 1 to 64 (default ${DEFAULT-VALUE})")
    int threads;

    @Option(
        names = "--connect",
        description = "host:port,... of a running ensemble (default: start 3 servers in-process)")
    String connect;

    @Option(names = "--quiet", description = "print only the summary")
    boolean quiet;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      check(nodes, 1, 16, "--nodes");
      check(seconds, 1, 3600, "--seconds");
      check(threads, 1, 64, "--threads");
      if (connect != null && !CONNECT.matcher(connect).matches()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "Invalid value for option '--connect': \""
                + connect
                + "\" is not host:port[,host:port...][/chroot]");
      }
      PrintStream out = System.out;
      TestingCluster ensemble = null;
      String where = connect;
      if (where == null) {
        ensemble = InProcessZooKeeper.ensemble(3);
        where = ensemble.getConnectString();
        out.println("started a 3-server ZooKeeper ensemble in-process: " + where);
      }
      ModeTable<MappingMode> table = ModeTable.mapping();
      String path = "/rangelock-demo/file-" + ProcessHandle.current().pid();
      try {
        ContentionRun<MappingMode> run =
            new ContentionRun<>(
                where, path, table, nodes, threads, 16, Duration.ofSeconds(10), quiet ? null : out);
        List<String> v;
        try {
          run.run(Duration.ofSeconds(seconds), System.nanoTime());
          v = run.violations();
        } finally {
          run.close();
        }
        out.printf(
            "%nsummary: %d nodes x %d threads, %d s, %d holds granted, %d tokens granted,"
                + " %d revocations, %d ZooKeeper operations (%.3f per hold), %d timed out (2 s),"
                + " %d violations%n",
            nodes,
            threads,
            seconds,
            run.history().holdCount(),
            run.history().tokenGrants(),
            run.history().revocations(),
            run.zooKeeperOperations(),
            run.zooKeeperOperations() / (double) Math.max(1, run.history().holdCount()),
            run.timeouts(),
            v.size());
        v.stream().limit(20).forEach(s -> out.println("VIOLATION " + s));
        return v.isEmpty() ? 0 : 1;
      } finally {
        if (ensemble != null) {
          ensemble.close();
        }
      }
    }

    private void check(int value, int min, int max, String option) {
      if (value < min || value > max) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "Invalid value for option '"
                + option
                + "': "
                + value
                + " is not between "
                + min
                + " and "
                + max);
      }
    }
  }
}
