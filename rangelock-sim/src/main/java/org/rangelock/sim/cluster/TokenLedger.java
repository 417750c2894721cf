package org.rangelock.sim.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rangelock.DlmMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.cluster.Revocation;
import org.rangelock.cluster.TokenEvents;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.ViolationKind;

/**
 * The tokens every node of one trial holds, as their own locks report them ({@link TokenEvents}):
 * the oracle that no two nodes ever hold conflicting tokens, checked at every grant, and the view
 * the quiescent oracles ask which pages a node may cache.
 *
 * <p>Why a check at the grant is sound: a node reports a token given up (or downgraded) before
 * ZooKeeper is told, and another node is granted a conflicting token only after ZooKeeper told it
 * the first one went; so when a grant is reported, every conflicting token that went before it has
 * been reported gone. Thread-safe (one monitor).
 */
final class TokenLedger {
  private static final ModeTable<DlmMode> DLM = ModeTable.dlm();

  private record Token(String node, int inode, Range range, DlmMode mode) {}

  private final Races races;
  private final Map<Long, Token> held = new ConcurrentHashMap<>();
  private long granted;

  TokenLedger(Races races) {
    this.races = races;
  }

  /** The events of node {@code node}'s lock of file {@code inode}. */
  TokenEvents<DlmMode> eventsOf(String node, int inode) {
    return new TokenEvents<>() {
      @Override
      public void granted(String n, long id, Range range, DlmMode mode) {
        grant(node, inode, id, range, mode);
      }

      @Override
      public void downgraded(String n, long id, DlmMode mode) {
        synchronized (TokenLedger.this) {
          Token t = held.get(id);
          if (t != null) {
            held.put(id, new Token(t.node, t.inode, t.range, mode));
          }
        }
      }

      @Override
      public void released(String n, long id, Revocation.Reason reason) {
        synchronized (TokenLedger.this) {
          held.remove(id);
        }
      }

      @Override
      public void lost(String n, long id) {
        synchronized (TokenLedger.this) {
          held.remove(id);
        }
      }
    };
  }

  private synchronized void grant(String node, int inode, long id, Range range, DlmMode mode) {
    granted++;
    races.log("token granted to " + node + ": " + mode + " " + range + " of inode " + inode);
    for (Token t : held.values()) {
      if (!t.node.equals(node)
          && t.inode == inode
          && t.range.overlaps(range)
          && !DLM.compatible(t.mode, mode)) {
        races.violation(
            ViolationKind.TOKEN_CONFLICT,
            node
                + " granted "
                + mode
                + " "
                + range
                + " of inode "
                + inode
                + " while "
                + t.node
                + " holds "
                + t.mode
                + " "
                + t.range);
      }
    }
    held.put(id, new Token(node, inode, range, mode));
  }

  /**
   * Whether {@code node} holds a token of file {@code inode} over {@code range} that lets it cache
   * the range ({@code PR}, {@code PW}, {@code EX}), and, with {@code write}, dirty it ({@code PW},
   * {@code EX}).
   */
  synchronized boolean covers(String node, int inode, Range range, boolean write) {
    for (Token t : held.values()) {
      if (t.node.equals(node) && t.inode == inode && t.range.contains(range)) {
        boolean ok =
            write
                ? t.mode == DlmMode.PW || t.mode == DlmMode.EX
                : t.mode == DlmMode.PR || t.mode == DlmMode.PW || t.mode == DlmMode.EX;
        if (ok) {
          return true;
        }
      }
    }
    return false;
  }

  /** The tokens held now, described (for traces). */
  synchronized List<String> describe() {
    List<String> out = new ArrayList<>();
    held.forEach((id, t) -> out.add(t.node + " " + t.mode + " " + t.range + " inode " + t.inode));
    return out;
  }

  synchronized long granted() {
    return granted;
  }
}
