package org.rangelock.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The jar's command line: help, errors naming the option (exit 2), and a short real demo run. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterDemoTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = ClusterDemo.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void helpAndVersion() {
    assertEquals(0, run("demo", "--help"));
    assertTrue(out.toString().contains("--seconds"), out.toString());
    assertEquals(0, run("--version"));
    assertTrue(out.toString().contains("rangelock-cluster"), out.toString());
  }

  @Test
  void badOptionsAreNamedAndExitTwo() {
    assertEquals(2, run("demo", "--nodes", "0"));
    assertTrue(err.toString().contains("'--nodes': 0"), err.toString());
    assertEquals(2, run("demo", "--seconds", "abc"));
    assertTrue(err.toString().contains("--seconds"), err.toString());
    assertEquals(2, run("demo", "--connect", "no port here"));
    assertTrue(err.toString().contains("'--connect'"), err.toString());
    assertEquals(2, run("demo", "--bogus"));
    assertTrue(err.toString().contains("--bogus"), err.toString());
  }

  @Test
  void aShortDemoOnItsOwnEnsembleChecksItsHistoryAndExitsZero() {
    int code = run("demo", "--seconds", "2", "--quiet");
    // The demo prints to System.out; its exit code is the verdict of its own history check.
    assertEquals(0, code, err.toString());
  }
}
