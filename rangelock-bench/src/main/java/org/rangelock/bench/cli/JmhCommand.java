package org.rangelock.bench.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code jmh [JMH arguments]}: JMH's own command line, unchanged ({@code jmh -h} for its options,
 * {@code jmh -l} to list the benchmarks). A benchmark regex must now follow the word {@code jmh},
 * so a mistyped command is an error instead of a JMH pattern that matches nothing.
 */
@Command(
    name = "jmh",
    description = {
      "Run JMH with these arguments (jmh -h for JMH's options, jmh -l for the benchmarks).",
      "Example: jmh -f 1 -wi 2 -i 3 -t 2 DisjointBench"
    })
public final class JmhCommand implements Callable<Integer> {
  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    // JMH's Main exits the JVM itself on a usage error and after a run.
    org.openjdk.jmh.Main.main(args.toArray(new String[0]));
    return 0;
  }
}
