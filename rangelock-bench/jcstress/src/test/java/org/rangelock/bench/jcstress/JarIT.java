package org.rangelock.bench.jcstress;

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

/**
 * The packaged {@code rangelock-jcstress.jar}, run in a child JVM exactly as a user runs it. Its
 * usage text is where jcstress 0.16 died with {@code NoSuchMethodError} when it shared a jar (and
 * so a jopt-simple) with JMH.
 */
class JarIT {
  private static final Path JAR = Path.of(System.getProperty("jar.path"));

  private record Run(int status, String output) {}

  private static Run run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(JAR.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "watchdog: jar did not exit");
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  @Test
  void helpPrintsUsageAndTheRealRevision() throws Exception {
    assertTrue(Files.isRegularFile(JAR), JAR + " was not built");
    Run r = run("-h");
    assertFalse(r.output().contains("Exception"), r.output());
    assertTrue(r.output().contains("-m <mode>") || r.output().contains("-m "), r.output());
    assertTrue(r.output().contains("Rev: jcstress-core"), "banner: " + r.output());
    assertFalse(r.output().contains("null"), "banner: " + r.output());
  }

  @Test
  void aBadOptionIsAUsageErrorNotACrash() throws Exception {
    Run r = run("--no-such-option");
    assertFalse(r.output().contains("NoSuchMethodError"), r.output());
    assertTrue(r.status() != 0, "status " + r.status() + ": " + r.output());
  }

  @Test
  void listsTheTestsOfThisModule() throws Exception {
    Run r = run("-l", "-t", "org.rangelock.bench.jcstress");
    assertEquals(0, r.status(), r.output());
    assertTrue(
        r.output().contains("org.rangelock.bench.jcstress.MappingExclusionTest"), r.output());
    assertTrue(r.output().contains("org.rangelock.bench.jcstress.SimFaultVsPunchRangeLockTest"));
  }
}
