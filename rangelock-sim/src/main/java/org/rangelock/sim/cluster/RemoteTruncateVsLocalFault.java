package org.rangelock.sim.cluster;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.List;
import org.rangelock.sim.cases.Case.Role;
import org.rangelock.sim.cases.Case.Window;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 104, a remote truncate vs a local fault and local writeback: B truncates the file to two
 * pages while A stores into page 3 through its mapping and then fsyncs. Afterwards both nodes see
 * the new size; no PTE maps a page past EOF; no block is written past EOF (A's writeback of a page
 * B cut off must not allocate one); a load of page 3 raises SIGBUS on both nodes, and once B
 * extends the file again pages 2 and 3 read zeros everywhere.
 */
final class RemoteTruncateVsLocalFault extends BaseDfsCase {
  static final int OLD = 0x34;
  static final byte[] STORE = {0x6B, 0x6B, 0x6B, 0x6B, 0x6B, 0x6B, 0x6B, 0x6B};

  RemoteTruncateVsLocalFault() {
    super(104, "remote truncate vs local fault+writeback", OLD);
  }

  @Override
  public List<Role> roles(DfsWorld w) {
    return List.of(
        new Role(
            "A-store",
            () -> {
              w.store(w.a, 3, STORE);
              w.fsync(w.a);
            }),
        new Role(
            "B-truncate",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "B truncates to 2 pages");
              w.truncate(w.b, 2L * PAGE);
            }));
  }

  @Override
  public void check(DfsWorld w) {
    for (Node n : w.nodes) {
      long size = w.stat(n);
      if (size != 2L * PAGE) {
        w.races.violation(
            ViolationKind.STALE_DATA, n.name + " sees size " + size + ", not " + 2 * PAGE);
      }
      if (w.load(n, 3) != null) {
        w.races.violation(
            ViolationKind.NO_SIGBUS_BEYOND_EOF, n.name + " loaded page 3 past EOF " + 2 * PAGE);
      }
    }
    w.truncate(w.b, 4L * PAGE);
    w.everyPathShows(ViolationKind.RESURRECTED_DATA, 2, new byte[PAGE]);
    w.everyPathShows(ViolationKind.RESURRECTED_DATA, 3, new byte[PAGE]);
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "A's write fault on page 3 installs its PTE after B's revocation zapped the range",
            r ->
                r.pauseAt(
                        "B-truncate",
                        RacePoint.ROLE_START,
                        1,
                        "A-store:" + RacePoint.FAULT_BEFORE_INSTALL,
                        DfsRunner.WAIT)
                    .pauseAt(
                        "A-store",
                        RacePoint.FAULT_BEFORE_INSTALL,
                        1,
                        "A-revoke:unmapped",
                        DfsRunner.WAIT)));
  }
}
