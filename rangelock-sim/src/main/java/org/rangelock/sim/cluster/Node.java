package org.rangelock.sim.cluster;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.rangelock.DlmMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.cluster.ClusterRangeLock;
import org.rangelock.cluster.Revocation;
import org.rangelock.sim.exclusion.Exclusion.Held;
import org.rangelock.sim.exclusion.Op;
import org.rangelock.sim.kernel.AddressSpace;
import org.rangelock.sim.kernel.BlockDevice;
import org.rangelock.sim.kernel.Inode;
import org.rangelock.sim.kernel.Kernel;
import org.rangelock.sim.kernel.Vma;
import org.rangelock.sim.race.RacePoint;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.ViolationKind;

/**
 * One node of a shared-disk cluster: its own kernel (physical memory, page caches, MMU, writeback,
 * the local strategy of its {@link DfsStrategy}) on the shared block device, one process with a
 * shared mapping of each file, and per file a {@code ClusterRangeLock} in DLM modes whose
 * revocation callback is the row's.
 *
 * <p>The callback runs on a worker thread of the node's lock, as the role {@code <node>-revoke};
 * after it has zapped the range's PTEs it signals {@code <node>-revoke:unmapped} (directed windows
 * wait for it), and it counts every revocation it handles.
 */
final class Node {
  /** How the callback writes the range back. */
  enum Flush {
    /** {@code filemap_write_and_wait_range}: waits for writes in flight too (every row). */
    WRITE_AND_WAIT,
    /**
     * {@code filemap_fdatawrite} alone, in the {@link DfsStrategy.Callback#WRITE_BACK_ONLY}
     * callback: a page whose write is in flight is not waited for. No row does this; tests use it
     * to show what case 108 catches.
     */
    START_ONLY
  }

  final String name;
  final DfsStrategy row;
  final Kernel k;
  final AddressSpace mm;
  final DfsExclusion exclusion;
  private final Races races;
  private final TokenServer server;
  private final Map<Integer, Vma> mappings = new ConcurrentHashMap<>();
  private final List<ClusterRangeLock<DlmMode>> locks = new ArrayList<>();
  private final AtomicLong callbacks = new AtomicLong();
  private final AtomicLong lostHandled = new AtomicLong();
  private final AtomicLong downgradesOffered = new AtomicLong();
  private final Flush flush;

  /**
   * Whether {@link DfsStrategy.Callback#RANGE_LOCKED} offers to keep {@code PR} when a {@code PW}
   * token is revoked (on in every trial; tests turn it off to measure what it saves).
   */
  private volatile boolean downgrades = true;

  /** A hold's fence is its token's zxid shifted by these bits plus its count (ClusterHandle). */
  private static final int FENCE_COUNT_BITS = 14;

  private volatile boolean closing;
  private volatile TokenLedger ledger;
  private volatile SizeHistory history;
  private final AtomicLong metaCallbacks = new AtomicLong();

  /**
   * The least time this node keeps a token before another node's request is served (GFS2's glock
   * hold time; {@code ClusterRangeLock.Builder#minHold}); zero unless a measurement sets it before
   * {@link #join}.
   */
  volatile Duration minHold = Duration.ZERO;

  Node(
      String name,
      DfsStrategy row,
      DfsExclusion.Upgrade upgrade,
      Flush flush,
      Races races,
      BlockDevice disk,
      TokenServer server) {
    this.name = name;
    this.flush = flush;
    this.row = row;
    this.races = races;
    this.server = server;
    this.exclusion = new DfsExclusion(row, row.localExclusion(), upgrade, races);
    this.k = new Kernel(exclusion, races, disk);
    this.mm = k.newAddressSpace();
  }

  /** Maps {@code pages} pages of {@code view} (this node's view of a file) shared. */
  Vma map(Inode view, int pages) {
    Vma v = mm.mmap(view, 0, (long) pages * PAGE, true);
    mappings.put(view.id(), v);
    return v;
  }

  Vma mapping(Inode view) {
    return mappings.get(view.id());
  }

  /**
   * From now on, operations on {@code view} take tokens of a lock at {@code path}, and (in the
   * page-granule rows) metadata tokens of a second lock at {@code path-meta}, recorded in the
   * ledger under the file's negated id ({@link #metaKey}).
   */
  void join(
      Inode view,
      String path,
      TokenLedger ledger,
      Fence fence,
      DiskInode disk,
      SizeHistory history) {
    this.ledger = ledger;
    this.history = history;
    ClusterRangeLock<DlmMode> lock =
        ClusterRangeLock.builder(server.client(name), path, ModeTable.dlm())
            .node(name)
            .events(ledger.eventsOf(name, view.id()))
            .onRevoke(r -> revoke(view, r))
            .minHold(minHold)
            .build();
    ClusterRangeLock<DlmMode> metaLock = null;
    if (row.granule == DfsStrategy.Granule.PAGE) {
      metaLock =
          ClusterRangeLock.builder(server.client(name), path + "-meta", ModeTable.dlm())
              .node(name)
              .events(ledger.eventsOf(name, metaKey(view.id())))
              .onRevoke(r -> revokeMeta(view, r))
              .build();
    }
    synchronized (locks) {
      locks.add(lock);
      if (metaLock != null) {
        locks.add(metaLock);
      }
    }
    exclusion.join(view, lock, metaLock, disk, history, name, ledger, fence);
  }

  /** The ledger's key of file {@code id}'s metadata tokens: apart from its data tokens. */
  static int metaKey(int id) {
    return -id;
  }

  /** LOST callbacks this node has finished. */
  long lostHandled() {
    return lostHandled.get();
  }

  /** Revocation callbacks this node has run: of data tokens and of metadata tokens. */
  long callbacks() {
    return callbacks.get() + metaCallbacks.get();
  }

  /** Revocation callbacks of metadata tokens (page-granule rows) this node has run. */
  long metaCallbacks() {
    return metaCallbacks.get();
  }

  /**
   * The callback of the metadata token (page-granule rows): writes the node's cached size back to
   * the shared inode and drops the copy. {@link DfsStrategy#DFS_RANGE_LOCK} demotes a revoked
   * {@code EX} to {@code PR} instead of dropping (the copy stays valid if the waiting request is a
   * reader's), as its data callback demotes {@code PW}; the 2003 rows give the token up.
   */
  private DlmMode revokeMeta(Inode view, Revocation<DlmMode> r) {
    if (closing) {
      return null;
    }
    metaCallbacks.incrementAndGet();
    String previous = Races.role();
    Races.role(name + "-meta");
    history.begin();
    try {
      boolean lost = r.reason() == Revocation.Reason.LOST;
      boolean keep =
          downgrades
              && row.callback == DfsStrategy.Callback.RANGE_LOCKED
              && r.reason() == Revocation.Reason.REVOKED
              && r.mode() == DlmMode.EX;
      exclusion.metaRevoked(exclusion.meta(view), lost, keep);
      races.log(
          "revoked metadata "
              + r.mode()
              + " of "
              + view
              + " ("
              + r.reason()
              + ")"
              + (keep ? ", offers to keep PR" : ""));
      return keep ? DlmMode.PR : null;
    } catch (RuntimeException | Error e) {
      races.violation(ViolationKind.CRASH, name + " metadata revocation callback threw " + e);
      throw e;
    } finally {
      history.end();
      if (r.reason() == Revocation.Reason.LOST) {
        lostHandled.incrementAndGet();
      }
      races.finished(name + "-meta");
      Races.role(previous);
    }
  }

  /** Revocations whose callback wrote back and offered to keep {@code PR}. */
  long downgradesOffered() {
    return downgradesOffered.get();
  }

  /** Every revocation gives the token up, as before downgrades (for tests that compare). */
  void neverDowngrade() {
    downgrades = false;
  }

  long zooKeeperOperations() {
    return server.operations(name);
  }

  private DlmMode revoke(Inode view, Revocation<DlmMode> r) {
    if (closing) {
      return null; // the trial is over and checked: nothing to keep coherent any more
    }
    callbacks.incrementAndGet();
    String previous = Races.role();
    Races.role(name + "-revoke");
    history.begin();
    // The callback's writeback is made on behalf of the node's cache, under the newest token the
    // node has over the range (the one going, or a newer one it holds beside it: a page dirtied
    // under a newer PW token is written back when an older PR token goes), after every hold
    // granted under it: it carries the largest fence such a hold can have.
    Fence.Carry own = ledger.newest(name, view.id(), r.range(), FENCE_COUNT_BITS);
    Fence.Carry carried =
        Fence.carry(
            own != null
                ? own
                : new Fence.Carry(
                    name,
                    view.id(),
                    r.mode(),
                    r.fence() + (1L << FENCE_COUNT_BITS) - 1,
                    ledger.grantOf(name, view.id(), r.range())));
    try {
      Range range = r.range();
      long from = range.start() / PAGE;
      long to = range.isUnbounded() ? Long.MAX_VALUE : (range.end() + PAGE - 1) / PAGE;
      races.hit(
          RacePoint.KILL_START,
          "revoke " + r.mode() + " " + range + " of " + view + " (" + r.reason() + ")");
      Runnable unmapped =
          () -> {
            races.log("zapped the PTEs of " + view + " pages " + from + " to " + to);
            races.signal(name + "-revoke:unmapped");
          };
      switch (row.callback) {
        case WRITE_BACK_ONLY:
          if (flush == Flush.START_ONLY) {
            k.writeBackStartHeld(view, from, to);
          } else {
            k.writeBackHeld(view, from, to);
          }
          break;
        case UNLOCKED:
          k.writeBackAndInvalidate(view, from, to, unmapped);
          break;
        case DRAINED:
          k.writeBackAndInvalidate(view, from, to, unmapped);
          if (row.granule == DfsStrategy.Granule.FILE) {
            // The whole-file token is the inode's lock: after the pages, the size (GFS2's
            // inode_go_sync then inode_go_inval; OCFS2's downconvert of its meta lock).
            exclusion.metaRevoked(
                exclusion.meta(view), r.reason() == Revocation.Reason.LOST, false);
          }
          break;
        case SEQUENCE:
          AtomicLong seq = exclusion.sequence(view);
          seq.incrementAndGet(); // odd: a fault that samples now waits
          try {
            k.writeBackAndInvalidate(view, from, to, unmapped);
          } finally {
            seq.incrementAndGet();
          }
          break;
        case RANGE_LOCKED:
          try (Held inv =
              exclusion
                  .local()
                  .enter(
                      Op.PUNCH,
                      view,
                      range.start(),
                      range.isUnbounded() ? Long.MAX_VALUE : range.end())) {
            if (downgrades && r.reason() == Revocation.Reason.REVOKED && r.mode() == DlmMode.PW) {
              // The DLM's PW -> PR demotion (GFS2 and OCFS2 demote EX to PR this way): write the
              // range back and wait, which write-protects its PTEs (page_mkclean), and keep its
              // clean pages and read-only PTEs under PR. The lock grants the kept mode only if
              // it is enough for the waiting request (a reader's PR); otherwise it calls back
              // again with mode PR, and that call invalidates.
              k.writeBackHeld(view, from, to);
              downgradesOffered.incrementAndGet();
              races.log("wrote back " + range + " of " + view + ", offers to keep PR");
              return DlmMode.PR;
            }
            k.writeBackAndInvalidate(view, from, to, unmapped);
          }
          break;
        default:
          throw new AssertionError(row.callback);
      }
      races.log("revoked " + r.mode() + " " + range + " of " + view);
      return null;
    } catch (RuntimeException | Error e) {
      races.violation(ViolationKind.CRASH, name + " revocation callback threw " + e);
      throw e;
    } finally {
      if (r.reason() == Revocation.Reason.LOST) {
        lostHandled.incrementAndGet();
      }
      Fence.carry(carried);
      history.end();
      // In the preemption mode the callback is ranked only while it runs.
      races.finished(name + "-revoke");
      Races.role(previous);
    }
  }

  /** Leaves the cluster: closes the locks without running the callbacks. */
  void close() {
    closing = true;
    synchronized (locks) {
      for (ClusterRangeLock<DlmMode> l : locks) {
        l.close();
      }
      locks.clear();
    }
  }

  @Override
  public String toString() {
    return "node " + name;
  }
}
