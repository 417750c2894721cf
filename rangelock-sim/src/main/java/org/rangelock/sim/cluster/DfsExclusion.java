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
 *
 * <p>The file's metadata (its size): each node keeps its own cached copy in its view of the file,
 * kept coherent by a metadata token ({@link Meta}). In the page-granule rows it is a second {@code
 * ClusterRangeLock} per file, one token over the whole of it, taken before the data token: {@code
 * PR} by every operation that reads the size, {@code EX} by one that changes it (the page killers;
 * a write, direct write or fallocate that ends past the cached size drops its {@code PR} hold and
 * takes {@code EX}). In {@link DfsStrategy#DFS_FILE_GLOCK} the whole-file data token is the
 * metadata token as well (GFS2's inode glock, OCFS2's meta lock cover both), and a direct write
 * that ends past the size takes {@code PW} instead of {@code CW}. A node granted a hold after its
 * copy was dropped reloads the size from the shared {@link DiskInode}; the revocation callback
 * writes the copy back there and drops it.
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
  private final Map<Integer, Meta> metas = new ConcurrentHashMap<>();

  /**
   * A node's cached copy of one file's metadata (the size, in its view of the file) and what keeps
   * it coherent: {@link #lock} (null when the data token carries the metadata, {@link
   * DfsStrategy.Granule#FILE}), the shared {@link DiskInode}, and whether the copy is valid.
   */
  static final class Meta {
    final Inode view;
    final ClusterRangeLock<DlmMode> lock;
    final DiskInode disk;
    final SizeHistory history;

    /**
     * Whether the copy is valid: not before the node's first hold (the nodes join with no token),
     * and not once a revocation dropped it; a hold granted while it is not reloads it.
     */
    volatile boolean valid;

    Meta(Inode view, ClusterRangeLock<DlmMode> lock, DiskInode disk, SizeHistory history) {
      this.view = view;
      this.lock = lock;
      this.disk = disk;
      this.history = history;
    }
  }

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
      Inode inode,
      ClusterRangeLock<DlmMode> lock,
      ClusterRangeLock<DlmMode> metaLock,
      DiskInode disk,
      SizeHistory history,
      String node,
      TokenLedger ledger,
      Fence fence) {
    this.node = node;
    this.ledger = ledger;
    this.fence = fence;
    metas.put(inode.id(), new Meta(inode, metaLock, disk, history));
    tokens.put(inode.id(), lock);
  }

  /** This node's metadata of {@code inode}, or null before the nodes joined. */
  Meta meta(Inode inode) {
    return metas.get(inode.id());
  }

  /** Reloads the cached size from the shared inode if a revocation dropped it. */
  private void refresh(Meta m) {
    if (!m.valid) {
      long size = m.disk.read();
      m.view.loadSize(size);
      m.valid = true;
      races.log(node + " reloaded the size of " + m.view + " from the shared inode: " + size);
    }
  }

  /**
   * What a node's metadata revocation does with its copy ({@code keep}: downgraded, still valid):
   * writes the cached size back to the shared inode if it differs (unless the token was lost and
   * the row fences writes: such a write would be refused), and drops the copy unless kept.
   */
  void metaRevoked(Meta m, boolean lost, boolean keep) {
    long size = m.view.size();
    if (size != m.disk.peek()) {
      if (lost && row.fencesWrites()) {
        races.log(node + " lost its metadata token: its size " + size + " is not written back");
      } else {
        m.disk.write(size);
        races.log(node + " wrote its size " + size + " of " + m.view + " back to the shared inode");
      }
    }
    if (!keep) {
      m.valid = false;
      races.log(node + " dropped its cached size of " + m.view);
    }
  }

  private static boolean mayExtend(Op op) {
    return op == Op.WRITE || op == Op.DIRECT_WRITE || op == Op.FALLOCATE;
  }

  /**
   * The metadata hold of an operation over {@code [start, end)} of a page-granule row: {@code EX}
   * for the page killers and for a write that ends past the cached size, {@code PR} otherwise.
   */
  private Held metaHold(Meta m, Op op, long end) {
    if (m.lock == null) {
      return Held.NOTHING;
    }
    if (op.isPageKiller()) {
      return metaToken(m, DlmMode.EX);
    }
    Held h = metaToken(m, DlmMode.PR);
    if (mayExtend(op) && end > m.view.size()) {
      h.close(); // never wait for EX while holding PR: drop it and ask afresh
      h = metaToken(m, DlmMode.EX);
    }
    return h;
  }

  private Held metaToken(Meta m, DlmMode mode) {
    ClusterHandle<DlmMode> h = m.lock.acquire(Range.from(0), mode);
    try {
      refresh(m);
    } catch (RuntimeException | Error e) {
      h.close();
      throw e;
    }
    return h::close;
  }

  /**
   * Runs {@code inner} as one operation of the stale-size oracle ({@link SizeHistory}): begun here,
   * ended when the returned hold closes.
   */
  private Held operation(Meta m, java.util.function.Supplier<Held> inner) {
    m.history.begin();
    Held h;
    try {
      h = inner.get();
    } catch (RuntimeException | Error e) {
      m.history.end();
      throw e;
    }
    return () -> {
      try {
        h.close();
      } finally {
        m.history.end();
      }
    };
  }

  /**
   * {@code stat}: the node's size of the file, read under a metadata hold ({@code PR}; the
   * whole-file data token in {@link DfsStrategy#DFS_FILE_GLOCK}), reloaded if it was dropped.
   */
  long stat(Inode inode) {
    Meta m = metas.get(inode.id());
    try (Held h =
        operation(
            m,
            () ->
                m.lock != null
                    ? metaHold(m, Op.READ, 0)
                    : token(inode, 0, Long.MAX_VALUE, DlmMode.PR))) {
      return inode.size();
    }
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
    Meta m = metas.get(inode.id());
    if (m != null && m.lock == null) {
      try {
        refresh(m); // the whole-file token carries the metadata
      } catch (RuntimeException | Error e) {
        h.close();
        throw e;
      }
    }
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
    Meta m = metas.get(inode.id());
    if (m == null) {
      return enterData(op, inode, start, end); // the case's set-up, before the nodes joined
    }
    if (op == Op.FAULT && row.hold == DfsStrategy.Hold.LOOKUP_ONLY) {
      return operation(m, () -> local.enter(op, inode, start, end));
    }
    return operation(m, () -> both(metaHold(m, op, end), () -> enterData(op, inode, start, end)));
  }

  /** An operation's data token (and the local strategy's locks). */
  private Held enterData(Op op, Inode inode, long start, long end) {
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
    DlmMode mode = modeOf(op);
    Meta m = metas.get(inode.id());
    if (op == Op.DIRECT_WRITE && m != null && m.lock == null) {
      // The whole-file token carries the size: a direct write that ends past it takes PW, not CW,
      // which other nodes' direct writes share (GFS2 falls back to a buffered write there).
      TokenHold t = acquire(inode, start, end, DlmMode.CW);
      if (end <= inode.size()) {
        return both(t, () -> local.enter(op, inode, start, end));
      }
      t.close();
      mode = DlmMode.PW;
    }
    return both(token(inode, start, end, mode), () -> local.enter(op, inode, start, end));
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
    Meta m = metas.get(inode.id());
    if (m == null) {
      return enterFaultData(inode, index, write);
    }
    return operation(
        m,
        () ->
            row.hold == DfsStrategy.Hold.LOOKUP_ONLY
                ? local.enterFault(inode, index, write)
                : both(metaHold(m, Op.FAULT, 0), () -> enterFaultData(inode, index, write)));
  }

  private Held enterFaultData(Inode inode, long index, boolean write) {
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
    Meta m = metas.get(inode.id());
    if (m != null) {
      // The 2003 rows: the filesystem's ->nopage takes the metadata token too, around the lookup
      // and its i_size check.
      return both(metaHold(m, Op.FAULT, 0), () -> faultLookupData(inode, index, write));
    }
    return faultLookupData(inode, index, write);
  }

  private Held faultLookupData(Inode inode, long index, boolean write) {
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
