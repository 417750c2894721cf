package org.rangelock.bench;

/**
 * The one entry point of {@code rangelock-bench.jar}: JMH by default, {@code jcstress}, {@code
 * report} and {@code torture} as subcommands.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && (args[0].equals("-h") || args[0].equals("--help"))) {
      System.out.println(
          "usage: java -jar rangelock-bench.jar [JMH args]      run JMH benchmarks\n"
              + "       java -jar rangelock-bench.jar jcstress [jcstress args]\n"
              + "       java -jar rangelock-bench.jar report --quick|--full [--out DIR]"
              + "   JMH suite -> bench-results/<date>/ (json, md, png)\n"
              + "       java -jar rangelock-bench.jar torture [options]");
      return;
    }
    if (args.length > 0 && args[0].equals("torture")) {
      System.exit(
          org.rangelock.bench.torture.Torture.run(
              java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length > 0 && args[0].equals("report")) {
      System.exit(
          org.rangelock.bench.report.Report.run(
              java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length > 0 && args[0].equals("jcstress")) {
      org.openjdk.jcstress.Main.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    org.openjdk.jmh.Main.main(args);
  }
}
