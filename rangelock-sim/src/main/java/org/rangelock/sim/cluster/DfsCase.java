package org.rangelock.sim.cluster;

import java.util.List;
import org.rangelock.sim.cases.Case;

/**
 * A case of the cluster family: the state before, the operations that race on its nodes (one thread
 * per role; role names start with the node's name), and the invariants checked from what the
 * machines did (docs/sim-cluster.md). Directed windows name interleavings known to open the race.
 */
public interface DfsCase {
  /** The case's number in the report: 101 and up, after the single-node cases. */
  int number();

  String title();

  /**
   * How many nodes the case's world has ({@link DfsWorld#DEFAULT_NODES} to {@link
   * DfsWorld#MAX_NODES}): two, A and B, unless the case says otherwise.
   */
  default int nodes() {
    return DfsWorld.DEFAULT_NODES;
  }

  /** Builds the state before the race, before the nodes join the token lock. */
  void setUp(DfsWorld w);

  /** The operations that race. */
  List<Case.Role> roles(DfsWorld w);

  /**
   * Waits, once the roles have finished and before any oracle looks, for what the roles set going
   * and the case knows must finish (case 107: the lost node's LOST callbacks). Nothing by default.
   */
  default void settle(DfsWorld w) {}

  /** Checks the case's invariants on the quiescent cluster; reports through the trial's races. */
  void check(DfsWorld w);

  /**
   * Whether the default {@code cases} run includes this case (it must stay within its time budget);
   * a case left out runs when asked for by number, and in the tests.
   */
  default boolean inDefaultRun() {
    return true;
  }

  /** Interleavings known to open this race, for directed tests. */
  List<Case.Window> windows();
}
