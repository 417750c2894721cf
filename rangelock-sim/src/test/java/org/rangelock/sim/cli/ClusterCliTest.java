package org.rangelock.sim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code cases} command's cluster family: its matrix, its JSON cells, its options. */
class ClusterCliTest {
  @TempDir Path dir;

  private interface Command {
    int run() throws Exception;
  }

  private static String out;

  private static String err;

  private static int capture(Command c) throws Exception {
    PrintStream o0 = System.out;
    PrintStream e0 = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      return c.run();
    } finally {
      System.setOut(o0);
      System.setErr(e0);
      out = o.toString(StandardCharsets.UTF_8);
      err = e.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void clusterNodesSetsTheWritersOfTheMeasurement() throws Exception {
    assertEquals(
        0,
        capture(
            () ->
                Main.run(
                    "cases",
                    "--family",
                    "cluster",
                    "--cluster-trials",
                    "1",
                    "--cluster-strategy",
                    "DFS_RANGE_LOCK",
                    "--cluster-case",
                    "102",
                    "--cluster-writes",
                    "40",
                    "--cluster-nodes",
                    "3")),
        out);
    assertTrue(
        out.contains("disjoint writers: 3 nodes, A to C, node i writing the pages p with p % 3"),
        out);
    assertTrue(
        java.util.regex.Pattern.compile("(?m)^DFS_RANGE_LOCK +120 ").matcher(out).find(),
        "3 x 40 writes: " + out);
    assertTrue(!out.contains("WRONG"), out);
  }

  @Test
  void bothFamiliesGoToOneJsonArrayInOneSchema() throws Exception {
    Path json = dir.resolve("cells.json");
    int status =
        capture(
            () ->
                Main.run(
                    "cases",
                    "--family",
                    "all",
                    "--trials",
                    "2",
                    "--strategy",
                    "RANGE_LOCK",
                    "--case",
                    "4",
                    "--cluster-trials",
                    "2",
                    "--cluster-strategy",
                    "dfs-range-lock",
                    "--cluster-case",
                    "101",
                    "--cluster-writes",
                    "20",
                    "--json",
                    json.toString()));
    assertEquals(0, status, out);
    assertTrue(out.contains("cluster strategy") && out.contains("DFS_RANGE_LOCK"), out);
    assertTrue(out.contains("disjoint writers") && out.contains("DFS_FILE_GLOCK"), out);
    JsonNode cells = new ObjectMapper().readTree(json.toFile());
    assertEquals(2, cells.size(), cells.toString());
    assertEquals("RANGE_LOCK", cells.get(0).get("strategy").asText());
    JsonNode dfs = cells.get(1);
    assertEquals("DFS_RANGE_LOCK", dfs.get("strategy").asText());
    assertEquals(101, dfs.get("case").asInt());
    assertEquals(2, dfs.get("trials").asInt());
    for (String field : new String[] {"title", "violations", "millis", "kinds", "firstViolation"}) {
      assertTrue(dfs.has(field), field + " in " + dfs);
    }
  }

  @Test
  void requireCleanClusterFailsTheRunWhenThatRowLetsARaceThrough() throws Exception {
    // DFS_NO_CALLBACK never invalidates: after B's second direct read A keeps its page of case 103
    // cached outside any token, whatever the order of the roles.
    assertEquals(
        1,
        capture(
            () ->
                Main.run(
                    "cases",
                    "--cluster-trials",
                    "2",
                    "--cluster-strategy",
                    "DFS_NO_CALLBACK",
                    "--cluster-case",
                    "103",
                    "--cluster-writes",
                    "0",
                    "--require-clean-cluster",
                    "DFS_NO_CALLBACK")));
    assertTrue(out.contains("FAIL: DFS_NO_CALLBACK let cluster case 103 through"), out);
    assertTrue(!out.contains("disjoint writers"), "--cluster-writes 0 skips the measurement");
  }

  @Test
  void aViolatedClusterCellPrintsItsReplayAndTheReplayRunsThatTrial() throws Exception {
    // DFS_NO_CALLBACK keeps A's page of case 103 cached outside any token whatever the order of the
    // roles, so the trial the line names violates again when replayed.
    assertEquals(
        0,
        capture(
            () ->
                Main.run(
                    "cases",
                    "--cluster-trials",
                    "1",
                    "--cluster-strategy",
                    "DFS_NO_CALLBACK",
                    "--cluster-case",
                    "103",
                    "--cluster-writes",
                    "0")));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "reproduce: java -jar \\S+ cases --family cluster --cluster-strategy DFS_NO_CALLBACK"
                    + " --cluster-case 103 --replay ([0-9a-f]+)")
            .matcher(out);
    assertTrue(m.find(), out);
    String seed = m.group(1);
    assertEquals(
        1,
        capture(
            () ->
                Main.run(
                    "cases",
                    "--family",
                    "cluster",
                    "--cluster-strategy",
                    "DFS_NO_CALLBACK",
                    "--cluster-case",
                    "103",
                    "--replay",
                    seed)));
    assertTrue(out.contains("violation(s) reproduced"), out);
    assertTrue(out.contains("PAGE_OUTSIDE_TOKEN"), out);
    assertTrue(out.contains("seed " + seed), "the trace names the replayed trial's seed\n" + out);
    assertTrue(!out.contains("cluster strategy"), "a replay runs one trial, not the matrix");
    // Without --family the cluster options alone choose the cluster family for the replay too.
    capture(
        () ->
            Main.run(
                "cases",
                "--cluster-strategy",
                "DFS_NO_CALLBACK",
                "--cluster-case",
                "103",
                "--replay",
                seed));
    assertTrue(out.contains("seed " + seed), out);
  }

  @Test
  void badClusterOptionsExitTwoBeforeAnyTrial() throws Exception {
    assertEquals(2, capture(() -> Main.run("cases", "--cluster-case", "7")));
    assertTrue(!out.contains("cluster strategy"), out);
    assertEquals(2, capture(() -> Main.run("cases", "--cluster-strategy", "BOGUS")));
    assertEquals(2, capture(() -> Main.run("cases", "--cluster-trials", "0")));
    assertEquals(2, capture(() -> Main.run("cases", "--cluster-writes", "-1")));
    assertEquals(2, capture(() -> Main.run("cases", "--cluster-think", "-5")));
    assertEquals(2, capture(() -> Main.run("cases", "--glock-min-hold", "-3")));
    for (String n : new String[] {"1", "0", "-2", "9"}) {
      assertEquals(2, capture(() -> Main.run("cases", "--cluster-nodes", n)), n);
      assertTrue(err.contains("'--cluster-nodes': " + n + " "), err);
    }
    assertEquals(2, capture(() -> Main.run("cases", "--family", "both")));
    assertEquals(
        2,
        capture(() -> Main.run("cases", "--family", "cluster", "--replay", "1f")),
        "a cluster replay needs one row and one case");
  }

  @Test
  void preemptRunsTheClusterMatrixByPreemptionAndItsLineReplaysThatWay() throws Exception {
    // Case 103 under DFS_NO_CALLBACK violates whatever the order, so the line is printed and its
    // replay violates again; the cluster options with --preempt choose the cluster family.
    assertEquals(
        0,
        capture(
            () ->
                Main.run(
                    "cases",
                    "--preempt",
                    "--cluster-trials",
                    "1",
                    "--cluster-strategy",
                    "DFS_NO_CALLBACK",
                    "--cluster-case",
                    "103",
                    "--cluster-writes",
                    "0")));
    assertTrue(out.contains("1 trials per cell (preemption)"), out);
    assertTrue(!out.contains("strategies x"), "the single-node matrix did not run\n" + out);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "reproduce: java -jar \\S+ cases --family cluster --cluster-strategy DFS_NO_CALLBACK"
                    + " --cluster-case 103 --preempt --replay ([0-9a-f]+)")
            .matcher(out);
    assertTrue(m.find(), out);
    String seed = m.group(1);
    assertEquals(
        1,
        capture(
            () ->
                Main.run(
                    "cases",
                    "--family",
                    "cluster",
                    "--cluster-strategy",
                    "DFS_NO_CALLBACK",
                    "--cluster-case",
                    "103",
                    "--preempt",
                    "--replay",
                    seed)));
    assertTrue(out.contains("PAGE_OUTSIDE_TOKEN"), out);
    assertTrue(out.contains("preemption mode"), "the replay ran in the preemption mode\n" + out);
  }
}
