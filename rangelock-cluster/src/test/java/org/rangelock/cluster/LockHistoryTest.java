package org.rangelock.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;

/** The checker itself: it must pass a good history and catch each kind of broken one. */
class LockHistoryTest {
  private final ModeTable<MappingMode> table = ModeTable.mapping();
  private final Range a = Range.of(0, 100);
  private final Range b = Range.of(50, 150);

  @Test
  void goodHistoryPasses() {
    LockHistory<MappingMode> h = new LockHistory<>();
    h.queued("n0", 10, a, MappingMode.WRITE);
    h.granted("n0", 10, a, MappingMode.WRITE);
    long x = h.granted("n0", a, MappingMode.WRITE, 10 << 14 | 1);
    long y = h.granted("n0", b, MappingMode.READ, 10 << 14 | 2); // compatible: may overlap
    h.released(x, true);
    h.released(y, true);
    h.released("n0", 10, Revocation.Reason.REVOKED);
    h.queued("n1", 20, b, MappingMode.INVALIDATE);
    h.granted("n1", 20, b, MappingMode.INVALIDATE);
    h.released(h.granted("n1", b, MappingMode.INVALIDATE, 20 << 14 | 1), true);
    assertEquals(List.of(), h.check(table));
  }

  @Test
  void catchesConflictingOverlap() {
    LockHistory<MappingMode> h = new LockHistory<>();
    long x = h.granted("n0", a, MappingMode.WRITE, 1);
    long y = h.granted("n1", b, MappingMode.FAULT, 2); // WRITE and FAULT conflict, both open
    h.released(x, true);
    h.released(y, true);
    List<String> v = h.check(table);
    assertEquals(1, v.size(), v.toString());
    assertTrue(v.get(0).startsWith("exclusion"), v.toString());
  }

  @Test
  void overlapWithALostHoldIsTheFencesBusinessNotAnExclusionViolation() {
    LockHistory<MappingMode> h = new LockHistory<>();
    long x = h.granted("n0", a, MappingMode.WRITE, 1);
    long y = h.granted("n1", b, MappingMode.FAULT, 2);
    h.released(y, true);
    h.released(x, false); // n0's token was lost
    assertEquals(List.of(), h.check(table));
  }

  @Test
  void catchesAFenceThatDoesNotGrow() {
    LockHistory<MappingMode> h = new LockHistory<>();
    h.released(h.granted("n0", a, MappingMode.INVALIDATE, 7), true);
    h.released(h.granted("n1", b, MappingMode.READ, 7), true); // conflicting, same fence
    h.released(h.granted("n2", Range.of(500, 600), MappingMode.READ, 1), true); // disjoint: fine
    List<String> v = h.check(table);
    assertEquals(1, v.size(), v.toString());
    assertTrue(v.get(0).startsWith("fence"), v.toString());
  }

  @Test
  void catchesAnOvertakingTokenGrant() {
    LockHistory<MappingMode> h = new LockHistory<>();
    h.queued("n0", 10, a, MappingMode.WRITE);
    h.queued("n1", 11, b, MappingMode.DIRECT); // queued later, conflicts with WRITE
    h.granted("n1", 11, b, MappingMode.DIRECT); // ... but granted first
    h.released("n1", 11, Revocation.Reason.REVOKED);
    h.granted("n0", 10, a, MappingMode.WRITE);
    List<String> v = h.check(table);
    assertEquals(1, v.size(), v.toString());
    assertTrue(v.get(0).startsWith("FIFO"), v.toString());
  }

  @Test
  void catchesDoubleReleaseAndNeverReleased() {
    LockHistory<MappingMode> h = new LockHistory<>();
    long x = h.granted("n0", a, MappingMode.READ, 1);
    h.released(x, true);
    h.released(x, true);
    h.granted("n0", b, MappingMode.READ, 2);
    List<String> v = h.check(table);
    assertEquals(2, v.size(), v.toString());
    assertTrue(v.stream().anyMatch(s -> s.startsWith("hold released twice")), v.toString());
    assertTrue(v.stream().anyMatch(s -> s.startsWith("hold never released")), v.toString());
  }

  @Test
  void fenceGateRefusesOnlyTheStaleConflictingEffect() {
    FenceGate<MappingMode> g = new FenceGate<>(table);
    assertTrue(g.admit(a, MappingMode.WRITE, 5));
    assertTrue(g.admit(b, MappingMode.INVALIDATE, 9));
    assertEquals(false, g.admit(a, MappingMode.WRITE, 5)); // the late writer
    assertTrue(g.admit(Range.of(0, 40), MappingMode.WRITE, 5)); // no overlap with the newer one
    assertTrue(g.admit(a, MappingMode.WRITE, 12)); // a later holder
    assertEquals(1, g.refused());
  }
}
