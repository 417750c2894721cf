package org.rangelock.sim.cases;

import org.rangelock.sim.kernel.TestHooks;

/** Breaks a world's state on purpose, for oracle tests. */
final class TestAccess {
  private TestAccess() {}

  static void setSize(World w, long size) {
    TestHooks.setSize(w.file, size);
  }

  /** Drops every reference of {@code w}'s file without evicting it: an eviction that never ran. */
  static void markUnreferenced(World w) {
    TestHooks.dropReferencesWithoutEviction(w.file);
  }

  static void dirtyStalePage(World w, int index, byte[] data) {
    TestHooks.dirtyPage(w.k, w.file, index, data);
  }
}
