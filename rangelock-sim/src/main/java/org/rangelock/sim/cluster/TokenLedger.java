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

  private record Token(String node, int inode, Range range, DlmMode mode, long grant) {}

  /** A hold's use of a range, announced to the shared device ({@link Fence}). */
  private record Use(String node, int inode, Range range, DlmMode mode) {}

  private final Races races;
  private final Map<Long, Token> held = new ConcurrentHashMap<>();
  private final Map<Long, Token> lost = new ConcurrentHashMap<>();
  private final Map<Use, Long> uses = new ConcurrentHashMap<>();
  private long granted;
  private final Map<String, Long> expiredAt = new ConcurrentHashMap<>();
  private final Map<String, Long> lostCount = new ConcurrentHashMap<>();

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
            held.put(id, new Token(t.node, t.inode, t.range, mode, t.grant));
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
          Token t = held.remove(id);
          if (t != null) {
            lost.put(id, t);
          }
          lostCount.merge(node, 1L, Long::sum);
        }
      }
    };
  }

  private synchronized void grant(String node, int inode, long id, Range range, DlmMode mode) {
    granted++;
    races.log("token granted to " + node + ": " + mode + " " + range + " of inode " + inode);
    for (Token t : held.values()) {
      if (!t.node.equals(node)
          && t.grant > expiredAt.getOrDefault(t.node, 0L)
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
    held.put(id, new Token(node, inode, range, mode, granted));
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

  /**
   * {@code node}'s session is being expired (case 107): until {@link #expired} its tokens are gone
   * from ZooKeeper at any moment, before the node itself can know (that is the case), so another
   * node's conflicting grant is no {@code TOKEN_CONFLICT} against them: that is what the fence is
   * for.
   */
  synchronized void expiring(String node) {
    expiredAt.put(node, Long.MAX_VALUE);
  }

  /**
   * {@code node}'s session has been closed on the server: its tokens granted so far are gone (a
   * conflicting grant against one of them is excused); later ones are checked again.
   *
   * @return the ids of those tokens it still holds as far as its lock has told, to be reported lost
   */
  synchronized java.util.Set<Long> expired(String node) {
    expiredAt.put(node, granted);
    java.util.Set<Long> ids = new java.util.HashSet<>();
    held.forEach(
        (id, t) -> {
          if (t.node.equals(node)) {
            ids.add(id);
          }
        });
    return ids;
  }

  /** Whether any of {@code ids} is still held as far as the locks have told. */
  synchronized boolean holdsAny(java.util.Set<Long> ids) {
    for (long id : ids) {
      if (held.containsKey(id)) {
        return true;
      }
    }
    return false;
  }

  /** Tokens of {@code node} its lock reported lost. */
  synchronized long lostCount(String node) {
    return lostCount.getOrDefault(node, 0L);
  }

  /**
   * The grant number of the newest token of {@code node} over {@code range} of {@code inode}, held
   * or lost: what a hold granted under it carries to the device. 0 if none.
   */
  synchronized long grantOf(String node, int inode, Range range) {
    long g = 0;
    for (Map<Long, Token> m : List.of(held, lost)) {
      for (Token t : m.values()) {
        if (t.node.equals(node) && t.inode == inode && t.range.contains(range)) {
          g = Math.max(g, t.grant);
        }
      }
    }
    return g;
  }

  /**
   * What a write {@code node} makes outside any hold of its own, on behalf of its cache (its
   * revocation callback's writeback), carries: its newest token over {@code range} of {@code
   * inode}, held or lost (token ids are the tokens' ZooKeeper creation zxids), with the largest
   * fence a hold granted under it can have (a hold's fence is the id shifted by {@code shift} bits
   * plus a count below {@code 2^shift}); null if it has none.
   */
  synchronized Fence.Carry newest(String node, int inode, Range range, int shift) {
    long best = -1;
    Token token = null;
    for (Map<Long, Token> m : List.of(held, lost)) {
      for (Map.Entry<Long, Token> e : m.entrySet()) {
        Token t = e.getValue();
        if (t.node.equals(node)
            && t.inode == inode
            && t.range.contains(range)
            && e.getKey() > best) {
          best = e.getKey();
          token = t;
        }
      }
    }
    return token == null
        ? null
        : new Fence.Carry(node, inode, token.mode, ((best + 1) << shift) - 1, token.grant);
  }

  /** {@code node} announced a hold over {@code range} under its token of grant {@code grant}. */
  synchronized void used(String node, int inode, Range range, DlmMode mode, long grant) {
    uses.merge(new Use(node, inode, range, mode), grant, Math::max);
  }

  /**
   * A use another node announced on an overlapping range of {@code inode}, in a mode that conflicts
   * with {@code mode}, under a token granted after {@code grant}; null if none.
   */
  synchronized String laterConflictingUse(
      String node, int inode, Range range, DlmMode mode, long grant) {
    for (Map.Entry<Use, Long> e : uses.entrySet()) {
      Use u = e.getKey();
      if (!u.node.equals(node)
          && u.inode == inode
          && e.getValue() > grant
          && u.range.overlaps(range)
          && !DLM.compatible(u.mode, mode)) {
        return u.node
            + " used "
            + u.mode
            + " "
            + u.range
            + " under token grant #"
            + e.getValue()
            + ", after this write's token (grant #"
            + grant
            + ")";
      }
    }
    return null;
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
