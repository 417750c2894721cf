package org.rangelock.sim.cli;

import java.util.Arrays;

/**
 * The entry point of {@code rangelock-sim.jar}: {@code cases} (the default) prints the
 * strategies-by-cases matrix; {@code fsx} replays an fsx operation log.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "cases" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    int status;
    switch (command) {
      case "cases":
        status = CasesCommand.run(rest);
        break;
      case "fsx":
        status = FsxCommand.run(rest);
        break;
      case "-h":
      case "--help":
      case "help":
        System.out.println(
            "usage: java -jar rangelock-sim.jar [cases [options]]   the seven-case report (default)\n"
                + "       java -jar rangelock-sim.jar fsx --ops FILE --pattern FILE --out FILE"
                + " [--expect FILE] [--direct] [--background]\n"
                + "run a command with --help for its options");
        status = 0;
        break;
      default:
        // No command word: the arguments are options of the default command.
        status = command.startsWith("--") ? CasesCommand.run(args) : usage(command);
    }
    System.exit(status);
  }

  private static int usage(String command) {
    System.err.println("unknown command '" + command + "'; try --help");
    return 2;
  }
}
