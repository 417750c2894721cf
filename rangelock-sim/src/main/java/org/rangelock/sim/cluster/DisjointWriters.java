package org.rangelock.sim.cluster;

import java.util.List;
import org.rangelock.sim.cases.Case.Role;
import org.rangelock.sim.cases.Case.Window;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 102, two nodes writing different pages of one file: A writes pages 0 and 2, B pages 1 and 3,
 * each {@link #ROUNDS} times with buffered writes. Nothing conflicts, so nothing may be lost:
 * afterwards every path of every node shows each page's last write. The point of the 2003 mail is
 * the cost: such writes need no communication; {@link DisjointWriteMeasurement} counts it.
 */
final class DisjointWriters extends BaseDfsCase {
  static final int OLD = 0x32;
  static final int ROUNDS = 3;

  DisjointWriters() {
    super(102, "disjoint writers on two nodes", OLD);
  }

  static int tag(int round, int page) {
    return 0x40 + 0x10 * round + page;
  }

  @Override
  public List<Role> roles(DfsWorld w) {
    return List.of(
        new Role(
            "A-write",
            () -> {
              for (int r = 0; r < ROUNDS; r++) {
                w.write(w.a, 0, DfsWorld.page(tag(r, 0), 0));
                w.write(w.a, 2, DfsWorld.page(tag(r, 2), 2));
              }
            }),
        new Role(
            "B-write",
            () -> {
              for (int r = 0; r < ROUNDS; r++) {
                w.write(w.b, 1, DfsWorld.page(tag(r, 1), 1));
                w.write(w.b, 3, DfsWorld.page(tag(r, 3), 3));
              }
            }));
  }

  @Override
  public void check(DfsWorld w) {
    for (int i = 0; i < DfsWorld.PAGES; i++) {
      w.everyPathShows(ViolationKind.LOST_WRITE, i, DfsWorld.page(tag(ROUNDS - 1, i), i));
    }
  }

  @Override
  public List<Window> windows() {
    return List.of();
  }
}
