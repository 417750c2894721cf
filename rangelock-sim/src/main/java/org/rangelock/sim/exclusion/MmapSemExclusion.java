package org.rangelock.sim.exclusion;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rangelock.sim.kernel.AddressSpace;
import org.rangelock.sim.kernel.Inode;

/**
 * {@code MMAP_SEM}: Jan Kara's 2012 proposal to close the punch-vs-fault race (case 1) with the
 * lock every fault already holds: {@code mmap_sem}, read, for the whole fault ({@code
 * do_page_fault}). Hole punch (and zero, collapse and insert range, which remove pages without the
 * {@code i_size} protection truncate has) takes {@code mmap_sem} for write of every address space
 * that maps the file, in a fixed order, after {@code i_rwsem} and before it unmaps, and holds them
 * until its blocks are freed; no fault of the file can run meanwhile. Everything else is {@link
 * LegacyExclusion} (3.4–3.7 with XFS's {@code XFS_IOLOCK}). The order {@code i_rwsem} before {@code
 * mmap_sem} is the one a buffered write's copy from a user buffer already uses.
 *
 * <p>As the sim models the proposal (not merged; its code is not reproduced): what it costs is
 * visible here only as exclusion — a punch stalls every fault of every process mapping the file, on
 * any file — and what it leaves open is what takes no {@code mmap_sem}: readahead and buffered
 * reads that create pages (case 18), direct IO (cases 3, 8).
 */
public final class MmapSemExclusion extends LegacyExclusion {
  private final Map<Integer, ReentrantReadWriteLock> mmapSems = new ConcurrentHashMap<>();

  private ReentrantReadWriteLock of(AddressSpace mm) {
    return mmapSems.computeIfAbsent(mm.id(), i -> new ReentrantReadWriteLock());
  }

  @Override
  public String name() {
    return "MMAP_SEM";
  }

  @Override
  public Held enterFaultMm(AddressSpace mm) {
    ReentrantReadWriteLock.ReadLock r = of(mm).readLock();
    r.lock();
    return r::unlock;
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    Held outer = super.enter(op, inode, start, end);
    if (!op.isPageKiller() || op == Op.TRUNCATE) {
      return outer;
    }
    List<ReentrantReadWriteLock.WriteLock> taken = new ArrayList<>();
    for (AddressSpace mm : inode.mappedBy()) { // in id order: two punches cannot deadlock
      ReentrantReadWriteLock.WriteLock w = of(mm).writeLock();
      w.lock();
      taken.add(w);
    }
    return InodeRwsem.both(
        outer,
        () -> {
          for (int i = taken.size() - 1; i >= 0; i--) {
            taken.get(i).unlock();
          }
        });
  }

  @Override
  public String heldAtQuiescence() {
    StringBuilder b = new StringBuilder(super.heldAtQuiescence());
    mmapSems.forEach(
        (id, l) -> {
          if (l.isWriteLocked() || l.getReadLockCount() > 0) {
            b.append("mmap_sem of mm ").append(id).append(": ").append(l).append("; ");
          }
        });
    return b.toString();
  }
}
