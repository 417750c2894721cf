package org.rangelock.bench.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;
import org.rangelock.sim.cases.Scenario;
import org.rangelock.sim.exclusion.Strategy;

/**
 * Case 1 of the simulator (fault vs hole punch) with jcstress's two actors as its two roles, and
 * the case's oracles as the arbiter. Under {@code NONE} the same race gets through in some
 * interleavings (reported as interesting, not failing): it shows the scenario and its oracle are
 * live under jcstress's scheduling.
 */
@JCStressTest
@Description("Sim case 1, fault vs hole punch, under NONE")
@Outcome(id = "0", expect = Expect.ACCEPTABLE, desc = "This interleaving happened to be safe")
@Outcome(
    id = "1",
    expect = Expect.ACCEPTABLE_INTERESTING,
    desc = "The race got through, as it does without exclusion")
public class SimFaultVsPunchNoneTest {
  @State
  public static class S {
    final Scenario scenario = Scenario.of(Strategy.NONE, 1);
  }

  @Actor
  public void first(S s) {
    s.scenario.role(0);
  }

  @Actor
  public void second(S s) {
    s.scenario.role(1);
  }

  @Arbiter
  public void check(S s, I_Result r) {
    r.r1 = s.scenario.check().isEmpty() ? 0 : 1;
  }
}
