package org.rangelock.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.rangelock.ModeTable;
import org.rangelock.Range;

/**
 * A history of grants and releases across nodes, and the checker that verifies it afterwards.
 *
 * <p>Holds are recorded by the code that uses the lock: {@link #granted} <em>after</em> an acquire
 * returned and {@link #released} <em>before</em> the handle is closed, so each recorded interval
 * lies inside the real hold and an overlap in the record is an overlap in reality. Token events
 * come from the lock itself (this class is a {@link TokenEvents}). All events take a tick of one
 * clock (a monitor), so the history is a total order consistent with real time within this JVM —
 * the nodes of a test or of the demo share one JVM.
 *
 * <p>{@link #check} reports, in words, every violation of:
 *
 * <ol>
 *   <li><b>exclusion</b>: two conflicting holds (overlapping ranges, incompatible modes) whose
 *       recorded intervals overlap, unless one of them had lost its token (its handle reported
 *       {@code isHeld() == false} at release: that hold's late effects are the fence's business);
 *   <li><b>fences</b>: of two conflicting holds, the later granted has a strictly larger fence;
 *   <li><b>FIFO</b>: of two conflicting token requests of different nodes, both granted, the one
 *       ZooKeeper queued first (smaller id) was granted first;
 *   <li><b>bookkeeping</b>: every hold released exactly once (nothing granted twice, nothing lost).
 * </ol>
 *
 * @param <M> the mode enum
 */
public final class LockHistory<M extends Enum<M>> implements TokenEvents<M> {
  private long clock;
  private final List<HoldRecord<M>> holds = new ArrayList<>();
  private final Map<Long, TokenRecord<M>> tokens = new HashMap<>();
  private final List<String> bookkeeping = new ArrayList<>();
  private long revocations;
  private long lostTokens;
  private long downgrades;

  /** A recorded hold. {@code released} is -1 while open. */
  public static final class HoldRecord<M> {
    final long id;
    final String node;
    final Range range;
    final M mode;
    final long fence;
    final long granted;
    long released = -1;
    boolean lost;

    HoldRecord(long id, String node, Range range, M mode, long fence, long granted) {
      this.id = id;
      this.node = node;
      this.range = range;
      this.mode = mode;
      this.fence = fence;
      this.granted = granted;
    }

    @Override
    public String toString() {
      return "#"
          + id
          + " "
          + node
          + " "
          + range
          + " "
          + mode
          + " fence="
          + fence
          + " ["
          + granted
          + ", "
          + (released < 0 ? "open" : released)
          + (lost ? " lost" : "")
          + "]";
    }
  }

  private static final class TokenRecord<M> {
    final String node;
    final Range range;
    final M mode;
    long granted = -1;

    TokenRecord(String node, Range range, M mode) {
      this.node = node;
      this.range = range;
      this.mode = mode;
    }
  }

  /**
   * Records a grant; call it after the acquire returned.
   *
   * @param node the name of the node that holds it
   * @param range the hold's range
   * @param mode the hold's mode
   * @param fence the hold's {@link ClusterHandle#fence() fence}
   * @return the hold's id for {@link #released(long, boolean)}: 0, 1, 2, ... in recording order
   * @throws NullPointerException if {@code node}, {@code range} or {@code mode} is null
   */
  public synchronized long granted(String node, Range range, M mode, long fence) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(range, "range");
    Objects.requireNonNull(mode, "mode");
    long id = holds.size();
    holds.add(new HoldRecord<>(id, node, range, mode, fence, ++clock));
    return id;
  }

  /**
   * Records a release; call it before closing the handle. An unknown id or a second release of one
   * hold is not thrown: it is recorded as a bookkeeping violation for {@link #check}.
   *
   * @param id the id {@link #granted(String, Range, Enum, long)} returned for the hold
   * @param stillHeld the handle's {@code isHeld()} just before: false if its token was lost
   */
  public synchronized void released(long id, boolean stillHeld) {
    if (id < 0 || id >= holds.size()) {
      bookkeeping.add("release of unknown hold #" + id);
      return;
    }
    HoldRecord<M> h = holds.get((int) id);
    if (h.released >= 0) {
      bookkeeping.add("hold released twice: " + h);
      return;
    }
    h.released = ++clock;
    h.lost = !stillHeld;
  }

  @Override
  public synchronized void queued(String node, long id, Range range, M mode) {
    ++clock;
    tokens.put(id, new TokenRecord<>(node, range, mode));
  }

  @Override
  public synchronized void granted(String node, long id, Range range, M mode) {
    TokenRecord<M> t = tokens.get(id);
    if (t == null) {
      bookkeeping.add("token " + id + " granted but never queued");
      return;
    }
    if (t.granted >= 0) {
      bookkeeping.add("token " + id + " granted twice");
    }
    t.granted = ++clock;
  }

  @Override
  public synchronized void released(String node, long id, Revocation.Reason reason) {
    ++clock;
    if (reason != null) {
      revocations++;
    }
  }

  @Override
  public synchronized void lost(String node, long id) {
    ++clock;
    lostTokens++;
  }

  @Override
  public synchronized void downgraded(String node, long id, M mode) {
    ++clock;
    downgrades++;
  }

  /**
   * Tokens downgraded by a revocation callback so far.
   *
   * @return how many {@link #downgraded} events were recorded
   */
  public synchronized long downgrades() {
    return downgrades;
  }

  /**
   * Tokens lost with an expired session so far.
   *
   * @return how many {@link #lost} events were recorded
   */
  public synchronized long lostTokens() {
    return lostTokens;
  }

  /**
   * Holds recorded so far.
   *
   * @return how many grants were recorded, released or not
   */
  public synchronized int holdCount() {
    return holds.size();
  }

  /**
   * Token requests granted so far.
   *
   * @return how many distinct queued tokens had a grant recorded
   */
  public synchronized long tokenGrants() {
    return tokens.values().stream().filter(t -> t.granted >= 0).count();
  }

  /**
   * Tokens given up after a callback (revoked, idle or closing) so far.
   *
   * @return how many {@link #released(String, long, Revocation.Reason)} events had a reason (not
   *     replacements)
   */
  public synchronized long revocations() {
    return revocations;
  }

  /**
   * Holds released with a lost token so far.
   *
   * @return how many recorded releases said the handle was no longer held
   */
  public synchronized long lostHolds() {
    return holds.stream().filter(h -> h.lost).count();
  }

  /**
   * Checks the whole history.
   *
   * @param table the lock's table, which decides which pairs of holds and tokens conflict
   * @return the violations found, in words; empty if none
   * @throws NullPointerException if {@code table} is null
   */
  public synchronized List<String> check(ModeTable<M> table) {
    Objects.requireNonNull(table, "table");
    List<String> v = new ArrayList<>(bookkeeping);
    List<HoldRecord<M>> byGrant = new ArrayList<>(holds);
    byGrant.sort(Comparator.comparingLong(h -> h.granted));
    for (HoldRecord<M> h : byGrant) {
      if (h.released < 0) {
        v.add("hold never released: " + h);
      }
    }
    // 1. Exclusion, by a sweep over grants keeping the holds still open at that time.
    List<HoldRecord<M>> open = new ArrayList<>();
    for (HoldRecord<M> h : byGrant) {
      open.removeIf(o -> o.released >= 0 && o.released < h.granted);
      for (HoldRecord<M> o : open) {
        if (!o.lost && !h.lost && conflict(table, o, h)) {
          v.add("exclusion: " + o + " overlaps " + h);
        }
      }
      open.add(h);
    }
    // 2. Fences grow along every conflicting pair, in grant order.
    for (int j = 0; j < byGrant.size(); j++) {
      HoldRecord<M> b = byGrant.get(j);
      for (int i = 0; i < j; i++) {
        HoldRecord<M> a = byGrant.get(i);
        if (a.fence >= b.fence && conflict(table, a, b)) {
          v.add("fence: " + b + " granted after conflicting " + a + " with no larger fence");
        }
      }
    }
    // 3. FIFO among conflicting token requests of different nodes: ZooKeeper order = grant order.
    List<Map.Entry<Long, TokenRecord<M>>> ts = new ArrayList<>(tokens.entrySet());
    ts.removeIf(e -> e.getValue().granted < 0);
    ts.sort(Map.Entry.comparingByKey());
    for (int j = 0; j < ts.size(); j++) {
      TokenRecord<M> b = ts.get(j).getValue();
      for (int i = 0; i < j; i++) {
        TokenRecord<M> a = ts.get(i).getValue();
        if (!a.node.equals(b.node)
            && a.range.overlaps(b.range)
            && !table.compatible(a.mode, b.mode)
            && a.granted > b.granted) {
          v.add(
              "FIFO: token "
                  + ts.get(j).getKey()
                  + " ("
                  + b.node
                  + " "
                  + b.range
                  + " "
                  + b.mode
                  + ") granted before earlier conflicting token "
                  + ts.get(i).getKey()
                  + " ("
                  + a.node
                  + " "
                  + a.range
                  + " "
                  + a.mode
                  + ")");
        }
      }
    }
    return v;
  }

  private static <M extends Enum<M>> boolean conflict(
      ModeTable<M> table, HoldRecord<M> a, HoldRecord<M> b) {
    return a.range.overlaps(b.range) && !table.compatible(a.mode, b.mode);
  }
}
