package org.rangelock.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code rangelock-bench.jar} in a child JVM, as a user runs it: help, version, usage
 * errors (exit 2, naming the option and the value), the jcstress command reaching its own jar, and
 * a torture run whose exit status is the verdict.
 */
class JarIT {
  private static final Path JAR = Path.of(System.getProperty("jar.path"));

  @TempDir Path dir;

  private record Run(int status, String output) {}

  private static Run run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(JAR.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "watchdog: the jar did not exit");
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  @Test
  void noArgumentsPrintsHelpInsteadOfRunningEveryBenchmark() throws Exception {
    Run r = run();
    assertEquals(0, r.status(), r.output());
    assertTrue(r.output().startsWith("Usage: java -jar rangelock-bench.jar"), r.output());
    assertFalse(r.output().contains("# JMH"), r.output());
  }

  @Test
  void versionNamesTheJarAndTheJvm() throws Exception {
    Run r = run("--version");
    assertEquals(0, r.status(), r.output());
    assertTrue(
        r.output().contains("rangelock-bench 0.") && r.output().contains("JVM:"), r.output());
  }

  @Test
  void everyCommandHasHelp() throws Exception {
    for (String c : new String[] {"report", "torture"}) {
      Run r = run(c, "--help");
      assertEquals(0, r.status(), c + ": " + r.output());
      assertTrue(r.output().startsWith("Usage: java -jar rangelock-bench.jar " + c), r.output());
    }
  }

  @Test
  void usageErrorsNameTheOptionAndValueAndExit2() throws Exception {
    Run r = run("report", "--quick", "--out");
    assertEquals(2, r.status(), r.output());
    assertTrue(r.output().contains("'--out'"), r.output());
    assertFalse(r.output().contains("Exception"), r.output());

    r = run("torture", "--table", "nosuch");
    assertEquals(2, r.status(), r.output());
    assertTrue(r.output().contains("'--table'") && r.output().contains("'nosuch'"), r.output());
    assertTrue(r.output().contains("mapping, readWrite, dlm, twoState, all"), r.output());

    r = run("torture", "--threads", "0");
    assertEquals(2, r.status(), r.output());
    assertTrue(r.output().contains("'--threads'") && r.output().contains("0"), r.output());

    r = run("hepl");
    assertEquals(2, r.status(), r.output());
    assertTrue(r.output().contains("'hepl'"), r.output());

    r = run("report");
    assertEquals(2, r.status(), r.output());
    assertTrue(r.output().contains("--quick"), r.output());
  }

  @Test
  void reportRefusesAnOutputThatIsAFileBeforeRunningAnything() throws Exception {
    Path file = Files.writeString(dir.resolve("f"), "x");
    Run r = run("report", "--smoke", "--out", file.toString());
    assertEquals(2, r.status(), r.output());
    assertTrue(r.output().contains("is not a directory"), r.output());
    assertFalse(r.output().contains("report (smoke)"), "no benchmark may start: " + r.output());
  }

  @Test
  void tableNamesAreCaseInsensitiveAndTortureExitsWithItsVerdict() throws Exception {
    Run r = run("torture", "--table", "READWRITE", "--seconds", "2", "--threads", "2");
    assertEquals(0, r.status(), r.output());
    assertTrue(r.output().contains("table=readWrite") && r.output().contains("RESULT: PASS"));
  }

  @Test
  void jcstressRunsFromItsOwnJar() throws Exception {
    Run r = run("jcstress", "-h");
    // The status is jcstress's own, passed on: 0.16 exits 1 after printing its help.
    assertEquals(1, r.status(), r.output());
    assertFalse(r.output().contains("Exception"), r.output());
    assertTrue(r.output().contains("Rev: jcstress-core"), r.output());
  }
}
