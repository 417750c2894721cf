package org.rangelock.sim.exclusion;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rangelock.sim.kernel.Inode;

/**
 * {@code I_MMAP_RWSEM}: the 2020 proposal to keep faults away from the page killers with the
 * mapping's existing {@code i_mmap_rwsem} instead of a new lock, with Matthew Wilcox's "no new
 * maps" flag (2020, in the discussion of Jan Kara's {@code invalidate_lock} series; not merged).
 * Modelled from that design as the history states it, not from a patch: on the generic locking of
 * {@link LegacyExclusion} ({@code i_rwsem}, page lock, {@code i_size} rechecks, flush and
 * invalidation around direct IO, punch's writeback), with no {@code XFS_MMAPLOCK}, on a 5.x kernel:
 *
 * <ul>
 *   <li>{@code i_mmap_rwsem} held shared across the whole of {@code filemap_fault} (lookup, page
 *       creation, read, PTE install);
 *   <li>a page killer, after {@code i_rwsem} exclusive, raises the mapping's "no new maps" flag and
 *       takes {@code i_mmap_rwsem} exclusive across {@code unmap_mapping_range} and the cache
 *       truncation ({@link Exclusion#enterPageDrop}), which waits for every fault already inside;
 *       it drops the semaphore before freeing the blocks and lowers the flag when it returns;
 *   <li>a fault that finds the flag raised (checked under {@code i_mmap_rwsem} shared) drops the
 *       semaphore, sleeps until the flag is down and starts again: it creates and maps no page
 *       while a killer is between its unmap and its block free.
 * </ul>
 *
 * Buffered reads, readahead, fault-around ({@code filemap_map_pages}), direct IO and writeback take
 * neither the semaphore nor look at the flag: the design is about mappings, so readahead can still
 * bring a page back between the cache truncation and the block free (case 18), as under {@code
 * MMAPLOCK}. The sim raises the flag when the killer starts (after {@code i_rwsem}) rather than
 * under the exclusive semaphore: a fault that comes between the two points waits instead of being
 * unmapped, which changes no outcome. In Linux the rmap walk inside the cache truncation takes
 * {@code i_mmap_rwsem} itself, below the page lock, so holding it across {@code filemap_fault}
 * (which takes the page lock) inverts the documented order (mm/rmap.c); the sim does not model the
 * rmap's own acquisition, so that objection to the design is stated here, not shown as a hang.
 *
 * <p>A fault reads a missing page with {@code mmap_lock} dropped and the file pinned ({@code fpin},
 * 5.1+), as in the kernels the proposal was made against.
 */
public final class IMmapRwsemExclusion extends LegacyExclusion {
  /** One file's {@code i_mmap_rwsem} and its "no new maps" flag (a count: killers may nest). */
  private static final class Mapping {
    final ReentrantReadWriteLock iMmap = new ReentrantReadWriteLock();
    int noNewMaps;
  }

  private final Map<Integer, Mapping> mappings = new ConcurrentHashMap<>();
  private final boolean noNewMapsFlag;

  /** The design as the report runs it: the semaphore and the flag. */
  public IMmapRwsemExclusion() {
    this(true);
  }

  /**
   * With {@code noNewMapsFlag} false, {@code i_mmap_rwsem} alone: a fault that comes after the
   * killer dropped the semaphore and before it freed the blocks reads the old block into the cache
   * (what the flag is for; {@code CaseWindowsTest.iMmapRwsemNeedsItsFlag}).
   */
  public IMmapRwsemExclusion(boolean noNewMapsFlag) {
    this.noNewMapsFlag = noNewMapsFlag;
  }

  private Mapping of(Inode inode) {
    return mappings.computeIfAbsent(inode.id(), i -> new Mapping());
  }

  @Override
  public String name() {
    return "I_MMAP_RWSEM";
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    Held outer = super.enter(op, inode, start, end);
    Mapping m = of(inode);
    if (op == Op.FAULT) {
      return InodeRwsem.both(outer, sharedWithoutFlag(m));
    }
    if (!op.isPageKiller() || !noNewMapsFlag) {
      return outer;
    }
    synchronized (m) {
      m.noNewMaps++;
    }
    return InodeRwsem.both(
        outer,
        () -> {
          synchronized (m) {
            m.noNewMaps--;
            m.notifyAll();
          }
        });
  }

  /** {@code i_mmap_rwsem} shared, taken when the flag is down (a fault sleeps while it is up). */
  private static Held sharedWithoutFlag(Mapping m) {
    ReentrantReadWriteLock.ReadLock r = m.iMmap.readLock();
    boolean interrupted = false;
    for (; ; ) {
      r.lock();
      synchronized (m) {
        if (m.noNewMaps == 0) {
          break;
        }
      }
      r.unlock();
      synchronized (m) {
        while (m.noNewMaps > 0) {
          try {
            m.wait();
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return r::unlock;
  }

  @Override
  public Held enterPageDrop(Inode inode) {
    ReentrantReadWriteLock.WriteLock w = of(inode).iMmap.writeLock();
    w.lock();
    return w::unlock;
  }

  @Override
  public FaultIoWait faultIoWait() {
    return FaultIoWait.DROPS_MMAP_LOCK_PINNING_FILE;
  }

  @Override
  public String heldAtQuiescence() {
    StringBuilder b = new StringBuilder(super.heldAtQuiescence());
    mappings.forEach(
        (id, m) -> {
          synchronized (m) {
            if (m.iMmap.isWriteLocked() || m.iMmap.getReadLockCount() > 0 || m.noNewMaps != 0) {
              b.append("i_mmap_rwsem of inode ")
                  .append(id)
                  .append(": ")
                  .append(m.iMmap)
                  .append(", no new maps ")
                  .append(m.noNewMaps)
                  .append("; ");
            }
          }
        });
    return b.toString();
  }
}
