package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rangelock.sim.kernel.AddressSpace;
import org.rangelock.sim.kernel.Inode;
import org.rangelock.sim.kernel.Kernel;
import org.rangelock.sim.kernel.Pte;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.ViolationKind;

/**
 * The invariants every case checks on the quiescent machine, beside its own (docs/sim.md,
 * "Always"). The in-flight oracles live where the damage happens: frame generations in {@code
 * PhysicalMemory}, block owners in {@code BlockDevice}, freed-block writes and reads of a block
 * another file owns by then ({@code INFORMATION_LEAK}) in {@code FileSystem}, uninitialised
 * mappings and SIGBUS inside EOF in {@code FaultHandler}.
 */
public final class Oracles {
  private Oracles() {}

  /** Every check below, on every file and address space of {@code k}. */
  public static void always(Kernel k) {
    for (AddressSpace mm : k.addressSpaces()) {
      ptesAreLive(k, mm);
    }
    for (Inode inode : k.fs.inodes()) {
      blocksBelongToTheirFile(k, inode);
    }
    for (Inode inode : k.fs.inodes()) {
      noWrittenBlocksPastEof(k.races, k, inode);
    }
    for (Inode inode : k.fs.inodes()) {
      cacheAgreesWithDisk(k, inode);
    }
    for (Inode inode : k.fs.inodes()) {
      evictedInodesHoldNothing(k, inode);
    }
  }

  /**
   * An evicted inode keeps no cached page and no block: nothing would ever free them ({@code
   * PAGE_OF_EVICTED_INODE}; its in-flight half, a page created after the eviction began, is in
   * {@code FileSystem}).
   */
  public static void evictedInodesHoldNothing(Kernel k, Inode inode) {
    if (!inode.isEvicted()) {
      return;
    }
    for (var p : inode.cache().all()) {
      k.races.violation(
          ViolationKind.PAGE_OF_EVICTED_INODE, p + " is left in the cache of evicted " + inode);
    }
    if (!inode.allocatedIndices().isEmpty()) {
      k.races.violation(
          ViolationKind.PAGE_OF_EVICTED_INODE,
          "evicted " + inode + " still maps blocks at pages " + inode.allocatedIndices());
    }
  }

  /**
   * The serial-order oracle: every read a role made during the race (through {@link World#loadPage}
   * or {@link World#cachedPage}) shows a content the case's serial orders give that page ({@link
   * Case#serialStates}) — else {@code STALE_DATA}, or {@code INFORMATION_LEAK} when what it got is
   * a page of the second file. Pages the case makes no claim about are skipped.
   */
  public static void explainReads(World w, Case c) {
    for (World.Read r : w.reads) {
      List<byte[]> states = c.serialStates(w, r);
      if (states == null) {
        continue;
      }
      boolean explained = false;
      for (byte[] s : states) {
        explained |= s == null ? r.got() == null : Arrays.equals(s, r.got());
      }
      if (explained) {
        continue;
      }
      // Another file's bytes: one of its pages below its EOF that holds data (zeros are anyone's).
      boolean leak = false;
      long otherPages = (w.other.size() + PAGE - 1) / PAGE;
      for (int i = 0; r.got() != null && i < otherPages && !leak; i++) {
        byte[] theirs = w.diskPage(w.other, i);
        leak = !Arrays.equals(theirs, new byte[PAGE]) && Arrays.equals(r.got(), theirs);
      }
      w.races.violation(
          leak ? ViolationKind.INFORMATION_LEAK : ViolationKind.STALE_DATA,
          r.role()
              + "'s "
              + r.how()
              + " of page "
              + r.index()
              + " during the race got "
              + World.describe(r.got())
              + (leak ? ", the second file's data" : "")
              + "; the serial orders give "
              + World.describeAll(states.toArray(new byte[0][])));
    }
  }

  /** Clean, uptodate cached pages equal the disk below EOF; no page is cached wholly past EOF. */
  public static void cacheAgreesWithDisk(Kernel k, Inode inode) {
    for (String d : k.fs.cacheDisagreements(inode)) {
      k.races.violation(ViolationKind.CACHE_DISAGREES_WITH_DISK, d);
    }
  }

  /**
   * No frame, page reference, block, pin or lock hold outlives what refers to it; the runner calls
   * it last, after the case's own check.
   */
  public static void nothingLeaks(Kernel k) {
    for (String d : k.leaks()) {
      k.races.violation(ViolationKind.LEAK, d);
    }
  }

  /** No PTE maps a freed frame, a page that left the cache, or a page wholly past EOF. */
  public static void ptesAreLive(Kernel k, AddressSpace mm) {
    for (Map.Entry<Long, Pte> e : mm.entries().entrySet()) {
      Pte pte = e.getValue();
      if (!k.memory.isLive(pte.frame())) {
        k.races.violation(
            ViolationKind.FRAME_USE_AFTER_FREE,
            mm + " vpn " + e.getKey() + " maps freed " + pte.frame());
      }
      if (pte.page() != null) {
        if (pte.page().isRemoved()) {
          k.races.violation(
              ViolationKind.STALE_MAPPING,
              mm + " vpn " + e.getKey() + " maps " + pte.page() + ", no longer in the cache");
        }
      }
    }
    for (var vma : mm.vmas()) {
      long eofPages = (vma.inode().fileSize() + PAGE - 1) / PAGE;
      for (Map.Entry<Long, Pte> e : mm.entries().entrySet()) {
        long vpn = e.getKey();
        if (vpn >= vma.startVpn() && vpn < vma.startVpn() + vma.pages()) {
          long index = vma.pgoff() + (vpn - vma.startVpn());
          if (index >= eofPages) {
            k.races.violation(
                ViolationKind.STALE_MAPPING,
                mm
                    + " maps page "
                    + index
                    + " of "
                    + vma.inode()
                    + " past EOF "
                    + vma.inode().fileSize()
                    + ": "
                    + e.getValue());
          }
        }
      }
    }
  }

  /** Every block in a file's map is owned by that file, and by no other file's map. */
  public static void blocksBelongToTheirFile(Kernel k, Inode inode) {
    Map<Integer, Long> seen = new HashMap<>();
    for (long index : inode.allocatedIndices()) {
      int block = inode.blockOf(index);
      if (block < 0) {
        continue;
      }
      int owner = k.device.owner(block);
      if (owner != inode.id()) {
        k.races.violation(
            ViolationKind.BLOCK_OF_OTHER_FILE,
            inode + " page " + index + " maps block " + block + " owned by " + owner);
      }
      Long twice = seen.put(block, index);
      if (twice != null) {
        k.races.violation(
            ViolationKind.BLOCK_OF_OTHER_FILE,
            inode + " maps block " + block + " at pages " + twice + " and " + index);
      }
    }
  }

  /** No written block lies wholly past EOF (unwritten preallocation is allowed). */
  static void noWrittenBlocksPastEof(Races races, Kernel k, Inode inode) {
    long eofPages = (inode.fileSize() + PAGE - 1) / PAGE;
    for (long index : inode.allocatedIndices()) {
      if (index >= eofPages && inode.blockOf(index) >= 0) {
        races.violation(
            ViolationKind.WRITEBACK_PAST_EOF,
            inode
                + " has written block "
                + inode.blockOf(index)
                + " at page "
                + index
                + " past EOF "
                + inode.fileSize());
      }
    }
  }
}
