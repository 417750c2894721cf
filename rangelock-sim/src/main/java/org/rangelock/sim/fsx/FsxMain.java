package org.rangelock.sim.fsx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.rangelock.sim.exclusion.Strategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fsx --ops FILE --pattern FILE --out FILE [--expect FILE] [--direct] [--background]
 * [--strategy S]}: replays a log, writes the final bytes, and with {@code --expect} compares them,
 * exiting 1 with the first differing offset, the log line that last wrote it and the expected byte
 * (2 on a usage error, before anything is replayed).
 */
@Command(
    name = "fsx",
    mixinStandardHelpOptions = true,
    versionProvider = org.rangelock.sim.cli.Main.Version.class,
    sortOptions = false,
    description = {
      "Replay an fsx operation log (xfstests' file-system exerciser) on the simulated machine,"
          + " write the file's final bytes, and with --expect compare them with what the real"
          + " kernel produced (through the cache and on disk)."
    })
public final class FsxMain implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--ops", required = true, paramLabel = "FILE", description = "The fsx log.")
  Path ops;

  @Option(
      names = "--pattern",
      required = true,
      paramLabel = "FILE",
      description = "The write pattern fsx used (e.g. pattern.seed7.bin).")
  Path pattern;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "FILE",
      description = "Where the final bytes are written (checked before the replay).")
  Path out;

  @Option(
      names = "--expect",
      paramLabel = "FILE",
      description = "The real kernel's final file; exit 1 at the first difference.")
  Path expect;

  @Option(names = "--direct", description = "Reads and writes as direct IO.")
  boolean direct;

  @Option(names = "--background", description = "Background writeback and reclaim while replaying.")
  boolean background;

  @Option(
      names = "--pollute-eof",
      description =
          "Before every operation that may grow the file, store garbage past EOF through a mapping"
              + " (fsx -e 1, xfstests generic/363): it must never become file data.")
  boolean polluteEof;

  @Option(
      names = "--strategy",
      paramLabel = "NAME",
      defaultValue = "RANGE_LOCK",
      description =
          "Exclusion strategy, any case: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  Strategy strategy;

  @Override
  public Integer call() throws IOException {
    for (Object[] f :
        new Object[][] {{"--ops", ops}, {"--pattern", pattern}, {"--expect", expect}}) {
      Path p = (Path) f[1];
      if (p != null && !Files.isRegularFile(p)) {
        throw new ParameterException(
            spec.commandLine(), "Invalid value for option '" + f[0] + "': no such file: " + p);
      }
    }
    Path dir = out.toAbsolutePath().getParent();
    if (Files.isDirectory(out)
        || dir == null
        || !Files.isDirectory(dir)
        || !Files.isWritable(dir)) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '--out': cannot write " + out);
    }
    List<FsxOp> log = FsxOp.parse(ops);
    long t0 = System.nanoTime();
    FsxReplay.Result r =
        FsxReplay.replay(
            log,
            Files.readAllBytes(pattern),
            new FsxReplay.Options(direct, background, strategy, polluteEof));
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
}
