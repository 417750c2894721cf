package org.rangelock.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.rangelock.Range;

/** Request znode names: Curator's protection prefix, owners with '-', foreign children. */
class RequestNameTest {
  @Test
  void parsesWithProtectionPrefixAndHyphenatedOwner() {
    var p =
        ClusterRangeLock.parse(
            "_c_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-t-host-a.example~7f3a-4096-9223372036854775807-5-0000000042");
    assertEquals("host-a.example~7f3a", p.owner());
    assertEquals(Range.from(4096), p.range());
    assertEquals(5, p.mode());
    assertEquals(42, p.seq());
  }

  @Test
  void ignoresWhatIsNotARequest() {
    assertNull(ClusterRangeLock.parse("lock-0000000001"));
    assertNull(ClusterRangeLock.parse("t-owner-10-5-1-0000000001")); // reversed range
    assertNull(ClusterRangeLock.parse("t-owner-x-5-1-0000000001"));
    assertNull(ClusterRangeLock.parse("t-1-2-3"));
  }

  @Test
  void tokenDataRoundTrips() {
    var d = new ClusterRangeLock.TokenData(3, 0b100101);
    assertEquals(d, ClusterRangeLock.TokenData.parse(d.bytes(), 0));
    assertEquals(
        new ClusterRangeLock.TokenData(2, 0), ClusterRangeLock.TokenData.parse(new byte[0], 2));
  }
}
