package org.rangelock.bench.report;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import org.openjdk.jmh.runner.RunnerException;
import org.rangelock.bench.cli.JarVersion;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code report --quick|--full|--smoke [--out DIR] [--quiet]}: the JMH suite with every lock side
 * by side, written to a new directory {@code DIR/<UTC date and time>/} (never over an earlier
 * report). The output directory is created and checked before the first benchmark starts.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    versionProvider = JarVersion.class,
    sortOptions = false,
    description = {
      "Run the JMH suite with every lock side by side and write results.json, results.md,"
          + " killer-waits.csv, jmh.log and charts to a new directory DIR/<yyyy-MM-dd'T'HHmmss'Z'>/.",
      "Prints one progress line per JMH run with the time left (unless --quiet or not a"
          + " terminal); JMH's own output goes to jmh.log in that directory."
    })
public final class ReportCommand implements Callable<Integer> {
  static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmss'Z'");

  @Spec CommandSpec spec;

  @ArgGroup(multiplicity = "1")
  Profile profile;

  /** Exactly one profile. */
  static final class Profile {
    @Option(
        names = "--quick",
        required = true,
        description = "1 fork, 2 x 0.5 s warmup, 3 x 1 s measurement (${rangelock.plan.quick}).")
    boolean quick;

    @Option(
        names = "--full",
        required = true,
        description = "2 forks, 5 x 2 s warmup, 10 x 2 s measurement (${rangelock.plan.full}).")
    boolean full;

    @Option(
        names = "--smoke",
        required = true,
        description = "The pipeline only, numbers meaningless (${rangelock.plan.smoke}).")
    boolean smoke;

    String name() {
      return full ? "full" : smoke ? "smoke" : "quick";
    }
  }

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "bench-results",
      description = "Where the run's directory is created (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress lines (they are off anyway when output is not a terminal).")
  boolean quiet;

  static {
    // The plan's size and duration in --help, computed from the plan itself.
    for (String p : new String[] {"quick", "full", "smoke"}) {
      System.setProperty("rangelock.plan." + p, Report.planSummary(p));
    }
  }

  @Override
  public Integer call() throws Exception {
    Path dir = prepare();
    try {
      return Report.run(
          new Report.Settings(profile.name(), dir, !quiet && System.console() != null), System.out);
    } catch (RunnerException e) {
      // JMH's own refusals (another JMH holds /tmp/jmh.lock, a benchmark failed): its message
      // says what happened; the partial report stays in the directory for a look.
      System.err.println("report: JMH stopped: " + e.getMessage());
      System.err.println("report: partial output in " + dir);
      return 1;
    }
  }

  /** Creates the run's directory, or says why not, before any benchmark runs. */
  private Path prepare() {
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '--out': " + out + " is not a directory");
    }
    String stamp = LocalDateTime.now(ZoneOffset.UTC).format(STAMP);
    try {
      Files.createDirectories(out);
      Path dir = out.resolve(stamp);
      for (int i = 2; ; i++) {
        try {
          return Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
          dir = out.resolve(stamp + "-" + i); // two reports in one second
        }
      }
    } catch (IOException | SecurityException e) {
      throw new ParameterException(
          spec.commandLine(),
          "Invalid value for option '--out': " + out + ": cannot write (" + e + ")");
    }
  }
}
