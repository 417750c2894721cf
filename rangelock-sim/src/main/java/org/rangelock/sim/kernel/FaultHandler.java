package org.rangelock.sim.kernel;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import org.rangelock.sim.exclusion.Exclusion.Held;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.ViolationKind;

/**
 * Page faults: {@code filemap_fault} for reads, {@code page_mkwrite} for the first store to a
 * shared page, copy-on-write for the first store to a private one.
 *
 * <p>Order of a fault, as in Linux: take the strategy's fault lock on the page (and, for a write
 * fault on a shared mapping, its {@code page_mkwrite} lock — taken here for the whole fault, before
 * the page lock, where Linux takes it after {@code filemap_fault} returns); check {@code i_size}
 * (SIGBUS past EOF); find or create the page (creation under the strategy's page-creation lock) and
 * read it from disk; lock it and check it is still in the cache; recheck {@code i_size} if the
 * strategy does; install the PTE. Each gap between those steps is a {@link RacePoint}.
 */
public final class FaultHandler {
  private final Kernel k;

  FaultHandler(Kernel k) {
    this.k = k;
  }

  void fault(Vma vma, long vpn, boolean write) {
    Inode inode = vma.inode();
    long index = vma.indexOf(vpn);
    String what = (write ? "write" : "read") + " fault " + inode + " page " + index;
    try (Held h = k.exclusion.enterFault(inode, index, write);
        Held mkwrite =
            write && vma.shared() ? k.exclusion.enterPageMkwrite(inode, index) : Held.NOTHING) {
      long sequence = k.exclusion.faultSequence(inode);
      Page page;
      // The i_size check belongs to the lookup (filemap_nopage makes it), so a lock taken for the
      // lookup only covers it too.
      try (Held lookup = k.exclusion.enterFaultLookup(inode, index, write)) {
        k.races.hit(RacePoint.FAULT_START, what);
        if (index * PAGE >= inode.size) {
          k.races.log("SIGBUS " + what + " (size " + inode.size + ")");
          checkSigBus(inode, index, what);
          throw new SigBus(what + " beyond EOF " + inode.size);
        }
        page = k.fs.getPage(inode, index, true, true, RacePoint.FAULT_BEFORE_READPAGE);
      }
      boolean locked = k.pageLock();
      try {
        if (k.exclusion.rechecksSizeUnderPageLock() && index * PAGE >= inode.size) {
          k.races.log("SIGBUS on recheck " + what);
          checkSigBus(inode, index, what);
          throw new SigBus(what + " beyond EOF " + inode.size + " (recheck)");
        }
        k.races.hit(RacePoint.FAULT_BEFORE_INSTALL, what + " " + page);
        if (!page.uptodate) {
          k.races.violation(
              ViolationKind.UNINITIALISED_PAGE_MAPPED,
              what + ": mapping " + page + " not uptodate");
        }
        if (write && !vma.shared()) {
          // Copy on write into an anonymous frame; the file page is not referenced by the PTE.
          FrameRef anon = k.memory.allocate();
          byte[] copy = k.memory.snapshot(page.frame, "copy on write");
          k.memory.write(anon, 0, copy, 0, PAGE, "copy on write");
          if (!k.mmu.installIf(vma.mm(), vpn, new Pte(anon, null, true), valid(inode, sequence))) {
            k.memory.free(anon);
            k.races.log("retry " + what + ": the mapping was unmapped meanwhile");
            return; // the access faults again
          }
          k.races.log("installed COW " + anon + " for " + what);
        } else {
          if (write) {
            // page_mkwrite: the page becomes dirty before the store can reach it.
            page.dirty = true;
            k.writeback.noteDirty(inode);
          }
          page.refs.incrementAndGet(); // the PTE's reference
          if (!k.mmu.installIf(
              vma.mm(),
              vpn,
              new Pte(page.frame, page, write && vma.shared()),
              valid(inode, sequence))) {
            page.refs.decrementAndGet(); // never below the caller's own reference
            k.races.log("retry " + what + ": the mapping was unmapped meanwhile");
            return; // the access faults again
          }
          k.races.log("installed PTE for " + what + " -> " + page);
        }
      } finally {
        if (locked) {
          page.unlock();
        }
        page.put(k.memory);
      }
    }
  }

  private java.util.function.BooleanSupplier valid(Inode inode, long sequence) {
    return () -> k.exclusion.faultStillValid(inode, sequence);
  }

  /** A SIGBUS at a page no truncate ever put past EOF is one no serial order explains. */
  private void checkSigBus(Inode inode, long index, String what) {
    if (index * PAGE < inode.lowWater) {
      k.races.violation(
          ViolationKind.SPURIOUS_SIGBUS,
          what
              + ": SIGBUS though EOF never went below "
              + inode.lowWater
              + " since the race began");
    }
  }
}
