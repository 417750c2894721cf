package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import java.util.Map;
import org.rangelock.sim.kernel.Pte;
import org.rangelock.sim.kernel.Vma;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 2, mmap fault vs truncate. A four-page file (page 2 already copied-on-write in the private
 * mapping) is truncated to one and a half pages while another thread loads page 3 through the
 * shared and the private mapping and stores to page 3 of the private one. Afterwards every access
 * to pages 2 and up must raise SIGBUS through both mappings, no PTE may map them, and the tail of
 * page 1 past EOF must read zero.
 */
final class FaultVsTruncate extends BaseCase {
  static final int TAG = 0xA2;
  static final long NEW_SIZE = PAGE + PAGE / 2;

  FaultVsTruncate() {
    super(2, "mmap fault vs truncate", TAG);
  }

  @Override
  public void setUp(World w) {
    super.setUp(w);
    w.k.mmu.store(w.mm, w.priv.address(2L * PAGE), new byte[] {1, 2, 3}, 0, 3); // a COW page
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "fault",
            () -> {
              w.loadPage(w.shared, 3);
              w.loadPage(w.priv, 3);
              try {
                w.k.mmu.store(w.mm, w.priv.address(3L * PAGE), new byte[] {9}, 0, 1);
              } catch (org.rangelock.sim.kernel.SigBus e) {
                // allowed: the truncate came first
              }
              w.loadPage(w.shared, 2);
            }),
        new Role("truncate", () -> w.k.killers.truncate(w.file, NEW_SIZE)));
  }

  @Override
  public void check(World w) {
    for (Vma vma : List.of(w.shared, w.priv)) {
      String which = vma.shared() ? "shared" : "private";
      for (Map.Entry<Long, Pte> e : w.mm.entries().entrySet()) {
        long vpn = e.getKey();
        if (vpn >= vma.startVpn() + 2 && vpn < vma.startVpn() + vma.pages()) {
          w.races.violation(
              ViolationKind.STALE_MAPPING,
              which
                  + " mapping keeps a PTE for page "
                  + (vpn - vma.startVpn())
                  + " past EOF "
                  + NEW_SIZE
                  + ": "
                  + e.getValue());
        }
      }
      for (int i = 2; i <= 3; i++) {
        byte[] got = w.loadPage(vma, i);
        if (got != null) {
          w.races.violation(
              ViolationKind.NO_SIGBUS_BEYOND_EOF,
              "load of page "
                  + i
                  + " through the "
                  + which
                  + " mapping past EOF "
                  + NEW_SIZE
                  + " returned "
                  + World.describe(got));
        }
      }
    }
    byte[] tail = w.loadPage(w.shared, 1);
    byte[] want = World.page(TAG, 1);
    java.util.Arrays.fill(want, PAGE / 2, PAGE, (byte) 0);
    w.expectOneOf(ViolationKind.STALE_DATA, "last page through the mapping", tail, want);
    w.k.killers.truncate(w.file, World.PAGES * (long) PAGE);
    for (int i = 2; i <= 3; i++) {
      w.expectOneOf(
          ViolationKind.RESURRECTED_DATA,
          "re-extended page " + i,
          w.cachedPage(w.file, i),
          World.zeros());
    }
  }

  /** Pages 2 and 3 are old (before the truncate) or past EOF (SIGBUS, after it). */
  @Override
  public List<byte[]> serialStates(World w, World.Read read) {
    if (read.inode() != w.file || read.index() < 2 || read.index() > 3) {
      return null;
    }
    if (read.throughPrivateMapping() && read.index() == 2) {
      return null; // the copy made in set-up, not read by any role
    }
    return java.util.Arrays.asList(World.page(TAG, read.index()), null);
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "fault installs its PTE after truncate has unmapped and truncated the cache",
            r ->
                r.pauseAt(
                        "truncate",
                        RacePoint.KILL_START,
                        1,
                        "fault:FAULT_BEFORE_INSTALL#1",
                        Windows.WAIT)
                    .pauseAt(
                        "fault", RacePoint.FAULT_BEFORE_INSTALL, 1, "truncate:done", Windows.WAIT)),
        new Window(
            "copy-on-write fault after truncate's unmap",
            r ->
                r.pauseAt(
                        "truncate",
                        RacePoint.KILL_START,
                        1,
                        "fault:FAULT_BEFORE_INSTALL#3",
                        Windows.WAIT)
                    .pauseAt(
                        "fault", RacePoint.FAULT_BEFORE_INSTALL, 3, "truncate:done", Windows.WAIT)),
        new Window(
            "the fault reads page 3 after the new size is set and maps it before the unmap: the"
                + " load sees zeros, neither the old data nor SIGBUS",
            r ->
                r.pauseAt(
                        "truncate",
                        RacePoint.KILL_START,
                        1,
                        "fault:" + RacePoint.FAULT_BEFORE_READPAGE,
                        Windows.WAIT)
                    .pauseAt(
                        "fault",
                        RacePoint.FAULT_BEFORE_READPAGE,
                        1,
                        "truncate:" + RacePoint.KILL_BEFORE_UNMAP,
                        Windows.WAIT)
                    .pauseAt(
                        "truncate", RacePoint.KILL_BEFORE_UNMAP, 1, "fault:done", Windows.WAIT)));
  }
}
