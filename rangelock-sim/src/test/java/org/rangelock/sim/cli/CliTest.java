package org.rangelock.sim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar's two commands, run in-process: options, exit codes, and what they print. */
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
                CasesCommand.run(
                    new String[] {
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
    String text = Files.readString(json);
    assertTrue(
        text.startsWith("[")
            && text.contains("\"strategy\": \"RANGE_LOCK\"")
            && text.contains("\"case\": 4")
            && text.contains("\"trials\": 3")
            && text.contains("\"firstViolation\""),
        text);
  }

  @Test
  void requireCleanFailsTheRunWhenThatStrategyLetsARaceThrough() throws Exception {
    // NONE never flushes before a direct read, so case 7 catches it in every trial.
    assertEquals(
        1,
        capture(
            () ->
                CasesCommand.run(
                    new String[] {
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
                CasesCommand.run(
                    new String[] {
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
    assertEquals(2, capture(() -> CasesCommand.run(new String[] {"--case", "99"})));
    assertTrue(captured[1].contains("no case 99"), captured[1]);
    assertEquals(2, capture(() -> CasesCommand.run(new String[] {"--trials", "0"})));
    assertTrue(captured[1].contains("got 0"), captured[1]);
    assertEquals(2, capture(() -> CasesCommand.run(new String[] {"--strategy", "BOGUS"})));
    assertTrue(captured[1].contains("BOGUS"), captured[1]);
    assertEquals(2, capture(() -> CasesCommand.run(new String[] {"--frobnicate"})));
    assertTrue(captured[1].contains("--frobnicate"), captured[1]);
    assertEquals(2, capture(() -> CasesCommand.run(new String[] {"--replay", "ab"})));
  }

  @Test
  void fsxMatchesTheSampleAndWritesTheBytes() throws Exception {
    Path out = dir.resolve("final.bin");
    Path expect = resource("testfile.expected_final");
    int status =
        capture(
            () ->
                FsxCommand.run(
                    new String[] {
                      "--ops", resource("testfile.fsxops").toString(),
                      "--pattern", resource("pattern.seed7.bin").toString(),
                      "--out", out.toString(),
                      "--expect", expect.toString()
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
                FsxCommand.run(
                    new String[] {
                      "--ops", resource("testfile.fsxops").toString(),
                      "--pattern", resource("pattern.seed7.bin").toString(),
                      "--out", dir.resolve("o.bin").toString(),
                      "--expect", wrong.toString()
                    }));
    assertEquals(1, status);
    assertTrue(captured[0].contains("offset 0x2000") && captured[0].contains("line"), captured[0]);
  }

  @Test
  void fsxNeedsItsFiles() throws Exception {
    assertEquals(2, capture(() -> FsxCommand.run(new String[] {"--ops", "x"})));
    assertTrue(captured[1].contains("required"), captured[1]);
    assertEquals(2, capture(() -> FsxCommand.run(new String[] {"--bogus"})));
  }
}
