package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RangeTest {

  @Test
  void factoriesBuildHalfOpenRanges() {
    Range r = Range.of(10, 20);
    assertEquals(10, r.start());
    assertEquals(20, r.end());
    assertEquals(10, r.length());
    assertEquals(r, Range.ofLength(10, 10));
    assertEquals(Long.MAX_VALUE, Range.from(5).end());
    assertTrue(Range.from(5).isUnbounded());
    assertEquals(Range.of(0, Long.MAX_VALUE), Range.all());
    assertEquals(Range.all(), Range.from(0));
    assertEquals("[10, 20)", r.toString());
    assertEquals("[5, MAX)", Range.from(5).toString());
  }

  @Test
  void overlapIsHalfOpen() {
    Range a = Range.of(0, 10);
    assertTrue(a.overlaps(Range.of(9, 11)));
    assertFalse(a.overlaps(Range.of(10, 11)), "adjacent ranges do not overlap");
    assertFalse(Range.of(10, 11).overlaps(a));
    assertTrue(a.overlaps(Range.all()));
    assertTrue(a.contains(0));
    assertFalse(a.contains(10));
    assertTrue(a.contains(Range.of(2, 10)));
    assertFalse(a.contains(Range.of(2, 11)));
  }

  @Test
  void badInputNamesTheValues() {
    var e = assertThrows(IllegalArgumentException.class, () -> Range.of(-1, 5));
    assertTrue(e.getMessage().contains("-1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Range.of(7, 7));
    assertTrue(e.getMessage().contains("[7, 7)"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Range.of(9, 3));
    assertTrue(e.getMessage().contains("[9, 3)"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Range.ofLength(5, 0));
    assertTrue(e.getMessage().contains("0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Range.ofLength(5, -3));
    assertTrue(e.getMessage().contains("-3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Range.ofLength(Long.MAX_VALUE - 1, 2));
    assertTrue(e.getMessage().contains("overflows"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Range.from(-4));
    assertTrue(e.getMessage().contains("-4"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Range.from(Long.MAX_VALUE));
  }
}
