package org.rangelock.bench.torture;

import java.io.PrintStream;
import java.util.Locale;
import org.rangelock.DlmMode;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.RangeLock;
import org.rangelock.ReadWriteMode;
import org.rangelock.TwoStateMode;

/**
 * {@code torture}: puts a {@link RangeLock} under every abuse at once, in the manner of the Linux
 * kernel's locktorture, and exits 0 only if nothing was violated.
 *
 * <pre>
 * java -jar rangelock-bench/target/rangelock-bench.jar torture [--threads N] [--seconds S]
 *     [--table mapping|readWrite|dlm|twoState|all] [--seed X] [--virtual]
 *     [--max-wait-seconds B] [--zones Z] [--granule BYTES]
 * </pre>
 *
 * <p>See {@link TortureRun} for what the threads do and what is checked.
 */
public final class Torture {
  private Torture() {}

  /** Parsed options. */
  static final class Options {
    int threads = 4;
    boolean threadsSet;
    int seconds = 30;
    String table = "mapping";
    long seed = System.nanoTime();
    boolean virtual;
    int maxWaitSeconds = 60;
    int zones = 0; // 0: the lock's default
    long granule = 0; // 0: the lock's default
  }

  public static int run(String[] args) {
    return run(args, System.out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("torture: " + e.getMessage());
      err.println(usage());
      return 2;
    }
    if (o == null) {
      out.println(usage());
      return 0;
    }
    if (o.virtual && !TortureRun.virtualThreadsAvailable()) {
      err.println(
          "torture: --virtual needs virtual threads (JDK 21 or later); this JVM is Java "
              + System.getProperty("java.version")
              + " at "
              + System.getProperty("java.home")
              + ". Run the same jar with a JDK 21+ java, or drop --virtual.");
      return 2;
    }
    if (o.virtual && !o.threadsSet) {
      o.threads = 2000;
    }
    String[] tables =
        o.table.equals("all")
            ? new String[] {"mapping", "readWrite", "dlm", "twoState"}
            : new String[] {o.table};
    int status = 0;
    for (String t : tables) {
      TortureRun.Result r = runTable(t, o, out);
      if (!r.passed()) {
        status = 1;
      }
    }
    // The adversarial section (issue 10): crafted inputs rather than load; a third of the time.
    try {
      long millis = Math.min(o.seconds * 1000L / 3, 60_000);
      if (!new Adversary(o.seed, millis, o.threads).run(out).isEmpty()) {
        status = 1;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = 1;
    }
    return status;
  }

  private static TortureRun.Result runTable(String table, Options o, PrintStream out) {
    switch (table) {
      case "mapping":
        return start(ModeTable.mapping(), table, o, out);
      case "readWrite":
        return start(ModeTable.readWrite(), table, o, out);
      case "dlm":
        return start(ModeTable.dlm(), table, o, out);
      default:
        return start(ModeTable.twoState(), table, o, out);
    }
  }

  private static <M extends Enum<M>> TortureRun.Result start(
      ModeTable<M> table, String name, Options o, PrintStream out) {
    // Hold times feed the leak check (see TortureRun).
    RangeLock.Builder<M> b = RangeLock.builder(table).recordHoldTimes(true);
    if (o.zones != 0) {
      b.zones(o.zones);
    }
    if (o.granule != 0) {
      b.granule(o.granule);
    }
    RangeLock<M> lock = b.build();
    out.printf(
        Locale.ROOT,
        "torture: table=%s threads=%d%s seconds=%d seed=%d max-wait=%ds lock=%s java=%s%n",
        name,
        o.threads,
        o.virtual ? " (virtual)" : "",
        o.seconds,
        o.seed,
        o.maxWaitSeconds,
        lock,
        System.getProperty("java.version"));
    TortureRun<M> run =
        new TortureRun<>(
            table,
            TortureTarget.of(lock),
            o.threads,
            o.virtual,
            o.seconds * 1000L,
            o.seed,
            o.maxWaitSeconds);
    TortureRun.Result r = run.run(out);
    out.println();
    return r;
  }

  static Options parse(String[] args) {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "-h":
        case "--help":
          return null;
        case "--virtual":
          o.virtual = true;
          break;
        case "--threads":
          o.threads = positive(a, value(args, ++i, a), 1_000_000);
          o.threadsSet = true;
          break;
        case "--seconds":
          o.seconds = positive(a, value(args, ++i, a), 7 * 24 * 3600);
          break;
        case "--max-wait-seconds":
          o.maxWaitSeconds = positive(a, value(args, ++i, a), 24 * 3600);
          break;
        case "--zones":
          o.zones = positive(a, value(args, ++i, a), 1024);
          RangeLock.builder(ModeTable.readWrite()).zones(o.zones); // the lock's own check
          break;
        case "--granule":
          o.granule = positive(a, value(args, ++i, a), 1 << 30);
          RangeLock.builder(ModeTable.readWrite()).granule(o.granule); // the lock's own check
          break;
        case "--seed":
          String s = value(args, ++i, a);
          try {
            o.seed = Long.parseLong(s);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed needs a number, got '" + s + "'");
          }
          break;
        case "--table":
          String t = value(args, ++i, a);
          if (!t.matches("mapping|readWrite|dlm|twoState|all")) {
            throw new IllegalArgumentException(
                "--table must be mapping, readWrite, dlm, twoState or all; got '" + t + "'");
          }
          o.table = t;
          break;
        default:
          throw new IllegalArgumentException("unknown option '" + a + "'");
      }
    }
    return o;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static int positive(String option, String v, int max) {
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " needs a whole number, got '" + v + "'");
    }
    if (n < 1 || n > max) {
      throw new IllegalArgumentException(option + " must be 1.." + max + ", got " + n);
    }
    return n;
  }

  static String usage() {
    return "usage: torture [--threads N] [--seconds S] [--table mapping|readWrite|dlm|twoState|all]"
        + " [--seed X] [--virtual] [--max-wait-seconds B] [--zones Z] [--granule BYTES]\n"
        + "  threads acquire random ranges in random modes through every entry point while a"
        + " disturber\n  interrupts, cancels and times out; exit 0 only if no conflict coexisted,"
        + " nothing leaked,\n  no double close passed silently and no waiter was stuck past B"
        + " seconds (default 60).\n  --threads defaults to 4 (2000 with --virtual, JDK 21+);"
        + " --seconds (default 30) is per table,\n  so --table all runs four times as long;"
        + " --seed (default: the clock) is printed, for replays;\n  --zones and --granule set the"
        + " lock's layout (default 16 zones of 64 KiB granules): --zones 1\n  puts everything in"
        + " one tree, --granule 4096 spreads each request over several zones.";
  }

  // Referenced so the shipped mode enums are all named in one place for readers.
  static final Class<?>[] TABLE_MODES = {
    MappingMode.class, ReadWriteMode.class, DlmMode.class, TwoStateMode.class
  };
}
