package org.rangelock.sim.exclusion;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rangelock.sim.kernel.Inode;

/**
 * {@code SEQSCHEDLOCK}: the 2.6-era proposals to replace {@code mapping->truncate_count} by a
 * sequence lock on a per-mapping {@code truncate_lock} — Andrea Arcangeli's "seqschedlock" and Paul
 * McKenney's {@code fr_lock} (2003–2006), neither merged. The sim models the design they share:
 * truncate and the other page killers are writers for their whole operation (the sequence is odd
 * from before the unmap to after the blocks are freed, where {@code truncate_count} was bumped only
 * by each {@code unmap_mapping_range}); a fault is a reader around {@code ->nopage}: it waits,
 * sleeping rather than spinning (the "sched" of the name), while a writer is inside, samples the
 * sequence before the page lookup, and compares under the page-table lock before installing its
 * PTE, retrying the fault if a writer ran meanwhile ({@code do_no_page}'s retry, as for {@link
 * TruncateCountExclusion}). The rest is 2.6 as in {@link TruncateCountExclusion}: {@code i_mutex}
 * for writes and killers, page lock, no {@code i_size} recheck under it, truncate unmaps once and
 * its cache truncation does not unmap.
 *
 * <p>Where the sim had to choose: the exact function names and the placement of the read side in
 * those patches are not reproduced here (the sim follows the shape above, from the history as the
 * project's issue 12 records it); the retry drops only the PTE, not a page the fault brought into
 * the cache, as {@code do_no_page} did.
 */
public final class SeqSchedLockExclusion extends IMutexExclusion {
  /** The sequence of one file's {@code truncate_lock}: odd while a writer is inside. */
  private static final class SeqSchedLock {
    private long sequence;

    synchronized void writeBegin() {
      sequence++;
    }

    synchronized void writeEnd() {
      sequence++;
      notifyAll();
    }

    /** Sleeps while a writer is inside, then returns the (even) sequence. */
    synchronized long readBegin() {
      boolean interrupted = false;
      while ((sequence & 1) != 0) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return sequence;
    }

    synchronized boolean readValid(long sample) {
      return sequence == sample;
    }

    synchronized long value() {
      return sequence;
    }
  }

  private final Map<Integer, SeqSchedLock> locks = new ConcurrentHashMap<>();

  private SeqSchedLock lockOf(Inode inode) {
    return locks.computeIfAbsent(inode.id(), i -> new SeqSchedLock());
  }

  @Override
  public String name() {
    return "SEQSCHEDLOCK";
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    Held outer = super.enter(op, inode, start, end); // i_mutex, as for TRUNCATE_COUNT
    if (!op.isPageKiller()) {
      return outer;
    }
    SeqSchedLock l = lockOf(inode);
    l.writeBegin();
    return InodeRwsem.both(outer, l::writeEnd);
  }

  @Override
  public long faultSequence(Inode inode) {
    return lockOf(inode).readBegin();
  }

  @Override
  public boolean faultStillValid(Inode inode, long sequence) {
    return lockOf(inode).readValid(sequence);
  }

  @Override
  public String heldAtQuiescence() {
    StringBuilder b = new StringBuilder(super.heldAtQuiescence());
    locks.forEach(
        (id, l) -> {
          if ((l.value() & 1) != 0) {
            b.append("truncate_lock of inode ").append(id).append(" write-held; ");
          }
        });
    return b.toString();
  }
}
