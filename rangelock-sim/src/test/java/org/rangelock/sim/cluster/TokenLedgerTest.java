package org.rangelock.sim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.rangelock.DlmMode;
import org.rangelock.Range;
import org.rangelock.cluster.Revocation;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.ViolationKind;

/** The cross-node oracles, shown hand-made histories. */
class TokenLedgerTest {
  @Test
  void conflictingGrantsOnTwoNodesAreCaught() {
    Races races = new Races(1);
    TokenLedger ledger = new TokenLedger(races);
    var a = ledger.eventsOf("A", 1);
    var b = ledger.eventsOf("B", 1);
    a.granted("A", 10, Range.of(0, 8192), DlmMode.PR);
    b.granted("B", 11, Range.of(4096, 8192), DlmMode.PR); // readers share
    b.granted("B", 12, Range.of(8192, 12288), DlmMode.EX); // disjoint
    assertTrue(races.violations().isEmpty(), races.violations().toString());
    b.granted("B", 13, Range.of(4096, 8192), DlmMode.PW); // conflicts with A's PR
    assertEquals(1, races.violations().size());
    assertEquals(ViolationKind.TOKEN_CONFLICT, races.violations().get(0).kind());
  }

  @Test
  void aReleasedOrDowngradedTokenNoLongerConflicts() {
    Races races = new Races(1);
    TokenLedger ledger = new TokenLedger(races);
    var a = ledger.eventsOf("A", 1);
    var b = ledger.eventsOf("B", 1);
    a.granted("A", 10, Range.of(0, 4096), DlmMode.EX);
    a.downgraded("A", 10, DlmMode.PR);
    b.granted("B", 11, Range.of(0, 4096), DlmMode.PR);
    a.released("A", 10, Revocation.Reason.REVOKED);
    b.released("B", 11, Revocation.Reason.REVOKED);
    b.granted("B", 12, Range.of(0, 4096), DlmMode.EX);
    assertTrue(races.violations().isEmpty(), races.violations().toString());
    // Another file's tokens never conflict with these.
    ledger.eventsOf("A", 2).granted("A", 13, Range.of(0, 4096), DlmMode.EX);
    assertTrue(races.violations().isEmpty(), races.violations().toString());
  }

  @Test
  void coverageNeedsAWriteTokenForDirtyPagesAndNothingForAnotherNode() {
    TokenLedger ledger = new TokenLedger(new Races(1));
    ledger.eventsOf("A", 1).granted("A", 10, Range.of(0, 8192), DlmMode.PR);
    assertTrue(ledger.covers("A", 1, Range.of(4096, 8192), false));
    assertFalse(ledger.covers("A", 1, Range.of(4096, 8192), true));
    assertFalse(ledger.covers("A", 1, Range.of(8192, 12288), false));
    assertFalse(ledger.covers("B", 1, Range.of(0, 4096), false));
    ledger.eventsOf("A", 1).granted("A", 11, Range.of(8192, 12288), DlmMode.CW);
    assertFalse(ledger.covers("A", 1, Range.of(8192, 12288), false), "CW caches nothing");
  }
}
