package org.rangelock.sim.kernel;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.jctools.maps.NonBlockingHashMapLong;

/**
 * A process's memory: its mappings and its hardware page table (virtual page number to PTE).
 *
 * <p>Who touches what: the MMU reads the table without locks (a hardware walk); every change of an
 * entry — install by a fault, zap by unmap, write-protect by writeback — holds {@link #ptl} (the
 * page-table lock) and shoots the old entry down from every CPU's TLB before dropping it.
 */
public final class AddressSpace {
  final Kernel kernel;
  final int id;
  final NonBlockingHashMapLong<Pte> table = new NonBlockingHashMapLong<>();
  final ReentrantLock ptl = new ReentrantLock();
  final List<Vma> vmas = new CopyOnWriteArrayList<>();

  /**
   * {@code mmap_lock} ({@code mmap_sem}): every fault holds it shared while it looks its vma up and
   * handles it, {@code munmap} exclusive. Every design has it, as every design has PTE locks; a
   * design that makes other operations take it against faults models that in {@code
   * Exclusion.enterFaultMm}.
   */
  final java.util.concurrent.locks.ReentrantReadWriteLock mmapLock =
      new java.util.concurrent.locks.ReentrantReadWriteLock();

  private long nextVpn = 0x100;

  AddressSpace(Kernel kernel, int id) {
    this.kernel = kernel;
    this.id = id;
  }

  /** Maps {@code length} bytes of {@code inode} from page-aligned {@code offset}. */
  public synchronized Vma mmap(Inode inode, long offset, long length, boolean shared) {
    if (offset % PhysicalMemory.PAGE != 0 || length <= 0) {
      throw new IllegalArgumentException("mmap offset " + offset + " length " + length);
    }
    long pages = (length + PhysicalMemory.PAGE - 1) / PhysicalMemory.PAGE;
    Vma vma = new Vma(this, nextVpn, pages, inode, offset / PhysicalMemory.PAGE, shared);
    nextVpn += pages + 16;
    vmas.add(vma);
    inode.mappings.add(vma);
    inode.refs.incrementAndGet(); // vm_file
    return vma;
  }

  /**
   * Unmaps {@code vma} entirely, under {@code mmap_lock} exclusive, then drops the vma's file
   * reference ({@code fput} of {@code vm_file} after {@code mmap_write_unlock}): on an unlinked
   * file with no other reference that evicts the inode.
   */
  public void munmap(Vma vma) {
    mmapLock.writeLock().lock();
    try {
      if (!vmas.contains(vma)) {
        return;
      }
      for (long vpn = vma.startVpn(); vpn < vma.startVpn() + vma.pages(); vpn++) {
        kernel.mmu.zap(this, vpn);
      }
      vma.inode().mappings.remove(vma);
      vmas.remove(vma);
    } finally {
      mmapLock.writeLock().unlock();
    }
    kernel.fs.put(vma.inode());
  }

  Vma vmaOf(long vpn) {
    for (Vma v : vmas) {
      if (v.contains(vpn)) {
        return v;
      }
    }
    return null;
  }

  /** This address space's number on its machine (1, 2, …). */
  public int id() {
    return id;
  }

  /** The present entry for {@code vpn}, or null. */
  public Pte pte(long vpn) {
    return table.get(vpn);
  }

  /** All present entries, as (vpn, PTE) pairs. */
  public java.util.Map<Long, Pte> entries() {
    return new java.util.TreeMap<>(table);
  }

  public List<Vma> vmas() {
    return List.copyOf(vmas);
  }

  @Override
  public String toString() {
    return "mm " + id;
  }
}
