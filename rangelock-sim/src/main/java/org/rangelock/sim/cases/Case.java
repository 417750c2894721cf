package org.rangelock.sim.cases;

import java.util.List;
import org.rangelock.sim.race.Races;

/**
 * One of Chinner's seven races as a scenario: the state before, the operations that run
 * concurrently (one thread per role), and the invariants checked from what the machine did.
 * Directed windows name the interleavings known to open the race, for tests that must reproduce a
 * violation on demand.
 */
public interface Case {
  /** A concurrent role: a name (its thread's role in traces and gates) and what it does. */
  record Role(String name, Runnable body) {}

  /** A directed window: how to arrange the pauses that open one interleaving. */
  record Window(String name, java.util.function.Consumer<Races> arrange) {}

  int number();

  String title();

  /** Builds the state before the race (no delays are injected yet). */
  void setUp(World w);

  /** The operations that race. */
  List<Role> roles(World w);

  /** Checks the case's invariants on the quiescent machine; reports through {@code w.races}. */
  void check(World w);

  /** Interleavings known to open this race, for directed tests. */
  List<Window> windows();

  /**
   * Every content the page a role read during the race ({@code read}) can show at some point of
   * some serial order of the case's operations — {@code null} in the list stands for SIGBUS — or
   * null when the case makes no claim about that page. The serial-order oracle ({@link
   * Oracles#explainReads}) holds every read the roles made through {@link World#loadPage} and
   * {@link World#cachedPage} to it.
   */
  default List<byte[]> serialStates(World w, World.Read read) {
    return null;
  }
}
