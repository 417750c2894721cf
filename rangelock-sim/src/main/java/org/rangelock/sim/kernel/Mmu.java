package org.rangelock.sim.kernel;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The memory-management unit: loads and stores through page tables and per-CPU TLBs, the PTE
 * changes the kernel makes (install, zap, write-protect), TLB shootdown and the reverse map.
 *
 * <p>Each simulated thread is a CPU with its own TLB. An access holds its CPU's TLB lock from the
 * lookup to the end of the copy, and a shootdown takes every CPU's TLB lock in turn: so, as with an
 * IPI that is only taken between instructions, an access finishes before a shootdown returns and
 * none starts through the dropped entry afterwards. Faults run with no TLB lock held.
 */
public final class Mmu {
  /** One CPU's TLB. Only its own thread fills it; any thread shoots entries down. */
  static final class Cpu {
    final ReentrantLock lock = new ReentrantLock();
    final Map<Long, Pte> tlb = new HashMap<>();
  }

  private final Kernel kernel;
  private final List<Cpu> cpus = new CopyOnWriteArrayList<>();

  /**
   * Each thread's CPU on this machine. Keyed by thread in the machine (not a thread-local in the
   * thread): a thread that outlives many machines, like a harness's worker, must not keep them
   * alive through its TLBs.
   */
  private final Map<Thread, Cpu> current = new java.util.concurrent.ConcurrentHashMap<>();

  Mmu(Kernel kernel) {
    this.kernel = kernel;
  }

  private Cpu cpu() {
    return current.computeIfAbsent(
        Thread.currentThread(),
        t -> {
          Cpu c = new Cpu();
          cpus.add(c);
          return c;
        });
  }

  private static long key(AddressSpace mm, long vpn) {
    return ((long) mm.id << 44) | vpn;
  }

  /** Loads {@code length} bytes at {@code address}; faults as needed; may throw {@link SigBus}. */
  public void load(AddressSpace mm, long address, byte[] dst, int offset, int length) {
    access(mm, address, dst, offset, length, false);
  }

  /** Stores {@code length} bytes at {@code address}; faults as needed; may throw {@link SigBus}. */
  public void store(AddressSpace mm, long address, byte[] src, int offset, int length) {
    access(mm, address, src, offset, length, true);
  }

  private void access(
      AddressSpace mm, long address, byte[] buf, int offset, int length, boolean write) {
    int done = 0;
    while (done < length) {
      long a = address + done;
      long vpn = a / PhysicalMemory.PAGE;
      int in = (int) (a % PhysicalMemory.PAGE);
      int n = Math.min(length - done, PhysicalMemory.PAGE - in);
      accessPage(mm, vpn, in, buf, offset + done, n, write);
      done += n;
    }
  }

  private void accessPage(
      AddressSpace mm, long vpn, int in, byte[] buf, int offset, int n, boolean write) {
    for (int attempt = 0; ; attempt++) {
      Cpu cpu = cpu();
      cpu.lock.lock();
      try {
        long k = key(mm, vpn);
        Pte pte = cpu.tlb.get(k);
        if (pte == null) {
          pte = mm.table.get(vpn); // hardware walk
          if (pte != null) {
            cpu.tlb.put(k, pte);
          }
        }
        if (pte != null && (!write || pte.writable)) {
          pte.accessed = true;
          String how = (write ? "store" : "load") + " at vpn " + vpn + " of " + mm;
          if (write) {
            pte.dirty = true;
            kernel.memory.write(pte.frame, in, buf, offset, n, how);
          } else {
            kernel.memory.read(pte.frame, in, buf, offset, n, how);
          }
          return;
        }
      } finally {
        cpu.lock.unlock();
      }
      if (attempt > 1000) {
        throw new IllegalStateException("fault loop at vpn " + vpn + " of " + mm);
      }
      Vma vma = mm.vmaOf(vpn);
      if (vma == null) {
        throw new IllegalArgumentException("SIGSEGV: no mapping at vpn " + vpn + " of " + mm);
      }
      kernel.faults.fault(vma, vpn, write);
    }
  }

  /**
   * A user page pinned for IO ({@code get_user_pages}): the frame, and the file page it belongs to
   * (null for an anonymous frame). A pinned file page holds a reference, so it outlives its removal
   * from the cache; a pinned anonymous frame is freed at {@link #unpin} if it was unmapped
   * meanwhile.
   */
  public record Pin(FrameRef frame, Page page) {}

  /** Anonymous frames pinned for IO: pin count, and whether their PTE went while pinned. */
  private final Map<FrameRef, int[]> anonPins = new HashMap<>();

  /**
   * Pins the page at {@code vpn} without faulting ({@code FOLL_NOFAULT}, as gup does with page
   * faults disabled): null unless a present entry allows the access ({@code forWrite}: writable).
   * Takes only the page-table lock, a leaf lock: no strategy lock, no page lock, no wait.
   */
  public Pin pinNoFault(AddressSpace mm, long vpn, boolean forWrite) {
    mm.ptl.lock();
    try {
      Pte pte = mm.table.get(vpn);
      if (pte == null || (forWrite && !pte.writable)) {
        return null;
      }
      if (pte.page != null) {
        return pte.page.tryGet() ? new Pin(pte.frame, pte.page) : null;
      }
      synchronized (anonPins) {
        anonPins.computeIfAbsent(pte.frame, f -> new int[2])[0]++;
      }
      return new Pin(pte.frame, null);
    } finally {
      mm.ptl.unlock();
    }
  }

  /**
   * Pins the page at {@code vpn}, faulting it in (with the caller's locks held, as {@code
   * get_user_pages} does inside a direct IO); may throw {@link SigBus}.
   */
  public Pin pinFaulting(AddressSpace mm, long vpn, boolean forWrite) {
    for (int attempt = 0; ; attempt++) {
      Pin p = pinNoFault(mm, vpn, forWrite);
      if (p != null) {
        return p;
      }
      if (attempt > 1000) {
        throw new IllegalStateException("pin loop at vpn " + vpn + " of " + mm);
      }
      Vma vma = mm.vmaOf(vpn);
      if (vma == null) {
        throw new SigBus("EFAULT: no mapping at vpn " + vpn + " of " + mm);
      }
      kernel.faults.fault(vma, vpn, forWrite);
    }
  }

  /**
   * {@code fault_in_iov_iter_readable / _writeable}: touches each page of {@code [address, address
   * + length)} so that a later {@link #pinNoFault} finds it present; returns how many bytes from
   * the start are now faulted in (short at a SIGBUS or a hole in the address space).
   */
  public int faultIn(AddressSpace mm, long address, int length, boolean forWrite) {
    int done = 0;
    while (done < length) {
      long vpn = (address + done) / PhysicalMemory.PAGE;
      Pte pte = mm.table.get(vpn);
      if (pte == null || (forWrite && !pte.writable)) {
        Vma vma = mm.vmaOf(vpn);
        if (vma == null) {
          return done;
        }
        try {
          kernel.faults.fault(vma, vpn, forWrite);
        } catch (SigBus e) {
          return done;
        }
      }
      done += PhysicalMemory.PAGE - (int) ((address + done) % PhysicalMemory.PAGE);
    }
    return Math.min(done, length);
  }

  /**
   * Releases a pin; {@code dirtied} when the IO wrote into it ({@code set_page_dirty_lock} after a
   * direct read).
   */
  public void unpin(Pin pin, boolean dirtied) {
    if (pin.page != null) {
      if (dirtied && !pin.page.removed) {
        pin.page.dirty = true;
        kernel.writeback.noteDirty(pin.page.inode);
      }
      pin.page.put(kernel.memory);
      return;
    }
    boolean free;
    synchronized (anonPins) {
      int[] c = anonPins.get(pin.frame);
      free = --c[0] == 0 && c[1] == 1;
      if (c[0] == 0) {
        anonPins.remove(pin.frame);
      }
    }
    if (free) {
      kernel.memory.free(pin.frame);
    }
  }

  /**
   * Frees an anonymous frame whose PTE went, unless it is pinned (then {@link #unpin} frees it).
   */
  private void freeAnon(FrameRef frame) {
    synchronized (anonPins) {
      int[] c = anonPins.get(frame);
      if (c != null) {
        c[1] = 1;
        return;
      }
    }
    kernel.memory.free(frame);
  }

  /** Pins held now, for the leak oracle. */
  public int anonymousPins() {
    synchronized (anonPins) {
      return anonPins.size();
    }
  }

  /** Removes {@code (mm, vpn)} from every TLB. */
  void shootdown(AddressSpace mm, long vpn) {
    long k = key(mm, vpn);
    for (Cpu c : cpus) {
      c.lock.lock();
      try {
        c.tlb.remove(k);
      } finally {
        c.lock.unlock();
      }
    }
  }

  /**
   * Installs {@code pte} at {@code vpn}; the caller passes a reference on the page (or the
   * anonymous frame) that the entry now owns. An entry already there is dropped.
   */
  void install(AddressSpace mm, long vpn, Pte pte) {
    installIf(mm, vpn, pte, () -> true);
  }

  /**
   * As {@link #install} if {@code valid} holds, tested under the page-table lock; false (and
   * nothing changed) if it does not.
   */
  boolean installIf(AddressSpace mm, long vpn, Pte pte, java.util.function.BooleanSupplier valid) {
    mm.ptl.lock();
    try {
      if (!valid.getAsBoolean()) {
        return false;
      }
      Pte old = mm.table.put(vpn, pte);
      if (pte.page != null) {
        pte.page.rmap.add(new Page.Mapper(mm, vpn));
        pte.page.mapcount.incrementAndGet();
      }
      if (old != null) {
        shootdown(mm, vpn);
        release(mm, vpn, old, pte.page == old.page);
      }
      return true;
    } finally {
      mm.ptl.unlock();
    }
  }

  /** Zaps the entry at {@code vpn}, if any. */
  void zap(AddressSpace mm, long vpn) {
    zap(mm, vpn, pte -> true);
  }

  /**
   * Zaps the entry at {@code vpn} if {@code which} accepts it; the test and the removal are one
   * step under the page-table lock, so an entry replaced in between (a COW copy for a file page) is
   * judged as it is now.
   */
  private void zap(AddressSpace mm, long vpn, java.util.function.Predicate<Pte> which) {
    mm.ptl.lock();
    try {
      Pte old = mm.table.get(vpn);
      if (old == null || !which.test(old)) {
        return;
      }
      mm.table.remove(vpn);
      shootdown(mm, vpn);
      release(mm, vpn, old, false);
    } finally {
      mm.ptl.unlock();
    }
  }

  private void release(AddressSpace mm, long vpn, Pte old, boolean samePage) {
    if (old.page == null) {
      freeAnon(old.frame);
      return;
    }
    if (old.dirty) {
      old.page.dirty = true; // the dirty bit moves to the page, as zap_pte_range does
    }
    if (!samePage) {
      old.page.rmap.remove(new Page.Mapper(mm, vpn));
    }
    old.page.mapcount.decrementAndGet();
    old.page.put(kernel.memory);
  }

  /**
   * Write-protects every PTE of {@code page} ({@code page_mkclean}), so the next store faults into
   * {@code page_mkwrite}. Writeback copies the page after this, so the entries' dirty bits need no
   * carrying over.
   */
  void mkclean(Page page) {
    for (Page.Mapper m : page.rmap) {
      m.mm().ptl.lock();
      try {
        Pte pte = m.mm().table.get(m.vpn());
        if (pte != null && pte.page == page && pte.writable) {

          Pte ro = new Pte(pte.frame, page, false);
          ro.accessed = pte.accessed;
          m.mm().table.put(m.vpn(), ro);
          shootdown(m.mm(), m.vpn());
        }
      } finally {
        m.mm().ptl.unlock();
      }
    }
  }

  /**
   * {@code unmap_mapping_range}: zaps every PTE that maps file pages {@code [from, to)} of {@code
   * inode}; with {@code evenCows}, also the private copies made from them (truncate must, punch
   * must not).
   */
  void unmapMappingRange(Inode inode, long from, long to, boolean evenCows) {
    kernel.exclusion.unmapping(inode);
    for (Vma vma : inode.mappings) {
      long lo = Math.max(from, vma.pgoff());
      long hi = Math.min(to, vma.pgoff() + vma.pages());
      for (long index = lo; index < hi; index++) {
        long vpn = vma.startVpn() + (index - vma.pgoff());
        zap(vma.mm(), vpn, pte -> pte.page != null || evenCows);
      }
    }
  }

  /** Zaps the PTEs that map {@code page} through the reverse map. */
  void unmapPage(Page page) {
    for (Page.Mapper m : page.rmap) {
      zap(m.mm(), m.vpn(), pte -> pte.page == page);
    }
  }
}
