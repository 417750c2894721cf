package org.rangelock.sim.cluster;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rangelock.DlmMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.cluster.FenceGate;
import org.rangelock.sim.kernel.BlockDevice;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.ViolationKind;

/**
 * The shared device's side of the tokens in one trial: every device write carries the token hold it
 * is made under (its node, mode, {@linkplain org.rangelock.cluster.ClusterHandle#fence() fence} and
 * the ledger's grant number of its token), and the device checks it atomically with the write.
 *
 * <p>Two things happen there. <b>The fence</b> (rows whose {@link DfsStrategy#fencesWrites()} is
 * true): a {@link FenceGate} refuses a write whose fence is older than a conflicting hold another
 * node has already used on an overlapping range; a hold announces itself to the device when it is
 * granted (a new holder registers its fence with the storage before its first IO, as a SCSI
 * persistent reservation is preempted), so a late write is refused even before the new holder wrote
 * anything. <b>The oracle</b> (every row, fenced or not): a write that lands although another node
 * was granted a conflicting token over the range after this write's token and has announced it, is
 * a {@link ViolationKind#WRITE_AFTER_TOKEN_LOST}: it lands after its token was lost. The oracle
 * orders tokens by the ledger's grant numbers, not by fences, so it does not take the fence's word
 * for anything. Writes made before the nodes joined (the case's set-up) carry nothing and are not
 * checked.
 */
final class Fence implements BlockDevice.WriteGate {
  /*
   * Lock order: the device's monitor (around admit), then the ledger's; announce takes the
   * ledger's only. The gate and the oracle are both decided under the ledger's monitor, so a grant
   * announced is seen by both or by neither.
   */

  /** What a device write carries: the hold it is made under. */
  record Carry(String node, int inode, DlmMode mode, long fence, long grant) {}

  private static final ThreadLocal<Carry> CARRY = new ThreadLocal<>();

  private final TokenLedger ledger;
  private final Races races;
  private final FenceGate<DlmMode> gate;
  private final Map<String, Boolean> lastLandingLate = new ConcurrentHashMap<>();
  private final Map<String, Long> refusedOf = new ConcurrentHashMap<>();
  private static final ThreadLocal<long[]> REFUSED_HERE =
      ThreadLocal.withInitial(() -> new long[1]);
  private long refused;

  Fence(TokenLedger ledger, Races races, boolean fenced) {
    this.ledger = ledger;
    this.races = races;
    this.gate = fenced ? new FenceGate<>(ModeTable.dlm()) : null;
  }

  /** Makes {@code c} what this thread's device writes carry; returns what they carried before. */
  static Carry carry(Carry c) {
    Carry previous = CARRY.get();
    // set(null), not remove(): every hold sets and restores the carry, and a removed entry is
    // created again by the next get(), a churn of the thread's ThreadLocalMap on every write.
    CARRY.set(c);
    return previous;
  }

  /** A hold over {@code range} was granted: the device (fenced rows) and the oracle learn of it. */
  void announce(Carry c, Range range) {
    synchronized (ledger) {
      ledger.used(c.node(), c.inode(), range, c.mode(), c.grant());
      if (gate != null) {
        gate.admit(range, c.mode(), c.fence());
      }
    }
  }

  @Override
  public boolean admit(int inode, long index, String why) {
    Carry c = CARRY.get();
    if (c == null || c.inode() != inode || index < 0) {
      return true;
    }
    Range r = Range.of(index * PAGE, (index + 1) * PAGE);
    synchronized (ledger) {
      if (gate != null && !gate.admit(r, c.mode(), c.fence())) {
        refused++;
        // Every refused write counts for the thread that made it: a writeback's for its fsync, a
        // direct write's for its own caller (the write's EIO). Only writebacks count for the node:
        // they are reported through the file's errseq to the node's next fsync, whoever calls it.
        REFUSED_HERE.get()[0]++;
        if (why.startsWith("writeback")) {
          refusedOf.merge(c.node(), 1L, Long::sum);
        }
        races.log(
            "fence: refused "
                + why
                + " by "
                + c.node()
                + " ("
                + c.mode()
                + ", fence "
                + c.fence()
                + "): a later conflicting hold used the range");
        return false;
      }
      String later = ledger.laterConflictingUse(c.node(), inode, r, c.mode(), c.grant());
      if (later != null) {
        races.violation(
            ViolationKind.WRITE_AFTER_TOKEN_LOST,
            why + " by " + c.node() + " landed under a token it no longer holds: " + later);
      }
      lastLandingLate.put(c.node() + ":" + index, later != null);
      return true;
    }
  }

  /** Whether the last write of page {@code index} that {@code node} landed was a late one. */
  boolean lastLandingWasLate(String node, long index) {
    return lastLandingLate.getOrDefault(node + ":" + index, false);
  }

  /** Writebacks of node {@code node} the fence refused so far. */
  long refusedOf(String node) {
    synchronized (ledger) {
      return refusedOf.getOrDefault(node, 0L);
    }
  }

  /**
   * Writes (writebacks and direct writes) the fence refused so far that the calling thread made.
   */
  static long refusedOnThisThread() {
    return REFUSED_HERE.get()[0];
  }

  /** Writes the fence refused so far. */
  long refused() {
    synchronized (ledger) {
      return refused;
    }
  }
}
