package org.rangelock.bench;

import java.util.concurrent.Callable;
import org.rangelock.bench.cli.JarVersion;
import org.rangelock.bench.cli.JcstressCommand;
import org.rangelock.bench.cli.JmhCommand;
import org.rangelock.bench.report.ReportCommand;
import org.rangelock.bench.torture.Torture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The entry point of {@code rangelock-bench.jar}: {@code report}, {@code torture}, {@code jmh} and
 * {@code jcstress}. Without arguments it prints its help, so that no one starts every benchmark at
 * JMH's defaults (about 15 hours) by accident.
 */
@Command(
    name = "java -jar rangelock-bench.jar",
    mixinStandardHelpOptions = true,
    versionProvider = JarVersion.class,
    description = "Benchmarks, charts and torture for rangelock.",
    subcommands = {
      ReportCommand.class,
      Torture.class,
      JmhCommand.class,
      JcstressCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Run a command with --help for its options; jmh and jcstress pass their arguments to the"
          + " harness (jmh -h, jcstress -h)."
    })
public final class Main implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** No command: the help, not a 15-hour JMH run. */
  @Override
  public Integer call() {
    spec.commandLine().usage(System.out);
    return 0;
  }

  /** The command line with the settings every command shares. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
