package org.rangelock;

/**
 * A half-open range {@code [start, end)} of non-negative {@code long} offsets, never empty.
 *
 * <p>Instances are immutable and compare by value. {@link #from(long)} and {@link #all()} reach
 * {@link Long#MAX_VALUE}, which stands for "the end of the address space" (what a truncate takes).
 *
 * <p>Every factory rejects a negative start, an empty or reversed range, and a length whose end
 * overflows, with an {@link IllegalArgumentException} whose message names the values.
 */
public final class Range {
  /** The largest offset a range may end at (exclusive). */
  public static final long MAX_END = Long.MAX_VALUE;

  private static final Range ALL = new Range(0, MAX_END);

  private final long start;
  private final long end;

  private Range(long start, long end) {
    this.start = start;
    this.end = end;
  }

  /**
   * {@code [start, end)}.
   *
   * @throws IllegalArgumentException if {@code start < 0} or {@code end <= start}
   */
  public static Range of(long start, long end) {
    if (start < 0) {
      throw new IllegalArgumentException(
          "range start must be >= 0, was " + start + " (range [" + start + ", " + end + "))");
    }
    if (end <= start) {
      throw new IllegalArgumentException(
          "range end must be > start, was [" + start + ", " + end + ") (empty or reversed)");
    }
    return new Range(start, end);
  }

  /**
   * {@code [start, start + length)}.
   *
   * @throws IllegalArgumentException if {@code start < 0}, {@code length <= 0}, or {@code start +
   *     length} overflows a {@code long}
   */
  public static Range ofLength(long start, long length) {
    if (start < 0) {
      throw new IllegalArgumentException(
          "range start must be >= 0, was " + start + " (length " + length + ")");
    }
    if (length <= 0) {
      throw new IllegalArgumentException(
          "range length must be > 0, was " + length + " (start " + start + ")");
    }
    if (length > MAX_END - start) {
      throw new IllegalArgumentException(
          "range start " + start + " + length " + length + " overflows Long.MAX_VALUE");
    }
    return new Range(start, start + length);
  }

  /**
   * {@code [start, MAX_END)}: from {@code start} to the end of the address space.
   *
   * @throws IllegalArgumentException if {@code start < 0} or {@code start == MAX_END}
   */
  public static Range from(long start) {
    if (start < 0 || start >= MAX_END) {
      throw new IllegalArgumentException(
          "range start must be in [0, Long.MAX_VALUE), was " + start);
    }
    return start == 0 ? ALL : new Range(start, MAX_END);
  }

  /** {@code [0, MAX_END)}: the whole address space. */
  public static Range all() {
    return ALL;
  }

  /** The first offset in the range. */
  public long start() {
    return start;
  }

  /** The first offset past the range. */
  public long end() {
    return end;
  }

  /** {@code end - start}, always positive. */
  public long length() {
    return end - start;
  }

  /** Whether this range reaches the end of the address space. */
  public boolean isUnbounded() {
    return end == MAX_END;
  }

  /** Whether the two ranges share at least one offset. */
  public boolean overlaps(Range other) {
    return start < other.end && other.start < end;
  }

  /** Whether {@code offset} lies in the range. */
  public boolean contains(long offset) {
    return start <= offset && offset < end;
  }

  /** Whether every offset of {@code other} lies in this range. */
  public boolean contains(Range other) {
    return start <= other.start && other.end <= end;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Range && ((Range) o).start == start && ((Range) o).end == end;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(start) * 31 + Long.hashCode(end);
  }

  /** {@code [start, end)}, or {@code [start, MAX)} for an unbounded range. */
  @Override
  public String toString() {
    return "[" + start + ", " + (end == MAX_END ? "MAX" : Long.toString(end)) + ")";
  }
}
