package org.rangelock.sim.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.rangelock.sim.fsx.FsxMain;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The entry point of {@code rangelock-sim.jar}: {@code cases} (the default) prints the
 * strategies-by-cases matrix; {@code fsx} replays an fsx operation log. Exit status: 0 success, 1 a
 * violation or mismatch found (see each command), 2 a usage error.
 */
@Command(
    name = "java -jar rangelock-sim.jar",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "A simulated kernel slice where the 2012 page-cache races are real.",
    subcommands = {CasesCommand.class, FsxMain.class, CommandLine.HelpCommand.class},
    footer = {
      "",
      "Without a command, options are those of cases (the default command).",
      "Run a command with --help for its options."
    })
public final class Main implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(System.out);
    return 0;
  }

  /** {@code --version}: the jar's version from its manifest and the JVM that runs it. */
  public static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "rangelock-sim " + (v == null ? "(not from the packaged jar)" : v),
        "JVM: "
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
      };
    }
  }

  /** The command line with the settings every command shares. */
  static CommandLine commandLine() {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  /** Runs the command line and returns its exit status; no arguments runs {@code cases}. */
  public static int run(String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    boolean noCommand =
        a.isEmpty()
            || (a.get(0).startsWith("--")
                && !a.get(0).equals("--help")
                && !a.get(0).equals("--version"));
    if (noCommand) {
      a.add(0, "cases");
    }
    return commandLine().execute(a.toArray(new String[0]));
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }
}
