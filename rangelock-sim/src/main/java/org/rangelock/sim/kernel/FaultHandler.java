package org.rangelock.sim.kernel;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import org.rangelock.sim.exclusion.Exclusion;
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
 *
 * <p>With fault-around on ({@link #faultAround}), a read fault first maps the cached, uptodate
 * pages around it without any of that, as {@code filemap_map_pages} does (the page lock, tried, is
 * its only lock).
 */
public final class FaultHandler {
  private final Kernel k;

  /** Pages fault-around covers ({@code fault_around_bytes / PAGE_SIZE}); 1 turns it off. */
  private volatile int faultAroundPages = 1;

  FaultHandler(Kernel k) {
    this.k = k;
  }

  /**
   * Turns fault-around on ({@code pages} &gt; 1, a power of two; Linux's default is 16) or off (1).
   * Off by default, so that the cases that do not ask for it keep one fault per page.
   */
  public void faultAround(int pages) {
    if (pages < 1 || Integer.bitCount(pages) != 1) {
      throw new IllegalArgumentException("fault-around pages must be a power of two: " + pages);
    }
    faultAroundPages = pages;
  }

  /**
   * Turns the fault path that drops {@code mmap_lock} to read a missing page on or off (off by
   * default, so that the cases that do not ask for it keep one fault per access). When on, a fault
   * on a page that is not cached does what the design's {@link
   * org.rangelock.sim.exclusion.Exclusion#faultIoWait} says: read it with {@code mmap_lock} held,
   * or drop the lock (taking a file reference first, or not), read it ahead into the cache ({@code
   * page_cache_sync_ra}), put the reference and return for a retry ({@code VM_FAULT_RETRY}); the
   * retry looks the vma up again, which {@code munmap} may have removed meanwhile (SIGSEGV).
   */
  public void dropLockForIo(boolean on) {
    dropLockForIo = on;
  }

  private volatile boolean dropLockForIo;

  void fault(Vma vma, long vpn, boolean write) {
    AddressSpace mm = vma.mm();
    java.util.concurrent.locks.Lock mmapLock = mm.mmapLock.readLock();
    mmapLock.lock();
    boolean held = true;
    try {
      if (!mm.vmas.contains(vma)) { // find_vma under mmap_lock: munmap came first
        throw new IllegalArgumentException("SIGSEGV: no mapping at vpn " + vpn + " of " + mm);
      }
      Inode inode = vma.inode();
      long index = vma.indexOf(vpn);
      Exclusion.FaultIoWait how = k.exclusion.faultIoWait();
      if (dropLockForIo
          && how != Exclusion.FaultIoWait.HOLDS_MMAP_LOCK
          && inode.cache.get(index) == null
          && index * PAGE < inode.size) {
        boolean pin = how == Exclusion.FaultIoWait.DROPS_MMAP_LOCK_PINNING_FILE;
        if (pin) {
          k.fs.get(inode); // fpin = get_file(vma->vm_file), before mmap_read_unlock
        }
        mmapLock.unlock();
        held = false;
        try {
          k.races.hit(
              RacePoint.FAULT_LOCK_DROPPED,
              "fault "
                  + inode
                  + " page "
                  + index
                  + (pin ? " (file pinned)" : " (file not pinned)"));
          k.io.readahead(inode, index * PAGE, PAGE);
        } finally {
          if (pin) {
            k.fs.put(inode); // fput(fpin): if it is the last, the inode is evicted here
          }
        }
        k.races.log("retry fault " + inode + " page " + index + " (VM_FAULT_RETRY)");
        return; // the access faults again, under mmap_lock
      }
      try (Held mmapSem = k.exclusion.enterFaultMm(mm)) {
        handle(vma, vpn, write);
      }
    } finally {
      if (held) {
        mmapLock.unlock();
      }
    }
  }

  private void handle(Vma vma, long vpn, boolean write) {
    Inode inode = vma.inode();
    long index = vma.indexOf(vpn);
    if (!write && faultAroundPages > 1 && mapPagesAround(vma, vpn)) {
      return; // the faulting page itself was cached and is mapped now (do_fault_around)
    }
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
        long eof = inode.sizeFor(index * PAGE, index * PAGE + 1, what);
        if (index * PAGE >= eof) {
          k.races.log("SIGBUS " + what + " (size " + eof + ")");
          checkSigBus(inode, index, what);
          throw new SigBus(what + " beyond EOF " + eof);
        }
        page = k.fs.getPage(inode, index, true, true, RacePoint.FAULT_BEFORE_READPAGE);
      }
      boolean locked = k.pageLock();
      try {
        if (k.exclusion.rechecksSizeUnderPageLock()
            && index * PAGE >= inode.sizeFor(index * PAGE, index * PAGE + 1, what + " (recheck)")) {
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

  /**
   * Fault-around ({@code do_fault_around}, {@code filemap_map_pages}, Linux 3.15+): before a read
   * fault's own handling, maps read-only every page of the aligned window around it that is cached
   * and uptodate and not mapped yet, with no {@code ->fault} and so none of the locks a fault
   * takes. Per page, as Linux: take a reference, try-lock the page (skip it if that fails, where
   * the strategy locks pages), and under the lock check it is still in the cache, uptodate and
   * below EOF; install under the page-table lock if the strategy's fault sequence still holds. True
   * if the faulting page is mapped afterwards.
   */
  private boolean mapPagesAround(Vma vma, long vpn) {
    Inode inode = vma.inode();
    long index = vma.indexOf(vpn);
    long from = Math.max(vma.pgoff(), index / faultAroundPages * faultAroundPages);
    long to = Math.min(vma.pgoff() + vma.pages(), from + faultAroundPages);
    boolean mappedFaulting = false;
    Held h = k.exclusion.tryEnterMapPages(inode, from, to);
    if (h == null) {
      k.races.log("fault-around of " + inode + " pages " + from + ".." + to + " skipped");
      return false;
    }
    try (h) {
      long sequence = k.exclusion.faultSequence(inode);
      for (long i = from; i < to; i++) {
        long v = vma.startVpn() + (i - vma.pgoff());
        if (vma.mm().pte(v) != null) {
          continue;
        }
        Page p = inode.cache.get(i);
        if (p == null || !p.uptodate || !p.tryGet()) {
          continue;
        }
        boolean locked = k.pageLock() && p.tryLock();
        try {
          if (k.pageLock() && !locked) {
            continue;
          }
          if (p.removed || !p.uptodate || i * PAGE >= inode.size) {
            continue;
          }
          String what = "fault-around " + inode + " page " + i;
          k.races.hit(RacePoint.MAP_PAGES_BEFORE_INSTALL, what + " " + p);
          p.refs.incrementAndGet(); // the PTE's reference
          if (!k.mmu.installIf(vma.mm(), v, new Pte(p.frame, p, false), valid(inode, sequence))) {
            p.refs.decrementAndGet();
            k.races.log(what + " not mapped: the mapping was unmapped meanwhile");
            continue;
          }
          k.races.log("installed PTE for " + what + " -> " + p);
          mappedFaulting |= i == index;
        } finally {
          if (locked) {
            p.unlock();
          }
          p.put(k.memory);
        }
      }
    }
    return mappedFaulting;
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
