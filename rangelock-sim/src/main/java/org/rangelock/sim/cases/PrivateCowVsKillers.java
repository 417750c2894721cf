package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 17, private copy-on-write pages vs punch and truncate. Page 2 of a four-page file was copied
 * on write in a private mapping before the race. Then, at once: a hole punch of pages 1 and 2
 * (after which a second file takes the freed blocks); a truncate to three pages; and a thread that
 * stores into pages 1 and 3 of the private mapping (copy-on-write faults).
 *
 * <p>The two killers treat private copies differently, as Linux does: hole punch unmaps with {@code
 * even_cows} false ({@code truncate_pagecache_range}), so a private copy is the process's own
 * memory and survives; truncate unmaps with {@code even_cows} true ({@code truncate_pagecache}), so
 * an access to a private page past the new EOF raises SIGBUS like any other. Afterwards: private
 * page 2 still holds its copy with the earlier store; private page 1 holds the racing store over
 * either the old data or zeros (its copy came before or after the punch); private and shared page 3
 * raise SIGBUS; shared pages 1 and 2 read zeros (through the mapping, the cache, and on disk after
 * fsync); page 0 is untouched.
 */
final class PrivateCowVsKillers extends BaseCase {
  static final int OLD = 0xA8;
  static final int OTHER = 0x08;
  static final byte[] EARLIER = {0x21, 0x22, 0x23};
  static final byte[] STORE = {0x51, 0x52, 0x53, 0x54};
  static final int AT = 64;
  static final long NEW_SIZE = 3L * PAGE;

  PrivateCowVsKillers() {
    super(17, "private COW vs punch + truncate", OLD);
  }

  @Override
  public void setUp(World w) {
    super.setUp(w);
    w.k.mmu.store(w.mm, w.priv.address(2L * PAGE + AT), EARLIER, 0, EARLIER.length);
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "cow",
            () -> {
              w.k.mmu.store(w.mm, w.priv.address(PAGE + AT), STORE, 0, STORE.length);
              try {
                w.k.mmu.store(w.mm, w.priv.address(3L * PAGE + AT), STORE, 0, STORE.length);
              } catch (org.rangelock.sim.kernel.SigBus e) {
                // allowed: the truncate came first
              }
            }),
        new Role(
            "punch",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "punch");
              w.punchPagesOneAndTwoAndReuse(OTHER);
            }),
        new Role("truncate", () -> w.k.killers.truncate(w.file, NEW_SIZE)));
  }

  @Override
  public void check(World w) {
    w.expectOneOf(
        ViolationKind.LOST_WRITE,
        "private page 2 (copied before the punch)",
        w.loadPage(w.priv, 2),
        World.overlay(World.page(OLD, 2), EARLIER, AT));
    w.expectOneOf(
        ViolationKind.LOST_WRITE,
        "private page 1 (copied during the punch)",
        w.loadPage(w.priv, 1),
        World.overlay(World.page(OLD, 1), STORE, AT),
        World.overlay(World.zeros(), STORE, AT));
    for (var vma : List.of(w.priv, w.shared)) {
      byte[] past = w.loadPage(vma, 3);
      if (past != null) {
        w.races.violation(
            ViolationKind.NO_SIGBUS_BEYOND_EOF,
            (vma.shared() ? "shared" : "private")
                + " page 3 past EOF "
                + NEW_SIZE
                + " returned "
                + World.describe(past));
      }
    }
    w.expectPunchedZerosThroughMappingAndCache(w.shared, "shared mapping");
    w.expectOneOf(
        ViolationKind.STALE_DATA, "untouched page 0", w.cachedPage(w.file, 0), World.page(OLD, 0));
    w.expectPunchedZerosOnDiskAfterFsync();
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "the copy-on-write fault of page 3 installs its copy after the truncate's unmap",
            r ->
                r.pauseAt(
                        "truncate",
                        RacePoint.KILL_START,
                        1,
                        "cow:" + RacePoint.FAULT_BEFORE_INSTALL + "#2",
                        Windows.WAIT)
                    .pauseAt(
                        "cow", RacePoint.FAULT_BEFORE_INSTALL, 2, "truncate:done", Windows.WAIT)),
        new Window(
            "the copy-on-write fault of page 1 refills the cache between the punch's cache"
                + " truncation and its block free",
            r ->
                r.pauseAt(
                        "punch",
                        RacePoint.ROLE_START,
                        1,
                        "cow:" + RacePoint.FAULT_START,
                        Windows.WAIT)
                    .pauseAt(
                        "cow",
                        RacePoint.FAULT_START,
                        1,
                        "punch:" + RacePoint.KILL_BEFORE_FREE,
                        Windows.WAIT)
                    .pauseAt(
                        "punch",
                        RacePoint.KILL_BEFORE_FREE,
                        1,
                        "cow:" + RacePoint.FAULT_BEFORE_INSTALL + "#1",
                        Windows.WAIT)));
  }
}
