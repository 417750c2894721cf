package org.rangelock.bench.torture;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.rangelock.ModeTable;
import org.rangelock.RangeLock;
import org.rangelock.bench.cli.JarVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code torture}: puts a {@link RangeLock} under every abuse at once, in the manner of the Linux
 * kernel's locktorture, and exits 0 only if nothing was violated (1 if something was, 2 on a usage
 * error).
 *
 * <pre>
 * java -jar rangelock-bench/target/rangelock-bench.jar torture [--threads N] [--seconds S]
 *     [--table mapping|readWrite|dlm|twoState|all] [--seed X] [--virtual]
 *     [--max-wait-seconds B] [--zones Z] [--granule BYTES] [--quiet]
 * </pre>
 *
 * <p>While it runs it prints a progress line every few seconds (acquisitions so far, their rate,
 * violations so far) when its output is a terminal, unless {@code --quiet}. See {@link TortureRun}
 * for what the threads do and what is checked.
 */
@Command(
    name = "torture",
    mixinStandardHelpOptions = true,
    versionProvider = JarVersion.class,
    sortOptions = false,
    description = {
      "Threads acquire random ranges in random modes through every entry point while a disturber"
          + " interrupts, cancels and times out. Exit 0 only if no conflict coexisted, nothing"
          + " leaked, no double close passed silently and no waiter was stuck past"
          + " --max-wait-seconds; 1 otherwise; 2 on a usage error."
    })
public final class Torture implements Callable<Integer> {
  /** The shipped mode tables, by the name the command line takes. */
  enum Table {
    mapping,
    readWrite,
    dlm,
    twoState,
    all
  }

  @Spec CommandSpec spec;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Worker threads (default 4; 2000 with --virtual).")
  Integer threads;

  @Option(
      names = "--seconds",
      paramLabel = "S",
      defaultValue = "30",
      description = "Run time per table (default ${DEFAULT-VALUE}); --table all runs four tables.")
  int seconds;

  @Option(
      names = "--table",
      paramLabel = "TABLE",
      defaultValue = "mapping",
      description = "Mode table, any case: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  Table table;

  @Option(
      names = "--seed",
      paramLabel = "X",
      description = "Random seed (default: the clock); printed, for replays.")
  Long seed;

  @Option(names = "--virtual", description = "Virtual worker threads (JDK 21 or later).")
  boolean virtual;

  @Option(
      names = "--max-wait-seconds",
      paramLabel = "B",
      defaultValue = "60",
      description = "A waiter stuck longer is a violation (default ${DEFAULT-VALUE}).")
  int maxWaitSeconds;

  @Option(
      names = "--zones",
      paramLabel = "Z",
      description = "The lock's zone count (default: the lock's, 16); 1 puts all in one tree.")
  Integer zones;

  @Option(
      names = "--granule",
      paramLabel = "BYTES",
      description =
          "The lock's granule (default: the lock's, 64 KiB); 4096 spreads requests over zones.")
  Long granule;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress lines (they are off anyway when output is not a terminal).")
  boolean quiet;

  /** Seconds between progress lines. */
  static final int PROGRESS_SECONDS = 5;

  @Override
  public Integer call() {
    validate();
    PrintStream out = System.out;
    int n = threads != null ? threads : virtual ? 2000 : 4;
    long s = seed != null ? seed : System.nanoTime();
    boolean progress = !quiet && System.console() != null;
    Table[] tables =
        table == Table.all
            ? new Table[] {Table.mapping, Table.readWrite, Table.dlm, Table.twoState}
            : new Table[] {table};
    int status = 0;
    for (Table t : tables) {
      TortureRun.Result r = runTable(t, n, s, progress, out);
      if (!r.passed()) {
        status = 1;
      }
    }
    // The adversarial section (issue 10): crafted inputs rather than load; a third of the time.
    try {
      long millis = Math.min(seconds * 1000L / 3, 60_000);
      if (!new Adversary(s, millis, n).run(out).isEmpty()) {
        status = 1;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = 1;
    }
    return status;
  }

  /** Every option checked before any thread starts; errors name the option and the value. */
  private void validate() {
    range("--threads", threads == null ? 1 : threads, 1, 1_000_000);
    range("--seconds", seconds, 1, 7 * 24 * 3600);
    range("--max-wait-seconds", maxWaitSeconds, 1, 24 * 3600);
    if (zones != null) {
      range("--zones", zones, 1, 1024);
      try {
        RangeLock.builder(ModeTable.readWrite()).zones(zones); // the lock's own check
      } catch (IllegalArgumentException e) {
        throw new ParameterException(
            spec.commandLine(), "--zones " + zones + ": " + e.getMessage());
      }
    }
    if (granule != null) {
      range("--granule", granule, 1, 1 << 30);
      try {
        RangeLock.builder(ModeTable.readWrite()).granule(granule); // the lock's own check
      } catch (IllegalArgumentException e) {
        throw new ParameterException(
            spec.commandLine(), "--granule " + granule + ": " + e.getMessage());
      }
    }
    if (virtual && !TortureRun.virtualThreadsAvailable()) {
      throw new ParameterException(
          spec.commandLine(),
          "--virtual needs virtual threads (JDK 21 or later); this JVM is Java "
              + System.getProperty("java.version")
              + " at "
              + System.getProperty("java.home")
              + ". Run the same jar with a JDK 21+ java, or drop --virtual.");
    }
  }

  private void range(String option, long v, long min, long max) {
    if (v < min || v > max) {
      throw new ParameterException(
          spec.commandLine(),
          "Invalid value for option '" + option + "': " + v + " is not in " + min + ".." + max);
    }
  }

  private TortureRun.Result runTable(
      Table table, int n, long s, boolean progress, PrintStream out) {
    switch (table) {
      case mapping:
        return start(ModeTable.mapping(), table, n, s, progress, out);
      case readWrite:
        return start(ModeTable.readWrite(), table, n, s, progress, out);
      case dlm:
        return start(ModeTable.dlm(), table, n, s, progress, out);
      default:
        return start(ModeTable.twoState(), table, n, s, progress, out);
    }
  }

  private <M extends Enum<M>> TortureRun.Result start(
      ModeTable<M> modes, Table name, int n, long s, boolean progress, PrintStream out) {
    // Hold times feed the leak check (see TortureRun).
    RangeLock.Builder<M> b = RangeLock.builder(modes).recordHoldTimes(true);
    if (zones != null) {
      b.zones(zones);
    }
    if (granule != null) {
      b.granule(granule);
    }
    RangeLock<M> lock = b.build();
    out.printf(
        Locale.ROOT,
        "torture: table=%s threads=%d%s seconds=%d seed=%d max-wait=%ds lock=%s java=%s%n",
        name,
        n,
        virtual ? " (virtual)" : "",
        seconds,
        s,
        maxWaitSeconds,
        lock,
        System.getProperty("java.version"));
    TortureRun<M> run =
        new TortureRun<>(
            modes, TortureTarget.of(lock), n, virtual, seconds * 1000L, s, maxWaitSeconds);
    Thread ticker = progress ? progressLines(run, out) : null;
    TortureRun.Result r;
    try {
      r = run.run(out);
    } finally {
      if (ticker != null) {
        ticker.interrupt();
      }
    }
    out.println();
    return r;
  }

  /**
   * A daemon that prints, every {@value #PROGRESS_SECONDS} s, the time left, the acquisitions so
   * far and their rate over the last interval, and the violations so far.
   */
  private Thread progressLines(TortureRun<?> run, PrintStream out) {
    Thread t =
        new Thread(
            () -> {
              long t0 = System.nanoTime();
              long lastAcq = 0;
              long lastT = t0;
              try {
                while (true) {
                  TimeUnit.SECONDS.sleep(PROGRESS_SECONDS);
                  long now = System.nanoTime();
                  long acq = run.acquisitionsSoFar();
                  double rate = (acq - lastAcq) / ((now - lastT) / 1e9);
                  long elapsed = TimeUnit.NANOSECONDS.toSeconds(now - t0);
                  out.printf(
                      Locale.ROOT,
                      "  %3d/%d s  %,d acquisitions  %,.0f/s  violations %d%n",
                      elapsed,
                      seconds,
                      acq,
                      rate,
                      run.violationsSoFar());
                  lastAcq = acq;
                  lastT = now;
                }
              } catch (InterruptedException e) {
                // the run is over
              }
            },
            "torture-progress");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
