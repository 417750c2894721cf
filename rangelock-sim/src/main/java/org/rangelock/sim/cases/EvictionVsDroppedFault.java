package org.rangelock.sim.cases;

import java.util.List;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Case 21, inode eviction while a page-in holder sleeps with its lock dropped (Chinner's 2012
 * list). The file is unlinked and closed before the race, so only its two mappings hold it. One
 * thread loads page 1 through the shared mapping — with the fault path that drops {@code mmap_lock}
 * to read a missing page turned on ({@code FaultHandler.dropLockForIo}) — while another unmaps both
 * mappings, which puts the last reference and evicts the inode (cache truncated, blocks freed), and
 * then has the second file take the freed blocks.
 *
 * <p>Either serial order: the load returns page 1's old data (it came first) or SIGSEGV (the unmap
 * came first); afterwards the inode is evicted and holds no page and no block. A page the fault
 * creates in the cache after the eviction began is never freed ({@code PAGE_OF_EVICTED_INODE}).
 * Linux's answer is the file reference the fault takes before dropping the lock ({@code fpin},
 * 5.1+); before 5.1 the read was done with {@code mmap_sem} held.
 */
final class EvictionVsDroppedFault extends BaseCase {
  static final int OLD = 0xB1;
  static final int OTHER = 0x1F;

  EvictionVsDroppedFault() {
    super(21, "eviction vs fault with lock dropped", OLD);
  }

  @Override
  public void setUp(World w) {
    super.setUp(w);
    w.k.faults.dropLockForIo(true);
    w.k.fs.unlink(w.file);
    w.k.fs.put(w.file); // close(2) of the creator's open file: the mappings hold it now
  }

  @Override
  public List<Role> roles(World w) {
    return List.of(
        new Role(
            "fault",
            () -> {
              try {
                w.loadPage(w.shared, 1);
                w.returned.put("loaded", 1);
              } catch (IllegalArgumentException segv) {
                if (!segv.getMessage().startsWith("SIGSEGV")) {
                  throw segv;
                }
                w.returned.put("segv", 1);
              }
            }),
        new Role(
            "munmap",
            () -> {
              w.races.hit(RacePoint.ROLE_START, "munmap");
              w.mm.munmap(w.shared);
              w.mm.munmap(w.priv);
              w.reuseFreedBlocks(OTHER);
            }));
  }

  @Override
  public void check(World w) {
    if (w.file.references() != 0) {
      w.races.violation(
          ViolationKind.LEAK,
          w.file + " still has " + w.file.references() + " references after both unmaps");
    } else if (!w.file.isEvicted()) {
      w.races.violation(
          ViolationKind.LEAK, w.file + " is unlinked and unreferenced but was never evicted");
    }
    if (w.returned.size() != 1) {
      w.races.violation(
          ViolationKind.CRASH, "the load neither returned nor raised SIGSEGV: " + w.returned);
    }
  }

  /** Page 1 is its old data until the eviction; a load after the unmap is a SIGSEGV, not a read. */
  @Override
  public List<byte[]> serialStates(World w, World.Read read) {
    if (read.inode() != w.file || read.index() != 1) {
      return null;
    }
    return List.of(World.page(OLD, 1));
  }

  @Override
  public List<Window> windows() {
    return List.of(
        new Window(
            "the fault drops mmap_lock to read page 1; the unmap puts the last reference and the"
                + " inode is evicted before the read",
            r ->
                r.pauseAt(
                        "munmap",
                        RacePoint.ROLE_START,
                        1,
                        "fault:" + RacePoint.FAULT_LOCK_DROPPED,
                        Windows.WAIT)
                    .pauseAt(
                        "fault", RacePoint.FAULT_LOCK_DROPPED, 1, "munmap:done", Windows.WAIT)));
  }
}
