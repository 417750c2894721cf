package org.rangelock.sim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.Violation;
import org.rangelock.sim.race.ViolationKind;

/**
 * The metadata token on two real nodes: each node's cached size follows the other's truncates and
 * extensions through the shared inode, in every row; and a node that trusts a copy its revocation
 * dropped acts on a stale size, which {@link SizeHistory} reports.
 */
class MetadataTokenTest {
  @RegisterExtension static final ZooKeeperForClass zk = new ZooKeeperForClass();

  private static DfsWorld world(DfsStrategy row, Races races) {
    DfsWorld w = new DfsWorld(zk.server(), row, races);
    w.populate(0x21, DfsWorld.PAGES);
    w.join(zk.server());
    return w;
  }

  private static void close(DfsWorld w) {
    w.a.close();
    w.b.close();
  }

  @ParameterizedTest
  @EnumSource(DfsStrategy.class)
  void eachNodesSizeFollowsTheOthersTruncatesAndExtensions(DfsStrategy row) {
    Races races = new Races(1);
    DfsWorld w = world(row, races);
    try {
      // The nodes join holding no token: A's first hold must load what B set meanwhile.
      w.truncate(w.b, 3L * PAGE);
      assertEquals(3L * PAGE, w.stat(w.a), "A's first stat, after B's truncate");
      assertEquals(3L * PAGE, w.stat(w.b));
      w.truncate(w.b, PAGE);
      assertEquals(PAGE, w.stat(w.a), "A after B's truncate");
      assertEquals(null, w.load(w.a, 3), "A's load past B's new EOF raises SIGBUS");
      w.write(w.a, 2, DfsWorld.page(0x52, 2)); // A extends to three pages
      assertEquals(3L * PAGE, w.stat(w.b), "B after A's extension");
      w.write(w.b, 3, DfsWorld.page(0x63, 3)); // B extends to four
      w.write(w.a, 4, DfsWorld.page(0x74, 4)); // A to five, from B's four
      for (Node n : w.nodes) {
        assertEquals(5L * PAGE, w.stat(n), n.name + "'s size at the end");
      }
      w.everyPathShows(ViolationKind.STALE_DATA, 1, new byte[PAGE]);
      w.everyPathShows(ViolationKind.STALE_DATA, 2, DfsWorld.page(0x52, 2));
      w.everyPathShows(ViolationKind.STALE_DATA, 3, DfsWorld.page(0x63, 3));
      w.everyPathShows(ViolationKind.STALE_DATA, 4, DfsWorld.page(0x74, 4));
      assertTrue(w.dinode.writes() > 0 && w.dinode.reads() > 0, "the shared inode was used");
      List<Violation> v = races.violations();
      assertTrue(v.isEmpty(), () -> v + "\n" + v.get(0).traceText());
    } finally {
      close(w);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DfsStrategy.class,
      names = {"DFS_NO_CALLBACK", "DFS_FILE_GLOCK", "DFS_RANGE_LOCK"})
  void aNodeThatTrustsADroppedCopyReadsPastATruncatedEof(DfsStrategy row) {
    Races races = new Races(1);
    DfsWorld w = world(row, races);
    try {
      assertEquals(4L * PAGE, w.stat(w.a)); // A caches the size: four pages
      w.truncate(w.b, 2L * PAGE); // revokes A's metadata: A's copy is dropped
      DfsExclusion.Meta m = w.a.exclusion.meta(w.fileA);
      assertTrue(!m.valid, "B's truncate dropped A's copy");
      assertEquals(4L * PAGE, w.fileA.size(), "a dropped copy keeps its old value");
      assertTrue(races.violations().isEmpty(), races.violations().toString());
      m.valid = true; // what a node that does not reload a dropped copy does
      w.read(w.a, 3);
      assertTrue(
          races.violations().stream().anyMatch(x -> x.kind() == ViolationKind.STALE_SIZE),
          races.violations().toString());
    } finally {
      close(w);
    }
  }
}
