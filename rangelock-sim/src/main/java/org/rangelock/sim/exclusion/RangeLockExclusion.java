package org.rangelock.sim.exclusion;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;
import org.rangelock.sim.kernel.Inode;

/**
 * {@code RANGE_LOCK}: one {@link RangeLock} per file with {@link ModeTable#mapping()}, taken by
 * every operation on the pages it touches, in the mode named after it: faults {@code FAULT},
 * buffered read {@code READ}, buffered write and fallocate {@code WRITE}, direct IO {@code DIRECT},
 * writeback {@code WRITEBACK}, page killers {@code INVALIDATE} (to EOF where they act to EOF). Byte
 * ranges are widened to whole pages, the unit faults and the cache work in.
 *
 * <p>What it keeps of 2012: the page lock (it orders two faults filling the same page — FAULT
 * shares with FAULT), and the flush and invalidate before direct IO (DIRECT shares with WRITEBACK
 * precisely so that a direct write can flush first). What it drops: the {@code i_size} rechecks,
 * the second unmap and the invalidation after a direct write — the lock makes them unnecessary, and
 * the case report shows whether that claim holds.
 *
 * <p>Direct IO from a mapped buffer: DIRECT conflicts with FAULT, so a direct IO that faulted its
 * buffer in under its own DIRECT hold would wait for itself when the buffer maps the range (the
 * lock reports it as a self-deadlock), and two direct writes each from a mapping of the other's
 * file would wait for each other (AB-BA). This strategy pins the buffer as gfs2 and btrfs do since
 * Linux 5.16 ({@link UserBufferPin#PREFAULT_NOFAULT_RETRY}): fault in with no lock held, pin with
 * faults disabled under DIRECT, retry what could not be pinned. No fault handler runs under a
 * DIRECT hold, so no wait for FAULT starts while DIRECT is held: neither cycle can form.
 */
public final class RangeLockExclusion implements Exclusion {
  private static final long PAGE = 4096;
  private final Map<Integer, RangeLock<MappingMode>> locks = new ConcurrentHashMap<>();
  private final UserBufferPin pin;

  /** The strategy as the report runs it. */
  public RangeLockExclusion() {
    this(UserBufferPin.PREFAULT_NOFAULT_RETRY);
  }

  /**
   * With another way of pinning direct IO buffers: {@link UserBufferPin#FAULT_UNDER_LOCK} shows the
   * self-deadlock and the AB-BA hang that prefaulting removes.
   */
  public RangeLockExclusion(UserBufferPin pin) {
    this.pin = java.util.Objects.requireNonNull(pin, "pin");
  }

  @Override
  public UserBufferPin userBufferPin() {
    return pin;
  }

  /** The lock of {@code inode}, for tests and introspection. */
  public RangeLock<MappingMode> lockOf(Inode inode) {
    return locks.computeIfAbsent(inode.id(), i -> RangeLock.create(ModeTable.mapping()));
  }

  static MappingMode modeOf(Op op) {
    switch (op) {
      case FAULT:
        return MappingMode.FAULT;
      case READ:
      case READAHEAD:
        return MappingMode.READ;
      case WRITE:
      case FALLOCATE:
        return MappingMode.WRITE;
      case DIRECT_READ:
      case DIRECT_WRITE:
        return MappingMode.DIRECT;
      case WRITEBACK:
        return MappingMode.WRITEBACK;
      default:
        return MappingMode.INVALIDATE;
    }
  }

  @Override
  public String name() {
    return "RANGE_LOCK";
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    long from = start / PAGE * PAGE;
    Range range =
        end == Long.MAX_VALUE || end > Long.MAX_VALUE - PAGE
            ? Range.from(from)
            : Range.of(from, Math.max(from + PAGE, (end + PAGE - 1) / PAGE * PAGE));
    RangeHandle<MappingMode> h = lockOf(inode).acquire(range, modeOf(op));
    return h::close;
  }

  /**
   * Fault-around takes {@code FAULT} on the pages it may map, as a fault would, but only if it can
   * at once: it runs before the fault's own hold, and a blocking wait there behind a queued killer
   * while another range of the same thread is held is what the core's FIFO order must never meet.
   */
  @Override
  public Held tryEnterMapPages(Inode inode, long fromIndex, long toIndex) {
    RangeHandle<MappingMode> h =
        lockOf(inode).tryAcquire(Range.of(fromIndex * PAGE, toIndex * PAGE), MappingMode.FAULT);
    return h == null ? null : h::close;
  }

  @Override
  public String heldAtQuiescence() {
    StringBuilder b = new StringBuilder();
    locks.forEach(
        (id, l) -> {
          var snap = l.snapshot();
          if (!snap.held().isEmpty() || !snap.waiting().isEmpty()) {
            b.append("range lock of inode ").append(id).append(": ").append(snap).append("; ");
          }
        });
    return b.toString();
  }

  @Override
  public boolean usesPageLock() {
    return true;
  }

  @Override
  public boolean rechecksSizeUnderPageLock() {
    return false;
  }

  @Override
  public boolean unmapsTwice() {
    return false;
  }

  @Override
  public boolean flushesBeforeDirectIo() {
    return true;
  }

  @Override
  public boolean invalidatesAfterDirectWrite() {
    return false;
  }

  /**
   * The range lock sits on a current kernel: a fault drops {@code mmap_lock} to read a missing page
   * holding a reference on the file ({@code maybe_unlock_mmap_for_io}, {@code fpin}, Linux 5.1+);
   * the read it does meanwhile is readahead, under {@code READ} on the page, and the retry takes
   * {@code FAULT}.
   */
  @Override
  public FaultIoWait faultIoWait() {
    return FaultIoWait.DROPS_MMAP_LOCK_PINNING_FILE;
  }
}
