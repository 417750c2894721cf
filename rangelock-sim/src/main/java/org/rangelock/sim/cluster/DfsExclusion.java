package org.rangelock.sim.cluster;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.rangelock.DlmMode;
import org.rangelock.Range;
import org.rangelock.cluster.ClusterHandle;
import org.rangelock.cluster.ClusterRangeLock;
import org.rangelock.sim.exclusion.Exclusion;
import org.rangelock.sim.exclusion.Op;
import org.rangelock.sim.kernel.Inode;

/**
 * One node's exclusion in the cluster family: a cluster token from {@code rangelock-cluster} taken
 * before the node's local strategy, for as long as its {@link DfsStrategy} says, in the DLM mode
 * that fits the operation. Everything else (page locks, rechecks, flushes) is the local strategy's.
 *
 * <p>Modes: a load fault, a buffered read and a direct read cache or read clean data ({@code PR}:
 * shared with other readers, excluding writers); a store fault, a buffered write, writeback and
 * fallocate dirty pages or write them ({@code PW}); a direct write writes around every cache
 * ({@code CW}: shared with other direct writers, excluding every node that caches the range); the
 * page killers {@code EX} (truncate to EOF).
 */
final class DfsExclusion implements Exclusion {
  /*
   * Implementation notes. The token is always taken before the local lock and released after it,
   * and a revocation callback (ClusterRangeLock runs it once the node's holds of the token's range
   * have drained, under the cluster lock's node-local EX) takes the local range lock after that:
   * one order, no cycle. A thread never holds two cluster holds at once: the kernel does not nest
   * enter() calls (flushes inside an operation pass rangeHeld and take nothing).
   *
   * Before the nodes join (the case's set-up writes the file), a file has no cluster lock and an
   * operation takes only the local strategy's locks.
   */

  /** How a write fault gets its write token. */
  enum Upgrade {
    /** Asks for the write token from the start: no read hold is held while it waits. */
    FROM_THE_START,
    /**
     * Takes the read token for the fault, then asks for the write token while holding it (a
     * conversion under the fault's hold): the variant that deadlocks two nodes, for tests only.
     */
    UNDER_THE_READ_HOLD
  }

  private final DfsStrategy row;
  private final Exclusion local;
  private final Upgrade upgrade;
  private final org.rangelock.sim.race.Races races;
  private final Map<Integer, ClusterRangeLock<DlmMode>> tokens = new ConcurrentHashMap<>();
  private final Map<Integer, AtomicLong> sequences = new ConcurrentHashMap<>();

  DfsExclusion(
      DfsStrategy row, Exclusion local, Upgrade upgrade, org.rangelock.sim.race.Races races) {
    this.row = row;
    this.local = local;
    this.upgrade = upgrade;
    this.races = races;
  }

  private volatile String node = "?";
  private volatile TokenLedger ledger;
  private volatile Fence fence;

  /**
   * From now on, operations on {@code inode} take tokens of {@code lock} (node {@code node}), and
   * each hold is announced to {@code fence} and carried by the device writes made under it.
   */
  void join(
      Inode inode, ClusterRangeLock<DlmMode> lock, String node, TokenLedger ledger, Fence fence) {
    this.node = node;
    this.ledger = ledger;
    this.fence = fence;
    tokens.put(inode.id(), lock);
  }

  Exclusion local() {
    return local;
  }

  /** The node's sequence count of {@code inode} ({@link DfsStrategy#DFS_SEQLOCK}). */
  AtomicLong sequence(Inode inode) {
    return sequences.computeIfAbsent(inode.id(), i -> new AtomicLong());
  }

  static DlmMode modeOf(Op op) {
    switch (op) {
      case FAULT:
      case READ:
      case DIRECT_READ:
        return DlmMode.PR;
      case WRITE:
      case WRITEBACK:
      case FALLOCATE:
        return DlmMode.PW;
      case DIRECT_WRITE:
        return DlmMode.CW;
      default:
        return DlmMode.EX;
    }
  }

  /** The token range of byte range {@code [start, end)}: whole pages, or the whole file. */
  Range tokenRange(long start, long end) {
    if (row.granule == DfsStrategy.Granule.FILE) {
      return Range.from(0);
    }
    long from = start / PAGE * PAGE;
    if (end == Long.MAX_VALUE || end > Long.MAX_VALUE - PAGE) {
      return Range.from(from);
    }
    return Range.of(from, Math.max(from + PAGE, (end + PAGE - 1) / PAGE * PAGE));
  }

  private Held token(Inode inode, long start, long end, DlmMode mode) {
    TokenHold t = acquire(inode, start, end, mode);
    return t == null ? Held.NOTHING : t;
  }

  /**
   * Takes a token over the pages of {@code [start, end)}, announces the hold to the device and
   * makes it what this thread's device writes carry; null before the nodes joined.
   */
  private TokenHold acquire(Inode inode, long start, long end, DlmMode mode) {
    ClusterRangeLock<DlmMode> lock = tokens.get(inode.id());
    if (lock == null) {
      return null;
    }
    Range range = tokenRange(start, end);
    ClusterHandle<DlmMode> h = lock.acquire(range, mode);
    Fence.Carry c =
        new Fence.Carry(node, inode.id(), mode, h.fence(), ledger.grantOf(node, inode.id(), range));
    fence.announce(c, range);
    return new TokenHold(h, Fence.carry(c));
  }

  /** A token hold: closing it gives the token back and restores what device writes carried. */
  private record TokenHold(ClusterHandle<DlmMode> handle, Fence.Carry previous) implements Held {
    @Override
    public void close() {
      Fence.carry(previous);
      handle.close();
    }
  }

  /**
   * A writeback's hold in a row whose writeback drops its token when the device write is submitted
   * ({@link DfsStrategy#writebackHoldEndsAtSubmission()}): {@link #submitted} releases the local
   * locks and the token; the device write in flight still carries the hold's fence (a bio carries
   * what it was submitted under); {@link #close} ends that.
   */
  private static final class WritebackHold implements Held {
    private final TokenHold token;
    private final Held local;
    private boolean released;

    WritebackHold(TokenHold token, Held local) {
      this.token = token;
      this.local = local;
    }

    void submitted() {
      if (released) {
        return;
      }
      released = true;
      try {
        local.close();
      } finally {
        token.handle().close();
      }
    }

    @Override
    public void close() {
      try {
        submitted();
      } finally {
        Fence.carry(token.previous());
        IN_FLIGHT.remove();
      }
    }
  }

  /** This thread's writeback hold that {@link #writebackSubmitted} releases, if any. */
  private static final ThreadLocal<WritebackHold> IN_FLIGHT = new ThreadLocal<>();

  private static Held both(Held token, java.util.function.Supplier<Held> inner) {
    Held in;
    try {
      in = inner.get();
    } catch (RuntimeException | Error e) {
      token.close();
      throw e;
    }
    return () -> {
      try {
        in.close();
      } finally {
        token.close();
      }
    };
  }

  @Override
  public String name() {
    return row.name();
  }

  @Override
  public Held enter(Op op, Inode inode, long start, long end) {
    if (op == Op.FAULT && row.hold == DfsStrategy.Hold.LOOKUP_ONLY) {
      return local.enter(op, inode, start, end);
    }
    if (op == Op.WRITEBACK && row.writebackHoldEndsAtSubmission()) {
      TokenHold token = acquire(inode, start, end, modeOf(op));
      if (token != null) {
        Held in;
        try {
          in = local.enter(op, inode, start, end);
        } catch (RuntimeException | Error e) {
          token.close();
          throw e;
        }
        WritebackHold h = new WritebackHold(token, in);
        IN_FLIGHT.set(h);
        return h;
      }
    }
    return both(token(inode, start, end, modeOf(op)), () -> local.enter(op, inode, start, end));
  }

  @Override
  public void writebackSubmitted(Inode inode, long index) {
    local.writebackSubmitted(inode, index);
    if (!tokens.containsKey(inode.id())) {
      return; // the case's set-up, before the nodes joined
    }
    WritebackHold h = IN_FLIGHT.get();
    if (h != null) {
      h.submitted();
      races.log(
          "writeback of "
              + inode
              + " page "
              + index
              + " submitted: its token hold released, the device write in flight");
    }
    races.hit(
        org.rangelock.sim.race.RacePoint.WRITEBACK_IO_IN_FLIGHT,
        "device write of " + inode + " page " + index + " in flight");
  }

  @Override
  public Held enterFault(Inode inode, long index, boolean write) {
    if (row.hold == DfsStrategy.Hold.LOOKUP_ONLY) {
      return local.enterFault(inode, index, write);
    }
    if (write && upgrade == Upgrade.UNDER_THE_READ_HOLD) {
      Held read =
          both(
              token(inode, index * PAGE, (index + 1) * PAGE, DlmMode.PR),
              () -> local.enterFault(inode, index, write));
      races.hit(
          org.rangelock.sim.race.RacePoint.FAULT_START,
          "write fault " + inode + " page " + index + " upgrades PR to PW under its PR hold");
      return both(read, () -> token(inode, index * PAGE, (index + 1) * PAGE, DlmMode.PW));
    }
    return both(
        token(inode, index * PAGE, (index + 1) * PAGE, write ? DlmMode.PW : DlmMode.PR),
        () -> local.enterFault(inode, index, write));
  }

  @Override
  public Held enterFaultLookup(Inode inode, long index, boolean write) {
    if (row.hold != DfsStrategy.Hold.LOOKUP_ONLY) {
      return local.enterFaultLookup(inode, index, write);
    }
    return both(
        token(inode, index * PAGE, (index + 1) * PAGE, write ? DlmMode.PW : DlmMode.PR),
        () -> local.enterFaultLookup(inode, index, write));
  }

  @Override
  public long faultSequence(Inode inode) {
    if (row.callback != DfsStrategy.Callback.SEQUENCE) {
      return local.faultSequence(inode);
    }
    // read_seqbegin: wait out a callback that is invalidating now. The fault samples before it
    // asks for its token (enterFaultLookup comes after), so a revocation anywhere between the
    // sample and the PTE install changes the count.
    AtomicLong s = sequence(inode);
    for (; ; ) {
      long v = s.get();
      if ((v & 1) == 0) {
        return v;
      }
      Thread.yield();
    }
  }

  @Override
  public boolean faultStillValid(Inode inode, long sequence) {
    if (row.callback != DfsStrategy.Callback.SEQUENCE) {
      return local.faultStillValid(inode, sequence);
    }
    return sequence(inode).get() == sequence;
  }

  @Override
  public void unmapping(Inode inode) {
    local.unmapping(inode);
  }

  @Override
  public Held enterPageCreate(Inode inode, long index) {
    return local.enterPageCreate(inode, index);
  }

  @Override
  public Held enterPageMkwrite(Inode inode, long index) {
    return local.enterPageMkwrite(inode, index);
  }

  @Override
  public boolean fallsBackToBufferedWrite() {
    return local.fallsBackToBufferedWrite();
  }

  @Override
  public boolean writesBackBeforePunch() {
    return local.writesBackBeforePunch();
  }

  @Override
  public boolean truncateCacheUnmaps() {
    return local.truncateCacheUnmaps();
  }

  @Override
  public boolean usesPageLock() {
    return local.usesPageLock();
  }

  @Override
  public boolean rechecksSizeUnderPageLock() {
    return local.rechecksSizeUnderPageLock();
  }

  @Override
  public boolean unmapsTwice() {
    return local.unmapsTwice();
  }

  @Override
  public boolean flushesBeforeDirectIo() {
    return local.flushesBeforeDirectIo();
  }

  @Override
  public boolean invalidatesAfterDirectWrite() {
    return local.invalidatesAfterDirectWrite();
  }

  @Override
  public UserBufferPin userBufferPin() {
    return local.userBufferPin();
  }

  @Override
  public Held disableFaultsOn(Inode inode) {
    return local.disableFaultsOn(inode);
  }

  @Override
  public boolean faultDroppedLocks() {
    return local.faultDroppedLocks();
  }

  /**
   * How long the leak check lets a revocation finish: a revocation releases its node-local hold
   * after it has deleted its token, so the other node may be granted, finish its role and reach the
   * oracles a moment before that release. A hold a role leaked never goes.
   */
  private static final long REVOCATION_TAIL_NANOS =
      java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

  @Override
  public String heldAtQuiescence() {
    StringBuilder b = new StringBuilder(local.heldAtQuiescence());
    long deadline = System.nanoTime() + REVOCATION_TAIL_NANOS;
    tokens.forEach(
        (id, lock) -> {
          var snap = lock.localLock().snapshot();
          while ((!snap.held().isEmpty() || !snap.waiting().isEmpty())
              && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            snap = lock.localLock().snapshot();
          }
          if (!snap.held().isEmpty() || !snap.waiting().isEmpty()) {
            b.append("cluster holds of inode ").append(id).append(": ").append(snap).append("; ");
          }
        });
    return b.toString();
  }
}
