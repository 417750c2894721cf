package org.rangelock.sim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.rangelock.sim.race.Races;

/**
 * A cluster world of more than two nodes: each node its own kernel and view of the one file, and
 * the tokens, the size and the oracles spanning all of them; bad node counts refused by name. One
 * in-process ZooKeeper server for the class.
 */
class NodeCountTest {
  @RegisterExtension static final ZooKeeperForClass zk = new ZooKeeperForClass();

  @ParameterizedTest
  @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 1, DfsWorld.MAX_NODES + 1, 100})
  void aBadNodeCountIsRefusedByItsValue(int count) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DfsWorld.checkNodeCount(count));
    assertTrue(e.getMessage().contains(String.valueOf(count)), e.getMessage());
    IllegalArgumentException m =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DisjointWriteMeasurement.run(
                    zk.server(),
                    DfsStrategy.DFS_RANGE_LOCK,
                    count,
                    10,
                    0,
                    java.time.Duration.ZERO));
    assertTrue(m.getMessage().contains(String.valueOf(count)), m.getMessage());
  }

  @Test
  void theDefaultIsTwoNodesAAndB() {
    DfsWorld w = new DfsWorld(zk.server(), DfsStrategy.DFS_RANGE_LOCK, new Races(1));
    try {
      assertEquals(List.of("A", "B"), names(w));
      assertEquals(DfsWorld.DEFAULT_NODES, w.nodes.size());
    } finally {
      close(w);
    }
  }

  private static List<String> names(DfsWorld w) {
    return w.nodes.stream().map(n -> n.name).collect(Collectors.toList());
  }

  private static void close(DfsWorld w) {
    for (Node n : w.nodes) {
      n.close();
    }
  }

  /**
   * Three nodes: C's write is seen through every path of A and B; A's truncate shrinks every node's
   * size; at rest no node caches a page outside its tokens; nothing is reported.
   */
  @ParameterizedTest
  @EnumSource(
      value = DfsStrategy.class,
      names = {"DFS_SEQLOCK", "DFS_FILE_GLOCK", "DFS_RANGE_LOCK"})
  void threeNodesShareTheFileThroughTheirTokens(DfsStrategy row) {
    Races races = new Races(1);
    DfsWorld w = new DfsWorld(zk.server(), row, DfsRunner.Variant.AS_DESIGNED, 3, races);
    try {
      assertEquals(List.of("A", "B", "C"), names(w));
      Node c = w.node(2);
      assertNotSame(w.a.k, c.k);
      assertNotSame(w.b.k, c.k);
      assertNotSame(w.file(w.a), w.file(c));
      assertNotSame(w.file(w.b), w.file(c));
      assertEquals(w.fileA.id(), w.file(c).id(), "one file, three views");
      w.populate(0x21, DfsWorld.PAGES);
      w.join(zk.server());
      // Each node caches page 1 under a read token, then C writes it.
      for (Node n : w.nodes) {
        w.read(n, 1);
        w.load(n, 1);
      }
      byte[] fromC = DfsWorld.page(0xC1, 1);
      w.write(c, 1, fromC);
      w.everyPathShows(org.rangelock.sim.race.ViolationKind.STALE_DATA, 1, fromC);
      // A cuts the file to two pages: B's and C's cached sizes follow, and their loads past it
      // raise SIGBUS.
      w.truncate(w.a, 2L * PAGE);
      for (Node n : w.nodes) {
        assertEquals(2L * PAGE, w.stat(n), n + "'s size after A's truncate");
        assertNull(w.load(n, 3), n + "'s load past the new EOF");
      }
      w.pagesInsideTokens();
      assertTrue(races.violations().isEmpty(), races.violations().toString());
      assertTrue(
          w.ledger.describe().stream().anyMatch(t -> t.startsWith("C ")),
          "the ledger sees C's tokens: " + w.ledger.describe());
    } finally {
      close(w);
    }
  }
}
