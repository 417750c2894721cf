package org.rangelock.bench.reference;

import java.util.List;

/** The registry the benchmarks and tests take their locks from, by name. */
public final class RangeExclusions {
  private RangeExclusions() {}

  /** Every name {@link #of} knows, ours first. */
  public static final List<String> NAMES =
      List.of(
          "rangelock-rw",
          "rangelock-mapping",
          "rwlock",
          "stamped",
          "tree-mutex",
          "kogan-list",
          "kogan-list-spin");

  /** A new, empty lock of the given kind. */
  public static RangeExclusion of(String name) {
    switch (name) {
      case "rangelock-rw":
        return OurRangeLock.readWrite();
      case "rangelock-mapping":
        return OurRangeLock.mapping();
      case "rwlock":
        return new WholeFileLocks.RwLock();
      case "stamped":
        return new WholeFileLocks.Stamped();
      case "tree-mutex":
        return new TreeMutexRangeLock();
      case "kogan-list":
        return new KoganListRangeLock(false);
      case "kogan-list-spin":
        return new KoganListRangeLock(true);
      default:
        throw new IllegalArgumentException("no such lock: " + name + "; known: " + NAMES);
    }
  }
}
