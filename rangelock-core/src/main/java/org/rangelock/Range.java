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
   * @param start the first offset in the range, at least 0
   * @param end the first offset past the range, greater than {@code start}
   * @return the range from {@code start} up to but not including {@code end}
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
   * @param start the first offset in the range, at least 0
   * @param length how many offsets the range covers, at least 1
   * @return the range of {@code length} offsets beginning at {@code start}
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
   * @param start the first offset in the range, in {@code [0, MAX_END)}
   * @return the unbounded range beginning at {@code start} (the shared {@link #all()} instance when
   *     {@code start} is 0)
   * @throws IllegalArgumentException if {@code start < 0} or {@code start == MAX_END}
   */
  public static Range from(long start) {
    if (start < 0 || start >= MAX_END) {
      throw new IllegalArgumentException(
          "range start must be in [0, Long.MAX_VALUE), was " + start);
    }
    return start == 0 ? ALL : new Range(start, MAX_END);
  }

  /**
   * {@code [0, MAX_END)}: the whole address space.
   *
   * @return the one range that overlaps every other range
   */
  public static Range all() {
    return ALL;
  }

  /**
   * The first offset in the range.
   *
   * @return the inclusive lower bound, at least 0
   */
  public long start() {
    return start;
  }

  /**
   * The first offset past the range.
   *
   * @return the exclusive upper bound, greater than {@link #start()}; {@code MAX_END} for an
   *     unbounded range
   */
  public long end() {
    return end;
  }

  /**
   * {@code end - start}, always positive.
   *
   * @return how many offsets the range covers
   */
  public long length() {
    return end - start;
  }

  /**
   * Whether this range reaches the end of the address space.
   *
   * @return true if {@link #end()} is {@code MAX_END}
   */
  public boolean isUnbounded() {
    return end == MAX_END;
  }

  /**
   * Whether the two ranges share at least one offset.
   *
   * @param other the range to test against this one
   * @return true if some offset lies in both ranges; false if they only touch or are apart
   */
  public boolean overlaps(Range other) {
    return start < other.end && other.start < end;
  }

  /**
   * Whether {@code offset} lies in the range.
   *
   * @param offset the offset to test
   * @return true if {@code start() <= offset < end()}
   */
  public boolean contains(long offset) {
    return start <= offset && offset < end;
  }

  /**
   * Whether every offset of {@code other} lies in this range.
   *
   * @param other the range to test for inclusion
   * @return true if {@code other} is this range or lies inside it
   */
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
