package org.rangelock.sim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar's command line, run in-process: options, exit codes, and what they print. */
class CliTest {
  @TempDir Path dir;

  private interface Command {
    int run() throws Exception;
  }

  private static String[] captured = new String[2];

  private static int capture(Command c) throws Exception {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      return c.run();
    } finally {
      System.setOut(out);
      System.setErr(err);
      captured[0] = o.toString(StandardCharsets.UTF_8);
      captured[1] = e.toString(StandardCharsets.UTF_8);
    }
  }

  private Path resource(String name) throws IOException {
    Path p = dir.resolve(name);
    try (InputStream in = getClass().getResourceAsStream("/fsx-sample/" + name)) {
      Files.copy(in, p);
    }
    return p;
  }

  @Test
  void casesPrintsTheMatrixAndWritesJson() throws Exception {
    Path json = dir.resolve("cells.json");
    int status =
        capture(
            () ->
                Main.run(
                    new String[] {
                      "cases",
                      "--trials",
                      "3",
                      "--strategy",
                      "RANGE_LOCK",
                      "--strategy",
                      "NONE",
                      "--case",
                      "4",
                      "--json",
                      json.toString()
                    }));
    assertEquals(0, status, captured[1]);
    assertTrue(
        captured[0].contains("RANGE_LOCK") && captured[0].contains("fault vs bufferedIO"),
        captured[0]);
    assertTrue(captured[0].contains("0/3"), "RANGE_LOCK's cell: " + captured[0]);
    JsonNode cells = new ObjectMapper().readTree(json.toFile());
    assertEquals(2, cells.size(), cells.toString());
    JsonNode ours = cells.get(0);
    assertEquals("RANGE_LOCK", ours.get("strategy").asText());
    assertEquals(4, ours.get("case").asInt());
    assertEquals(3, ours.get("trials").asInt());
    assertEquals(0, ours.get("violations").asInt());
    assertTrue(ours.get("firstViolation").isNull(), ours.toString());
  }

  @Test
  void requireCleanFailsTheRunWhenThatStrategyLetsARaceThrough() throws Exception {
    // NONE never flushes before a direct read, so case 7 catches it in every trial.
    assertEquals(
        1,
        capture(
            () ->
                Main.run(
                    new String[] {
                      "cases",
                      "--trials",
                      "2",
                      "--strategy",
                      "NONE",
                      "--case",
                      "7",
                      "--require-clean",
                      "NONE"
                    })));
    assertTrue(captured[0].contains("FAIL: NONE let case 7 through"), captured[0]);
    assertEquals(
        0,
        capture(
            () ->
                Main.run(
                    new String[] {
                      "cases",
                      "--trials",
                      "2",
                      "--strategy",
                      "RANGE_LOCK",
                      "--case",
                      "7",
                      "--require-clean",
                      "RANGE_LOCK"
                    })));
  }

  @Test
  void casesRejectsBadOptionsWithStatusTwoNamingTheValue() throws Exception {
    assertEquals(2, capture(() -> Main.run(new String[] {"cases", "--case", "99"})));
    assertTrue(captured[1].contains("'--case'") && captured[1].contains("no case 99"), captured[1]);
    assertEquals(2, capture(() -> Main.run(new String[] {"cases", "--trials", "0"})));
    assertTrue(captured[1].contains("'--trials': 0"), captured[1]);
    assertEquals(2, capture(() -> Main.run(new String[] {"cases", "--strategy", "BOGUS"})));
    assertTrue(
        captured[1].contains("'--strategy'")
            && captured[1].contains("'BOGUS'")
            && captured[1].contains("RANGE_LOCK"),
        captured[1]);
    assertEquals(2, capture(() -> Main.run(new String[] {"cases", "--frobnicate"})));
    assertTrue(captured[1].contains("--frobnicate"), captured[1]);
    assertEquals(2, capture(() -> Main.run(new String[] {"cases", "--replay", "ab"})));
    assertTrue(captured[1].contains("--replay needs exactly one"), captured[1]);
    assertEquals(2, capture(() -> Main.run(new String[] {"cases", "--trials", "abc"})));
    assertTrue(captured[1].contains("'--trials'") && captured[1].contains("'abc'"), captured[1]);
  }

  @Test
  void casesChecksItsJsonOutputBeforeRunningAnyTrial() throws Exception {
    Path bad = dir.resolve("no-such-dir").resolve("x.json");
    long t0 = System.nanoTime();
    assertEquals(2, capture(() -> Main.run("cases", "--json", bad.toString())));
    assertTrue(captured[1].contains("'--json'") && captured[1].contains("does not exist"));
    assertTrue(captured[0].isEmpty(), "no trial may run first: " + captured[0]);
    assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "it ran the trials first");
  }

  @Test
  void replayExitsOneWhenItReproducesAndNamesTheJarInTheHint() throws Exception {
    // NONE never flushes before a direct read: case 7 catches it in every trial.
    // A report without --require-clean is not a verdict: exit 0 with the violation listed.
    assertEquals(
        0, capture(() -> Main.run("cases", "--trials", "1", "--strategy", "none", "--case", "7")));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "reproduce: java -jar (\\S+) cases .* --replay (\\p{XDigit}+)")
            .matcher(captured[0]);
    assertTrue(m.find(), captured[0]);
    assertTrue(m.group(1).endsWith("rangelock-sim.jar"), m.group(1));
    String seed = m.group(2);
    assertEquals(
        1, capture(() -> Main.run("cases", "--strategy", "NONE", "--case", "7", "--replay", seed)));
    assertTrue(captured[0].contains("reproduced"), captured[0]);
  }

  @Test
  void preemptRunsTheMatrixByPreemptionAndItsHintReplaysThatWay() throws Exception {
    assertEquals(
        0,
        capture(
            () ->
                Main.run(
                    "cases", "--preempt", "--trials", "2", "--strategy", "none", "--case", "7")));
    assertTrue(captured[0].contains("2 trials per cell (preemption)"), captured[0]);
    // NONE never flushes before a direct IO: case 7 fails under either way of opening windows.
    assertTrue(captured[0].contains("trials per kind: "), captured[0]);
    assertTrue(captured[0].contains("--case 7 --preempt --replay "), captured[0]);
  }

  @Test
  void fullSetsTheLongTrialCountUnlessTrialsSaysOtherwise() throws Exception {
    assertEquals(
        0,
        capture(
            () ->
                Main.run(
                    "cases",
                    "--full",
                    "--trials",
                    "3",
                    "--strategy",
                    "range-lock",
                    "--case",
                    "1")));
    assertTrue(captured[0].contains("3 trials per cell (random delays)"), captured[0]);
    assertEquals(0, capture(() -> Main.run("cases", "--help")));
    assertTrue(captured[0].contains("--full") && captured[0].contains("1000"), captured[0]);
  }

  @Test
  void fsxWithPostEofPollutionStillMatchesTheSample() throws Exception {
    Path out = dir.resolve("final-polluted.bin");
    Path expect = resource("testfile.expected_final");
    int status =
        capture(
            () ->
                Main.run(
                    "fsx",
                    "--pollute-eof",
                    "--ops",
                    resource("testfile.fsxops").toString(),
                    "--pattern",
                    resource("pattern.seed7.bin").toString(),
                    "--out",
                    out.toString(),
                    "--expect",
                    expect.toString()));
    assertEquals(0, status, captured[0] + captured[1]);
    assertEquals(-1L, Files.mismatch(out, expect));
  }

  @Test
  void helpAndVersionAndNoCommand() throws Exception {
    assertEquals(0, capture(() -> Main.run("--help")));
    assertTrue(captured[0].contains("cases") && captured[0].contains("fsx"), captured[0]);
    assertEquals(0, capture(() -> Main.run("cases", "--help")));
    assertTrue(captured[0].contains("RANGE_LOCK") && captured[0].contains("7 "), captured[0]);
    assertEquals(0, capture(() -> Main.run("fsx", "--help")));
    assertEquals(0, capture(() -> Main.run("--version")));
    assertTrue(captured[0].startsWith("rangelock-sim "), captured[0]);
    assertEquals(2, capture(() -> Main.run("frobnicate")));
    assertTrue(captured[1].contains("'frobnicate'"), captured[1]);
  }

  @Test
  void fsxMatchesTheSampleAndWritesTheBytes() throws Exception {
    Path out = dir.resolve("final.bin");
    Path expect = resource("testfile.expected_final");
    int status =
        capture(
            () ->
                Main.run(
                    new String[] {
                      "fsx",
                      "--ops",
                      resource("testfile.fsxops").toString(),
                      "--pattern",
                      resource("pattern.seed7.bin").toString(),
                      "--out",
                      out.toString(),
                      "--expect",
                      expect.toString()
                    }));
    assertEquals(0, status, captured[0] + captured[1]);
    assertEquals(-1L, Files.mismatch(out, expect));
    assertTrue(captured[0].contains("matches"), captured[0]);
  }

  @Test
  void fsxExitsOneNamingTheFirstDifferenceAndItsLine() throws Exception {
    Path wrong = dir.resolve("wrong.bin");
    byte[] b = Files.readAllBytes(resource("testfile.expected_final"));
    b[0x2000] ^= 1;
    Files.write(wrong, b);
    int status =
        capture(
            () ->
                Main.run(
                    new String[] {
                      "fsx",
                      "--ops",
                      resource("testfile.fsxops").toString(),
                      "--pattern",
                      resource("pattern.seed7.bin").toString(),
                      "--out",
                      dir.resolve("o.bin").toString(),
                      "--expect",
                      wrong.toString()
                    }));
    assertEquals(1, status);
    assertTrue(captured[0].contains("offset 0x2000") && captured[0].contains("line"), captured[0]);
  }

  @Test
  void fsxNeedsItsFiles() throws Exception {
    assertEquals(2, capture(() -> Main.run(new String[] {"fsx", "--ops", "x"})));
    assertTrue(captured[1].contains("Missing required"), captured[1]);
    Path ops = resource("testfile.fsxops");
    Path pattern = resource("pattern.seed7.bin");
    assertEquals(
        2,
        capture(
            () ->
                Main.run(
                    "fsx",
                    "--ops",
                    ops.toString(),
                    "--pattern",
                    pattern.toString(),
                    "--out",
                    dir.resolve("o.bin").toString(),
                    "--bogus")));
    assertTrue(captured[1].contains("'--bogus'"), captured[1]);
    assertEquals(
        2,
        capture(
            () ->
                Main.run(
                    "fsx",
                    "--ops",
                    ops.toString(),
                    "--pattern",
                    pattern.toString(),
                    "--out",
                    dir.resolve("nodir").resolve("o.bin").toString())));
    assertTrue(captured[1].contains("'--out'"), captured[1]);
    // Strategy names are case-insensitive here as in cases; a bad one lists the choices.
    assertEquals(
        2,
        capture(
            () ->
                Main.run(
                    "fsx",
                    "--ops",
                    ops.toString(),
                    "--pattern",
                    pattern.toString(),
                    "--out",
                    dir.resolve("o.bin").toString(),
                    "--strategy",
                    "nope")));
    assertTrue(captured[1].contains("'nope'") && captured[1].contains("RANGE_LOCK"), captured[1]);
  }
}
