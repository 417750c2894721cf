package org.rangelock.sim.cases;

import java.util.List;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.kernel.Kernel;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.Violation;

/**
 * One case, set up on a fresh machine and ready to race, for harnesses that bring their own threads
 * (jcstress actors): run each {@link #role} on its own thread, then {@link #check} on the quiescent
 * machine. No delays are injected; the harness does the interleaving.
 */
public final class Scenario {
  private final Case scenario;
  private final World world;
  private final List<Case.Role> roles;

  private Scenario(Strategy strategy, Case scenario, int blocks) {
    this.scenario = scenario;
    // Quiet: no trace is kept (a harness creates thousands of these), violations still are.
    this.world = new World(new Kernel(strategy.create(), Races.quiet(), blocks));
    scenario.setUp(world);
    this.roles = scenario.roles(world);
    world.racing = true;
  }

  /** Case {@code caseNumber} (1–7) under {@code strategy}, set up and not yet run. */
  public static Scenario of(Strategy strategy, int caseNumber) {
    return new Scenario(strategy, CaseRunner.caseNumber(caseNumber), 16);
  }

  /** How many roles race; run each exactly once, each on its own thread. */
  public int roles() {
    return roles.size();
  }

  /** Runs role {@code i} on the calling thread. */
  public void role(int i) {
    Case.Role r = roles.get(i);
    Races.role(r.name());
    try {
      r.body().run();
    } catch (RuntimeException e) {
      world.races.violation(org.rangelock.sim.race.ViolationKind.CRASH, r.name() + " threw " + e);
    }
  }

  /** Checks the case's invariants and the always-invariants; returns what was violated. */
  public List<Violation> check() {
    world.racing = false;
    world.races.quiesce();
    Oracles.always(world.k);
    Oracles.explainReads(world, scenario);
    scenario.check(world);
    Oracles.nothingLeaks(world.k);
    return world.races.violations();
  }
}
