package org.rangelock.sim.fsx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.rangelock.sim.exclusion.Strategy;

/**
 * {@code fsx --ops FILE --pattern FILE --out FILE [--expect FILE] [--direct] [--background]
 * [--strategy S]}: replays a log, writes the final bytes, and with {@code --expect} compares them,
 * exiting 1 with the first differing offset, the log line that last wrote it and the expected byte.
 */
public final class FsxMain {
  private FsxMain() {}

  public static int run(String[] args) throws IOException {
    Path ops = null;
    Path pattern = null;
    Path out = null;
    Path expect = null;
    boolean direct = false;
    boolean background = false;
    Strategy strategy = Strategy.RANGE_LOCK;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--ops":
          ops = Path.of(value(args, ++i, a));
          break;
        case "--pattern":
          pattern = Path.of(value(args, ++i, a));
          break;
        case "--out":
          out = Path.of(value(args, ++i, a));
          break;
        case "--expect":
          expect = Path.of(value(args, ++i, a));
          break;
        case "--direct":
          direct = true;
          break;
        case "--background":
          background = true;
          break;
        case "--strategy":
          strategy = Strategy.valueOf(value(args, ++i, a));
          break;
        case "-h":
        case "--help":
          System.out.println(
              "usage: fsx --ops FILE --pattern FILE --out FILE [--expect FILE] [--direct]"
                  + " [--background] [--strategy NONE|LEGACY|INVALIDATE_LOCK|TWO_STATE|RANGE_LOCK]");
          return 0;
        default:
          System.err.println("fsx: unknown option '" + a + "'");
          return 2;
      }
    }
    if (ops == null || pattern == null || out == null) {
      System.err.println("fsx: --ops, --pattern and --out are required");
      return 2;
    }
    List<FsxOp> log = FsxOp.parse(ops);
    long t0 = System.nanoTime();
    FsxReplay.Result r =
        FsxReplay.replay(
            log, Files.readAllBytes(pattern), new FsxReplay.Options(direct, background, strategy));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    Files.write(out, r.cached());
    System.out.printf(
        "fsx: %d operations replayed (%s%s, %s), %d reads checked, final size %d, %d ms%n",
        r.ops(),
        direct ? "direct" : "buffered",
        background ? " + background" : "",
        strategy,
        r.readsChecked(),
        r.cached().length,
        ms);
    int status = 0;
    for (String p : r.problems()) {
      System.out.println("fsx: " + p);
      status = 1;
    }
    if (expect != null) {
      byte[] want = Files.readAllBytes(expect);
      String diff = firstDifference(r, want);
      if (diff != null) {
        System.out.println("fsx: differs from " + expect + ": " + diff);
        status = 1;
      } else {
        System.out.println(
            "fsx: matches " + expect + " (" + want.length + " bytes), cache and disk");
      }
    }
    return status;
  }

  static String firstDifference(FsxReplay.Result r, byte[] want) {
    for (byte[] got : new byte[][] {r.cached(), r.disk()}) {
      String where = got == r.cached() ? "through the cache" : "on disk";
      int n = Math.min(got.length, want.length);
      for (int i = 0; i < n; i++) {
        if (got[i] != want[i]) {
          return String.format(
              "%s, offset 0x%x: got 0x%02x, expected 0x%02x; last %s",
              where, i, got[i] & 0xff, want[i] & 0xff, r.cause(i));
        }
      }
      if (got.length != want.length) {
        return where + ": size " + got.length + ", expected " + want.length;
      }
    }
    return null;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }
}
