package org.rangelock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;
import java.util.concurrent.locks.LockSupport;

/**
 * A lock over ranges of a {@code long} address space (a file's bytes, say) whose modes and their
 * compatibility are a {@link ModeTable}. Two holds conflict if and only if their ranges overlap and
 * their modes are incompatible in the table; holds that do not conflict are granted concurrently.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>Exclusion.</b> Two conflicting holds never coexist.
 *   <li><b>Concurrency.</b> A request that conflicts with no earlier request (held or waiting) is
 *       granted at once, whatever else is held or waited for elsewhere.
 *   <li><b>FIFO among conflicts, hence no starvation.</b> A request is never granted before an
 *       earlier request that it conflicts with, held or still waiting. With {@code SHARED [0,10)}
 *       held and {@code EXCLUSIVE [5,15)} waiting, a later {@code SHARED [8,9)} waits behind the
 *       exclusive request (and {@link #tryAcquire(Range, Enum)} of it returns {@code null}), so a
 *       truncate is never starved by a storm of faults. Requests that do not conflict are not
 *       ordered with respect to each other.
 *   <li><b>No lost or leaked grants.</b> Interrupts, timeouts and cancellation of an {@link
 *       #acquireAsync async} request may race with its grant; either the caller ends up with the
 *       hold (and must close it) or the request leaves no trace and whatever it alone was blocking
 *       is granted.
 *   <li><b>Self-deadlock detection.</b> A thread that would wait (in {@link #acquire}, {@link
 *       #acquireInterruptibly} or a timed {@link #tryAcquire(Range, Enum, Duration)}) for a hold
 *       that it acquired itself with a blocking or try call and still holds (holds granted through
 *       {@link #acquireAsync} belong to no thread and are not counted), in a conflicting mode on an
 *       overlapping range, gets an {@link IllegalStateException} naming that hold instead of
 *       hanging, and the lock is left as it was. This is on by default; switch it off with {@link
 *       Builder#failOnSelfDeadlock(boolean)} when handles are handed to other threads to close.
 *       Only the direct case is detected: a thread that holds {@code SHARED [0,10)} and asks for
 *       {@code SHARED [8,9)} behind another thread's waiting {@code EXCLUSIVE [5,15)} waits
 *       forever, as it would with any fair reader/writer lock.
 * </ul>
 *
 * <p><b>Memory consistency effects.</b> Actions in a thread prior to closing (or {@linkplain
 * RangeHandle#downgrade downgrading}) a hold <i>happen-before</i> actions following the grant of
 * any later hold that the closed (or stronger) hold conflicted with, in whatever thread it is
 * granted, including the completion of an {@link #acquireAsync} future.
 *
 * <p><b>Waiting.</b> A waiting thread spins briefly and then parks; on two cores with more threads
 * than cores a lock that only spins collapses. {@link #acquire} is not interruptible (an interrupt
 * during the wait is kept and re-asserted on return). Futures from {@link #acquireAsync} are
 * completed by the thread whose release granted them, after the lock's internal structures are
 * unlocked, so dependent stages that are not {@code *Async} run in that thread.
 *
 * <p><b>Bad input</b> ({@code null} range or mode, a mode of another table through raw types, a
 * negative timeout) throws {@link NullPointerException} or {@link IllegalArgumentException} naming
 * the value, before anything is changed.
 *
 * <h2>Example</h2>
 *
 * <pre>{@code
 * RangeLock<MappingMode> lock = RangeLock.create(ModeTable.mapping());
 * try (RangeHandle<MappingMode> h = lock.acquire(Range.ofLength(pageOffset, 4096), MappingMode.FAULT)) {
 *   // install the page: no truncate, punch or direct IO can overlap it now
 * }
 * }</pre>
 *
 * @param <M> the enum of modes
 */
public final class RangeLock<M extends Enum<M>> {
  /*
   * Implementation notes.
   *
   * Structure. The address space is cut into granules of 2^granuleShift bytes, and granule g
   * belongs to zone (spread(g) mod zoneCount), spread(g) being g plus its higher base-zoneCount
   * digits taken as whole numbers (see spread(): with plain g mod zoneCount, workers a power-of-two
   * stride apart shared zones). A request registers in the circular run of zones from its first
   * granule's to its last granule's: one zone for the usual page-sized or IO-sized range, all zones
   * for Range.from or any range longer than zoneCount granules. Each zone is a small mutex (an
   * AQS, spun on briefly before queueing) guarding a treap of the requests registered in it,
   * ordered by (start, seq) and augmented with the maximum end in each subtree, so that the
   * requests overlapping a range are found in O(log n + k). Threads working on ranges of
   * different zones share no written cache line: each zone is padded, a request is written only
   * by threads holding one of its zone locks (or by its owner before it is published).
   *
   * The one-word fast path (after FreeBSD's "cheat mode", but per zone). Each zone has a word:
   * null when the zone is empty, a request when that one-zone request is its only occupant and
   * was granted by CAS(null -> request), TREE_MODE otherwise. An uncontended acquire is that one
   * CAS and its close is CAS(request -> null): no mutex, no tree. Every mutex holder first swaps
   * the word to TREE_MODE, moving a fast holder into the tree (it gets its seq then: it is older
   * than anything that follows), and on unlock re-opens the fast path if the tree is empty.
   * Because a waiting request is always in a tree, the word is never null while anybody waits
   * in the zone, so the fast path cannot overtake. A close whose CAS fails goes the slow way; a
   * granted request found not in the tree there was fast-released by a racing close (a double
   * close) and is reported as such.
   *
   * Blocking counts (Kara 2013 / Bueso 2017, per zone). A request r, holding the locks of all its
   * zones in increasing zone order (two-phase, so requests sharing a zone are totally ordered),
   * counts the requests already present that overlap it with an incompatible mode, held or
   * waiting; the count is its number of blockers. It is granted at once if the count is zero,
   * else it waits until the count drops to zero. Every release, cancellation or downgrade of a
   * request x decrements the count of each later request that counted x and that x no longer
   * blocks, and grants those that reach zero. A pair that shares several zones is counted once in
   * each zone they share and decremented once in each: zone membership never changes, so both
   * sides meet the pair in the same zones and the count is consistent without any shared state
   * (blockers counts pairs-times-zones, not requests).
   *
   * Order. seq is a Lamport clock over zones: r.seq = 1 + max(zone.clock) over r's zones, and
   * each of those clocks is set to r.seq, all under r's zone locks. Two requests that share a zone
   * are therefore ordered by seq in the order they were inserted there, and "x is earlier than r"
   * is x.seq < r.seq. No global counter is written.
   *
   * Linearization points. A grant at insertion linearizes at the insertion (under r's zone locks);
   * a later grant at the decrement that takes blockers to zero (under the decrementer's zone
   * lock); a release, cancellation or downgrade at the moment it holds all its zone locks.
   *
   * Why FIFO holds. If x was inserted before r (in their common zone) and they conflict, r
   * counted x, and r's count cannot reach zero until x is released, cancelled or downgraded to a
   * mode compatible with r. tryAcquire counts the same way and fails on any earlier conflict,
   * waiting or held, so it cannot overtake either.
   *
   * Why wake-ups are not lost. blockers is decremented atomically (two releasers may hold
   * different zone locks of a multi-zone waiter); exactly one decrementer sees it reach zero and
   * publishes state = GRANTED with release semantics, then (after dropping its zone locks) unparks
   * the waiter or completes its future. The waiter re-reads state before every park, and a park
   * after the unpark returns at once. A waiter that gives up (interrupt, timeout, cancel) takes
   * all its zone locks, which excludes every decrementer of its count; if it is still WAITING it
   * removes itself and decrements the later requests that counted it, exactly like a release; if
   * it was GRANTED meanwhile, the grant stands and the caller either keeps it (timeout) or
   * releases it (interrupt, cancelled future).
   *
   * Which thread touches what. Tree links, maxEnd, seq, zone clocks and a request's mode are
   * written only under the locks of the zones concerned. blockers is written by the inserting
   * thread under all the request's zone locks, then only by atomic decrements under one of them.
   * state is written under zone locks, read without them by the waiting thread (acquire) and by
   * isHeld(). zone.waiting counts waiting requests registered in the zone and lets a release skip
   * the walk over overlapping requests when nobody waits there.
   */

  /** Spins on a zone lock before yielding. */
  private static final int ZONE_SPINS = 64;

  /** Yields on a zone lock before queueing on it. */
  private static final int ZONE_YIELDS = 256;

  /** Spins of a waiting request before it yields. */
  private static final int WAIT_SPINS = 128;

  /** Yields of a waiting request before it parks. */
  private static final int WAIT_YIELDS = 32;

  static final int WAITING = 0;
  static final int GRANTED = 1;
  static final int RELEASED = 2;
  static final int CANCELLED = 3;

  private static final VarHandle ZONES = MethodHandles.arrayElementVarHandle(Zone[].class);
  private static final VarHandle BLOCKERS;
  private static final VarHandle STATE;
  private static final VarHandle WAITING_COUNT;
  private static final VarHandle WORD;

  /**
   * Zone word value while the zone is in tree mode (a mutex holder is in, or the tree is not
   * empty).
   */
  static final Object TREE_MODE = new Object();

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      BLOCKERS = l.findVarHandle(Entry.class, "blockers", int.class);
      STATE = l.findVarHandle(Request.class, "state", int.class);
      WAITING_COUNT = l.findVarHandle(Zone.class, "waiting", int.class);
      WORD = l.findVarHandle(Zone.class, "word", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final ModeTable<M> table;
  private final long[] masks;
  private final int granuleShift;
  private final int zoneCount;
  private final int zoneMask;
  private final int zoneBits;
  private final Zone[] zones;
  private final boolean failOnSelfDeadlock;
  private final boolean recordHoldTimes;

  private RangeLock(Builder<M> b) {
    this.table = b.table;
    M[] modes = table.modeClass().getEnumConstants();
    this.masks = new long[modes.length];
    for (int i = 0; i < modes.length; i++) {
      masks[i] = table.maskOf(i);
    }
    this.granuleShift = b.granuleShift;
    this.zoneCount = b.zones;
    this.zoneMask = b.zones - 1;
    this.zoneBits = Integer.numberOfTrailingZeros(b.zones);
    this.zones = new Zone[b.zones];
    this.failOnSelfDeadlock = b.failOnSelfDeadlock;
    this.recordHoldTimes = b.recordHoldTimes;
  }

  /**
   * A lock over {@code table}'s modes with the default settings (see {@link Builder}).
   *
   * @throws NullPointerException if {@code table} is null
   */
  public static <M extends Enum<M>> RangeLock<M> create(ModeTable<M> table) {
    return builder(table).build();
  }

  /**
   * A builder for a lock over {@code table}'s modes, to change the defaults.
   *
   * @throws NullPointerException if {@code table} is null
   */
  public static <M extends Enum<M>> Builder<M> builder(ModeTable<M> table) {
    return new Builder<>(Objects.requireNonNull(table, "table"));
  }

  /** The mode table of this lock. */
  public ModeTable<M> table() {
    return table;
  }

  /**
   * Acquires {@code range} in {@code mode}, waiting as long as it takes. Not interruptible: an
   * interrupt during the wait is remembered and re-asserted when this method returns.
   *
   * @return the hold; close it to release
   * @throws NullPointerException if {@code range} or {@code mode} is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table
   * @throws IllegalStateException if the current thread would wait for a hold of its own (see the
   *     class documentation); nothing is changed
   */
  public RangeHandle<M> acquire(Range range, M mode) {
    Request<M> r = newRequest(range, mode, false);
    if (!enqueue(r, true)) {
      awaitGrant(r, FOREVER, false);
    }
    return r;
  }

  /**
   * Acquires {@code range} in {@code mode}, waiting until it is granted or the thread is
   * interrupted. If the interrupt races with the grant, the grant is released again: when this
   * method throws, the caller holds nothing.
   *
   * @return the hold; close it to release
   * @throws InterruptedException if the thread was interrupted before or while waiting; no hold is
   *     left behind
   * @throws NullPointerException if {@code range} or {@code mode} is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table
   * @throws IllegalStateException if the current thread would wait for a hold of its own
   */
  public RangeHandle<M> acquireInterruptibly(Range range, M mode) throws InterruptedException {
    Request<M> r = newRequest(range, mode, false);
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (!enqueue(r, true) && awaitGrant(r, FOREVER, true) == INTERRUPTED) {
      giveUp(r);
      throw new InterruptedException();
    }
    return r;
  }

  /**
   * Acquires {@code range} in {@code mode} if that is possible without waiting: if no earlier
   * request, held <em>or waiting</em>, conflicts with it (so a try never overtakes a waiter).
   *
   * @return the hold, or {@code null} if the request would have to wait (nothing is left behind)
   * @throws NullPointerException if {@code range} or {@code mode} is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table
   */
  public RangeHandle<M> tryAcquire(Range range, M mode) {
    Request<M> r = newRequest(range, mode, false);
    return tryEnqueue(r) ? r : null;
  }

  /**
   * Acquires {@code range} in {@code mode}, waiting at most {@code timeout}. A zero timeout is a
   * {@link #tryAcquire(Range, Enum)}; a timeout too long for a {@code long} of nanoseconds ({@code
   * Duration.ofSeconds(Long.MAX_VALUE)}) waits indefinitely. If the grant races with the timeout,
   * the grant wins and is returned.
   *
   * @return the hold, or {@code null} if the timeout elapsed first (nothing is left behind)
   * @throws InterruptedException if the thread was interrupted before or while waiting; no hold is
   *     left behind
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code timeout} is negative, or {@code mode} is not of this
   *     lock's table
   * @throws IllegalStateException if the current thread would wait for a hold of its own
   */
  public RangeHandle<M> tryAcquire(Range range, M mode, Duration timeout)
      throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
    }
    Request<M> r = newRequest(range, mode, false);
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long nanos = saturatedNanos(timeout);
    if (nanos == 0) {
      return tryEnqueue(r) ? r : null;
    }
    if (enqueue(r, true)) {
      return r;
    }
    switch (awaitGrant(r, nanos, true)) {
      case TIMED_OUT:
        return abandon(r) ? null : r; // a grant that raced the timeout stands
      case INTERRUPTED:
        giveUp(r);
        throw new InterruptedException();
      default:
        return r;
    }
  }

  private static final long FOREVER = Long.MAX_VALUE;
  private static final int GRANTED_NOW = 0;
  private static final int TIMED_OUT = 1;
  private static final int INTERRUPTED = 2;

  /**
   * Waits until r is granted: spins briefly, then yields (so that on an oversubscribed machine the
   * holder gets the core instead of this thread going to sleep and making its grant wait for a
   * wake-up), then parks. An interrupt is returned if interruptible, else kept and re-asserted on
   * return.
   *
   * @param nanos how long at most, or FOREVER
   * @return GRANTED_NOW, TIMED_OUT or INTERRUPTED; the last two leave r waiting, to be withdrawn
   */
  private int awaitGrant(Request<M> r, long nanos, boolean interruptible) {
    final long deadline = nanos == FOREVER ? 0 : System.nanoTime() + nanos;
    boolean interrupted = false;
    int result = GRANTED_NOW;
    for (int i = 0; (int) STATE.getAcquire(r) == WAITING; i++) {
      if (i < WAIT_SPINS) {
        Thread.onSpinWait();
        continue;
      }
      long left = nanos == FOREVER ? FOREVER : deadline - System.nanoTime();
      if (left <= 0) {
        result = TIMED_OUT;
        break;
      }
      if (i < WAIT_SPINS + WAIT_YIELDS) {
        Thread.yield();
      } else if (left == FOREVER) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, left);
      }
      if (Thread.interrupted()) {
        if (interruptible) {
          result = INTERRUPTED;
          break;
        }
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return result;
  }

  /** An interrupted waiter withdraws r; if the grant won the race, it gives the hold back. */
  private void giveUp(Request<M> r) {
    if (!abandon(r)) {
      release(r);
    }
  }

  /**
   * Requests {@code range} in {@code mode} without blocking the calling thread. The future
   * completes with the hold when it is granted (at once if nothing conflicts), in the order
   * required by FIFO among conflicts, and is completed by the thread whose release granted it.
   *
   * <p>Cancelling the future, or completing it by any other means ({@code complete}, {@code
   * completeExceptionally}, {@code orTimeout}), before the grant withdraws the request and leaves
   * nothing behind; if the grant races with it, the lock releases the hold itself. {@code
   * obtrudeValue} and {@code obtrudeException} are not supported.
   *
   * <p>There is no self-deadlock check here: the calling thread does not wait.
   *
   * @return a future of the hold
   * @throws NullPointerException if {@code range} or {@code mode} is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table
   */
  public CompletableFuture<RangeHandle<M>> acquireAsync(Range range, M mode) {
    Request<M> r = newRequest(range, mode, true);
    LockFuture<M> f = new LockFuture<>(this, r);
    r.future = f;
    if (enqueue(r, false)) {
      f.grant(r); // nobody else has seen f yet: this always succeeds
    }
    return f;
  }

  /**
   * A consistent picture of every hold and waiting request, oldest first. It briefly takes every
   * internal lock, so it is for debugging, watchdogs and tests, not for a hot path.
   */
  public LockSnapshot<M> snapshot() {
    List<Entry<M>> all = new ArrayList<>();
    int n = 0;
    Zone[] locked = new Zone[zoneCount];
    try {
      for (int z = 0; z < zoneCount; z++) {
        // Every zone, created if need be: skipping an absent one would let a request enter it
        // while later zones are still being locked, and the picture would not be consistent.
        Zone zone = zone(z);
        zone.lock();
        locked[n++] = zone;
      }
      for (int i = 0; i < n; i++) {
        collect(locked[i].root, locked[i].index, all);
      }
    } finally {
      for (int i = n - 1; i >= 0; i--) {
        locked[i].unlock();
      }
    }
    all.sort(Comparator.comparingLong(e -> e.seq));
    List<LockSnapshot.Entry<M>> held = new ArrayList<>();
    List<LockSnapshot.Entry<M>> waiting = new ArrayList<>();
    for (Entry<M> x : all) {
      Request<M> r = x.request;
      LockSnapshot.Entry<M> e =
          new LockSnapshot.Entry<>(
              r.range(),
              r.mode(),
              r.owner.getId(),
              r.owner.getName(),
              r.sinceNanos,
              r.future != null);
      if (r.state == GRANTED) {
        held.add(e);
      } else {
        waiting.add(e);
      }
    }
    return new LockSnapshot<>(held, waiting);
  }

  @Override
  public String toString() {
    return "RangeLock<"
        + table.modeClass().getSimpleName()
        + ">[zones="
        + zoneCount
        + ", granule="
        + (1L << granuleShift)
        + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Requests and zones

  /**
   * The zone of granule g is spread(g) mod zoneCount, where spread adds to g its base-zoneCount
   * digits above the first (as whole numbers: g >> b, g >> 2b, g >> 3b). Going from g to g + 1,
   * spread grows by 1 plus the number of those levels at which g + 1 is a multiple: so the zones of
   * a run of granules lie in the circular run from spread(g0) to spread(g1), and that is where a
   * request registers (a zone or two more than it touches when it crosses such a boundary, which
   * costs a little and breaks nothing: conflicts are decided by range overlap in every shared
   * zone). Plain g mod zoneCount sent workers spaced a power-of-two number of granules apart to the
   * same few zones; with spread, strides of zoneCount^k granules (k below 4) and their multiples by
   * small numbers land in different zones. Wrapping arithmetic is fine: only spread differences
   * below 4 * zoneCount are ever used, and masks of powers of two.
   */
  private long spread(long g) {
    return g + (g >>> zoneBits) + (g >>> (2 * zoneBits)) + (g >>> (3 * zoneBits));
  }

  private Request<M> newRequest(Range range, M mode, boolean async) {
    Objects.requireNonNull(range, "range");
    table.checkMode(mode);
    long g0 = range.start() >>> granuleShift;
    long g1 = (range.end() - 1) >>> granuleShift;
    int first;
    int count;
    long s0 = spread(g0);
    // One granule (the usual page- or IO-sized range) needs no second spread.
    long advance = g1 == g0 ? 0 : spread(g1) - s0;
    if (g1 - g0 >= zoneMask || advance >= zoneMask) {
      first = 0;
      count = zoneCount;
    } else {
      first = (int) (s0 & zoneMask);
      count = (int) advance + 1;
    }
    Request<M> r = new Request<>(this, range, mode.ordinal(), first, count);
    if (async || recordHoldTimes) {
      r.sinceNanos = System.nanoTime();
    }
    return r;
  }

  private Zone zone(int z) {
    Zone zone = (Zone) ZONES.getAcquire(zones, z);
    if (zone == null) {
      Zone fresh = new Zone(z);
      zone = (Zone) ZONES.compareAndExchangeRelease(zones, z, null, fresh);
      if (zone == null) {
        zone = fresh;
      }
    }
    return zone;
  }

  /**
   * The i-th zone of r in increasing zone order (the lock order). Zones of a request form a
   * circular interval [first, first + count) mod zoneCount; in increasing order that is the
   * wrapped-around part first.
   */
  private int zoneIndex(Request<?> r, int i) {
    int first = r.firstZone;
    int count = r.zoneCount;
    if (count == zoneCount) {
      return i;
    }
    int wrapped = first + count - zoneCount; // how many zones wrap around to 0..wrapped-1
    if (wrapped <= 0) {
      return first + i;
    }
    return i < wrapped ? i : first + (i - wrapped);
  }

  /** The tree node of e in its request's i-th zone (increasing order); e itself for i == 0. */
  private static Node nodeAt(Entry<?> e, int i) {
    return i == 0 ? e : e.extra[i - 1];
  }

  private void lockZones(Request<M> r) {
    for (int i = 0; i < r.zoneCount; i++) {
      zone(zoneIndex(r, i)).lock();
    }
  }

  private void unlockZones(Request<M> r) {
    for (int i = r.zoneCount - 1; i >= 0; i--) {
      zones[zoneIndex(r, i)].unlock();
    }
  }

  private boolean conflicts(int modeA, int modeB) {
    return (masks[modeA] & (1L << modeB)) == 0;
  }

  /**
   * Counts r's blockers and inserts r (the blocking paths), or throws on self-deadlock.
   *
   * @return whether r was granted at once
   */
  private boolean enqueue(Request<M> r, boolean checkSelf) {
    if (tryFast(r)) {
      return true;
    }
    lockZones(r);
    try {
      int blockers = 0;
      boolean self = false;
      for (int i = 0; i < r.zoneCount; i++) {
        long c = countBlockers(zones[zoneIndex(r, i)].root, r);
        blockers += (int) c;
        self |= (c & SELF_BLOCKED) != 0;
      }
      if (self && checkSelf && failOnSelfDeadlock) {
        throw selfDeadlock(r);
      }
      insert(r, blockers);
      return blockers == 0;
    } finally {
      unlockZones(r);
    }
  }

  /** Inserts r only if it has no blockers. */
  private boolean tryEnqueue(Request<M> r) {
    if (tryFast(r)) {
      return true;
    }
    lockZones(r);
    try {
      for (int i = 0; i < r.zoneCount; i++) {
        if (countBlockers(zones[zoneIndex(r, i)].root, r) != 0) {
          return false;
        }
      }
      insert(r, 0);
      return true;
    } finally {
      unlockZones(r);
    }
  }

  /**
   * The one-word fast path: a one-zone request on an empty zone is granted by one CAS of the zone's
   * word from null to the request, without the zone's mutex or tree.
   */
  private boolean tryFast(Request<M> r) {
    if (r.zoneCount != 1) {
      return false;
    }
    Zone zone = zone(r.firstZone);
    if (zone.word != null) {
      return false;
    }
    STATE.set(r, GRANTED); // r is published by the CAS
    if (WORD.compareAndSet(zone, null, r)) {
      return true;
    }
    STATE.set(r, WAITING);
    return false;
  }

  /** The fast release: one CAS back to null, if r is still the zone's fast holder. */
  private boolean tryFastRelease(Request<M> r) {
    // A racy read of entry: once set it never goes back to null, so seeing it proves the CAS
    // would fail; seeing a stale null only costs the failing CAS.
    if (r.zoneCount != 1 || r.entry != null) {
      return false;
    }
    if (WORD.compareAndSet(zones[r.firstZone], r, null)) {
      STATE.setRelease(r, RELEASED);
      return true;
    }
    return false;
  }

  /** Under all of r's zone locks: gives r its tree entry, stamps its seq, links it in. */
  private void insert(Request<M> r, int blockers) {
    long seq = 0;
    for (int i = 0; i < r.zoneCount; i++) {
      seq = Math.max(seq, zones[zoneIndex(r, i)].clock);
    }
    Entry<M> e = new Entry<>(r, seq + 1);
    // Plain writes: r and e are published to other threads only through the zone locks.
    BLOCKERS.set(e, blockers);
    STATE.set(r, blockers == 0 ? GRANTED : WAITING);
    if (blockers != 0 && r.sinceNanos == 0) {
      r.sinceNanos = System.nanoTime();
    }
    if (r.zoneCount > 1) {
      e.extra = new Node[r.zoneCount - 1];
    }
    for (int i = 0; i < r.zoneCount; i++) {
      Zone zone = zones[zoneIndex(r, i)];
      zone.clock = e.seq;
      Node n = i == 0 ? e : (e.extra[i - 1] = new Node(e));
      n.prio = e.prio();
      zone.root = insert(zone.root, n);
      if (blockers != 0) {
        WAITING_COUNT.getAndAdd(zone, 1);
      }
    }
    r.entry = e;
  }

  /** Releases a granted request (close). */
  void release(Request<M> r) {
    if (tryFastRelease(r)) {
      return;
    }
    Entry<M> wake = null;
    lockZones(r);
    try {
      // GRANTED without an entry: a racing close took the fast release (see tryFastRelease).
      if (r.state != GRANTED || r.entry == null) {
        throw new IllegalStateException(
            "already released: " + table.modeOf(r.mode) + " " + r.range + " (double close)");
      }
      STATE.setRelease(r, RELEASED);
      wake = unlinkAndDecrement(r.entry, r.mode, -1, wake);
    } finally {
      unlockZones(r);
    }
    wakeAll(wake);
  }

  /**
   * Withdraws a request whose waiter gave up. Returns true if it was still waiting and is now gone;
   * false if it had been granted meanwhile (the caller owns the hold) or was already gone.
   */
  boolean abandon(Request<M> r) {
    Entry<M> wake = null;
    lockZones(r);
    try {
      if (r.state != WAITING || r.entry == null) {
        return false; // granted (or never enqueued: its future was completed before the insert)
      }
      STATE.setRelease(r, CANCELLED);
      for (int i = 0; i < r.zoneCount; i++) {
        WAITING_COUNT.getAndAdd(zones[zoneIndex(r, i)], -1);
      }
      wake = unlinkAndDecrement(r.entry, r.mode, -1, wake);
    } finally {
      unlockZones(r);
    }
    wakeAll(wake);
    return true;
  }

  /** Downgrades a granted request to a strictly weaker mode. */
  void downgrade(Request<M> r, M weaker) {
    table.checkMode(weaker);
    Entry<M> wake = null;
    lockZones(r); // folds a fast holder into its tree: r.entry is set from here on
    try {
      if (r.state != GRANTED || r.entry == null) {
        throw new IllegalStateException(
            "cannot downgrade a released hold: " + table.modeOf(r.mode) + " " + r.range);
      }
      M current = table.modeOf(r.mode);
      if (!table.isWeaker(weaker, current)) {
        throw new IllegalArgumentException(
            "cannot downgrade " + current + " " + r.range + " to " + weaker + ": not weaker");
      }
      int old = r.mode;
      r.mode = weaker.ordinal();
      for (int i = 0; i < r.zoneCount; i++) {
        Zone zone = zones[zoneIndex(r, i)];
        if (zone.waiting != 0) {
          wake = decrementLater(zone.root, r.entry, old, r.mode, wake);
        }
      }
    } finally {
      unlockZones(r);
    }
    wakeAll(wake);
  }

  /**
   * Under all of e's zone locks: removes e from every zone and decrements the later requests that
   * counted it. newMode -1 means "gone" (compatible with everything).
   */
  private Entry<M> unlinkAndDecrement(Entry<M> e, int oldMode, int newMode, Entry<M> wake) {
    Request<M> r = e.request;
    for (int i = 0; i < r.zoneCount; i++) {
      Zone zone = zones[zoneIndex(r, i)];
      zone.root = delete(zone.root, nodeAt(e, i));
      if (zone.waiting != 0) {
        wake = decrementLater(zone.root, e, oldMode, newMode, wake);
      }
    }
    return wake;
  }

  private void wakeAll(Entry<M> wake) {
    while (wake != null) {
      Entry<M> next = wake.nextWake;
      wake.nextWake = null;
      Request<M> r = wake.request;
      LockFuture<M> f = r.future;
      if (f == null) {
        LockSupport.unpark(r.owner);
      } else if (!f.grant(r)) {
        release(r); // the future was cancelled or completed while the grant was on its way
      }
      wake = next;
    }
  }

  private IllegalStateException selfDeadlock(Request<M> r) {
    Request<M> own = null;
    for (int i = 0; i < r.zoneCount && own == null; i++) {
      own = findOwnBlocker(zones[zoneIndex(r, i)].root, r);
    }
    return new IllegalStateException(
        "self-deadlock: "
            + r.owner.getName()
            + " asks for "
            + table.modeOf(r.mode)
            + " "
            + r.range
            + " while it holds the conflicting "
            + (own == null ? "?" : table.modeOf(own.mode) + " " + own.range)
            + " itself");
  }

  // ---------------------------------------------------------------------------------------------
  // Overlap walks. Each runs under the lock of one zone; t is (a subtree of) its treap.

  /** Bit 32 of countBlockers' result: one of the blockers is the requesting thread's own hold. */
  private static final long SELF_BLOCKED = 1L << 32;

  /**
   * Counts requests in t that overlap r with an incompatible mode (low 32 bits), and sets
   * SELF_BLOCKED if one of them is a hold that r's thread acquired synchronously.
   */
  private long countBlockers(Node t, Request<M> r) {
    long count = 0;
    final long start = r.range.start();
    final long end = r.range.end();
    while (t != null && t.maxEnd > start) {
      long left = countBlockers(t.left, r);
      count = (count + (int) left) | (left & SELF_BLOCKED);
      Entry<M> x = t.entry();
      if (x.start >= end) {
        break; // t and its right subtree start at or after r's end
      }
      Request<M> xr = x.request;
      if (x.end > start && conflicts(xr.mode, r.mode)) {
        count++;
        if (xr.owner == r.owner && xr.future == null && xr.state == GRANTED) {
          count |= SELF_BLOCKED;
        }
      }
      t = t.right;
    }
    return count;
  }

  private Request<M> findOwnBlocker(Node t, Request<M> r) {
    final long start = r.range.start();
    final long end = r.range.end();
    while (t != null && t.maxEnd > start) {
      Request<M> own = findOwnBlocker(t.left, r);
      if (own != null) {
        return own;
      }
      Entry<M> x = t.entry();
      if (x.start >= end) {
        break;
      }
      Request<M> xr = x.request;
      if (x.end > start
          && conflicts(xr.mode, r.mode)
          && xr.owner == r.owner
          && xr.future == null
          && xr.state == GRANTED) {
        return xr;
      }
      t = t.right;
    }
    return null;
  }

  /**
   * Decrements every later request in t that overlaps e, conflicted with it in mode oldMode, and no
   * longer conflicts with it in newMode (-1: e is gone). Returns the list of requests granted.
   */
  private Entry<M> decrementLater(Node t, Entry<M> e, int oldMode, int newMode, Entry<M> wake) {
    final long start = e.start;
    final long end = e.end;
    while (t != null && t.maxEnd > start) {
      wake = decrementLater(t.left, e, oldMode, newMode, wake);
      Entry<M> x = t.entry();
      if (x.start >= end) {
        break;
      }
      int xMode = x.request.mode;
      if (x.end > start
          && x.seq > e.seq
          && conflicts(oldMode, xMode)
          && (newMode < 0 || !conflicts(newMode, xMode))) {
        if ((int) BLOCKERS.getAndAdd(x, -1) == 1) {
          // x's last blocker is gone: grant it. Its waiting counts are dropped here, not by x.
          Request<M> xr = x.request;
          for (int i = 0; i < xr.zoneCount; i++) {
            WAITING_COUNT.getAndAdd(zones[zoneIndex(xr, i)], -1);
          }
          STATE.setRelease(xr, GRANTED);
          x.nextWake = wake;
          wake = x;
        }
      }
      t = t.right;
    }
    return wake;
  }

  private void collect(Node t, int z, List<Entry<M>> out) {
    while (t != null) {
      collect(t.left, z, out);
      Entry<M> x = t.entry();
      if (zoneIndex(x.request, 0) == z) {
        out.add(x); // each request once: from its first zone
      }
      t = t.right;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The treap: ordered by (start, seq), max-heap on prio, maxEnd = max end in the subtree.

  private static int priority(long seq) {
    long h = seq * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 29));
  }

  private static boolean before(Node a, Node b) {
    Entry<?> x = a.entry();
    Entry<?> y = b.entry();
    return x.start < y.start || (x.start == y.start && x.seq < y.seq);
  }

  private static long maxEnd(Node t) {
    return t == null ? Long.MIN_VALUE : t.maxEnd;
  }

  private static void update(Node t) {
    t.maxEnd = Math.max(t.entry().end, Math.max(maxEnd(t.left), maxEnd(t.right)));
  }

  private static Node insert(Node t, Node n) {
    if (t == null) {
      n.left = null;
      n.right = null;
      n.maxEnd = n.entry().end;
      return n;
    }
    if (before(n, t)) {
      t.left = insert(t.left, n);
      if (t.left.prio > t.prio) {
        Node l = t.left;
        t.left = l.right;
        update(t);
        l.right = t;
        update(l);
        return l;
      }
    } else {
      t.right = insert(t.right, n);
      if (t.right.prio > t.prio) {
        Node r = t.right;
        t.right = r.left;
        update(t);
        r.left = t;
        update(r);
        return r;
      }
    }
    update(t);
    return t;
  }

  private static Node delete(Node t, Node n) {
    if (t == n) {
      Node merged = merge(t.left, t.right);
      n.left = null;
      n.right = null;
      return merged;
    }
    if (before(n, t)) {
      t.left = delete(t.left, n);
    } else {
      t.right = delete(t.right, n);
    }
    update(t);
    return t;
  }

  private static Node merge(Node a, Node b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    if (a.prio > b.prio) {
      a.right = merge(a.right, b);
      update(a);
      return a;
    }
    b.left = merge(a, b.left);
    update(b);
    return b;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Types

  /** A treap node of one zone. A request's entry is its own node in the request's first zone. */
  static class Node {
    // All guarded by the lock of the zone whose tree holds this node.
    Node left;
    Node right;
    long maxEnd;
    int prio;
    private final Entry<?> entry;

    Node(Entry<?> entry) {
      this.entry = entry;
    }

    /** Only for Entry's constructor, which cannot pass {@code this}. */
    Node() {
      this.entry = null;
    }

    /** The entry this node stands for in its zone. */
    @SuppressWarnings("unchecked")
    final <M extends Enum<M>> Entry<M> entry() {
      return (Entry<M>) (entry == null ? this : entry);
    }
  }

  /**
   * What a request needs once it is in the zones' trees (every request but a fast holder): its
   * order, its blocking count and its nodes. Allocated under the zone locks, so the uncontended
   * path allocates only the handle.
   */
  static final class Entry<M extends Enum<M>> extends Node {
    final Request<M> request;
    final long start;
    final long end;

    /** Insertion order (Lamport clock over zones); see the implementation notes. */
    final long seq;

    /** Earlier conflicting requests still present, per shared zone; see the notes. */
    volatile int blockers;

    /** Nodes in zones 1..zoneCount-1 (increasing order); null for a one-zone request. */
    Node[] extra;

    /** Intrusive list of entries granted by one release, woken after the zone locks drop. */
    Entry<M> nextWake;

    Entry(Request<M> request, long seq) {
      this.request = request;
      this.start = request.range.start();
      this.end = request.range.end();
      this.seq = seq;
    }

    int prio() {
      return priority(seq);
    }
  }

  /**
   * One request and, once granted, the handle the caller gets. Kept small (it is the one allocation
   * of an uncontended acquire): the tree entry comes only when the request enters a zone's tree.
   */
  static final class Request<M extends Enum<M>> implements RangeHandle<M> {
    final RangeLock<M> lock;
    final Range range;
    final Thread owner;
    final int firstZone;
    final int zoneCount;

    /** Mode ordinal; changed only by downgrade, under all zone locks. */
    volatile int mode;

    /** WAITING, GRANTED, RELEASED or CANCELLED; see the implementation notes. */
    volatile int state;

    /**
     * The tree entry, null while the request is a zone's fast holder (and after a fast release).
     * Written under the zone locks.
     */
    Entry<M> entry;

    /** For async requests only; set before the request is enqueued. */
    LockFuture<M> future;

    long sinceNanos;

    Request(RangeLock<M> lock, Range range, int mode, int firstZone, int zoneCount) {
      this.lock = lock;
      this.range = range;
      this.firstZone = firstZone;
      this.zoneCount = zoneCount;
      this.owner = Thread.currentThread();
      MODE.set(this, mode);
    }

    @Override
    public Range range() {
      return range;
    }

    @Override
    public M mode() {
      return lock.table.modeOf(mode);
    }

    @Override
    public boolean isHeld() {
      return state == GRANTED;
    }

    @Override
    public void downgrade(M weaker) {
      lock.downgrade(this, weaker);
    }

    @Override
    public void close() {
      lock.release(this);
    }

    @Override
    public String toString() {
      String s;
      switch (state) {
        case WAITING:
          s = "waiting";
          break;
        case GRANTED:
          s = "held";
          break;
        case RELEASED:
          s = "released";
          break;
        default:
          s = "cancelled";
      }
      return mode() + " " + range + " (" + s + ")";
    }

    private static final VarHandle MODE;

    static {
      try {
        MODE = MethodHandles.lookup().findVarHandle(Request.class, "mode", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }
  }

  /**
   * A zone: a mutex (the AQS state, 0 free / 1 held) guarding a treap of the requests registered in
   * the zone. Padded so that zones, and the objects allocated next to them, do not share cache
   * lines.
   */
  @SuppressWarnings("unused")
  static final class Zone extends AbstractQueuedSynchronizer {
    long p00, p01, p02, p03, p04, p05, p06, p07;
    final int index;
    // Guarded by this zone's lock.
    Node root;
    long clock;
    // Waiting requests registered here; changed atomically (a grant may come from another zone).
    volatile int waiting;
    // null: empty, the fast path may CAS a request in; a Request: the one fast holder, tree
    // empty; TREE_MODE: the tree is authoritative (a mutex holder is in, or the tree is not
    // empty). Only a mutex holder moves it to or from TREE_MODE.
    volatile Object word;
    long p10, p11, p12, p13, p14, p15, p16, p17;

    Zone(int index) {
      this.index = index;
    }

    /** Takes the mutex and switches the zone to tree mode, folding a fast holder in. */
    void lock() {
      lockMutex();
      for (; ; ) {
        Object w = word;
        if (w == TREE_MODE) {
          return;
        }
        if (WORD.compareAndSet(this, w, TREE_MODE)) {
          if (w != null) {
            foldIn((Request<?>) w);
          }
          return;
        }
      }
    }

    /** Gives the fast holder x its tree entry; the tree was empty while x was the fast holder. */
    private <M extends Enum<M>> void foldIn(Request<M> x) {
      Entry<M> e = new Entry<>(x, ++clock);
      e.prio = e.prio();
      root = insert(root, e);
      x.entry = e;
    }

    /** Leaves tree mode if the tree is empty (re-opening the fast path), then drops the mutex. */
    void unlock() {
      if (root == null) {
        WORD.setRelease(this, null);
      }
      release(1);
    }

    private void lockMutex() {
      if (compareAndSetState(0, 1)) {
        return;
      }
      // The critical sections behind this mutex are short and bounded, so a waiter spins, then
      // yields (a holder preempted inside one gets the core back), and queues only after that:
      // a queued waiter costs the holder an unpark, far longer than the section itself.
      for (int i = 0; i < ZONE_SPINS + ZONE_YIELDS; i++) {
        if (i < ZONE_SPINS) {
          Thread.onSpinWait();
        } else {
          Thread.yield();
        }
        if (getState() == 0 && compareAndSetState(0, 1)) {
          return;
        }
      }
      acquire(1);
    }

    @Override
    protected boolean tryAcquire(int unused) {
      return compareAndSetState(0, 1);
    }

    @Override
    protected boolean tryRelease(int unused) {
      setState(0);
      return true;
    }
  }

  /**
   * The future of an async request: completing it by any means other than the grant withdraws the
   * request.
   */
  static final class LockFuture<M extends Enum<M>> extends CompletableFuture<RangeHandle<M>> {
    private final RangeLock<M> lock;
    private final Request<M> request;

    LockFuture(RangeLock<M> lock, Request<M> request) {
      this.lock = lock;
      this.request = request;
    }

    boolean grant(Request<M> r) {
      return super.complete(r);
    }

    @Override
    public boolean complete(RangeHandle<M> value) {
      boolean done = super.complete(value);
      if (done) {
        lock.abandon(request);
      }
      return done;
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
      boolean done = super.completeExceptionally(ex);
      if (done) {
        lock.abandon(request);
      }
      return done;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (isCancelled()) {
        lock.abandon(request);
      }
      return cancelled;
    }

    @Override
    public void obtrudeValue(RangeHandle<M> value) {
      throw new UnsupportedOperationException("obtrudeValue on a range lock request");
    }

    @Override
    public void obtrudeException(Throwable ex) {
      throw new UnsupportedOperationException("obtrudeException on a range lock request");
    }
  }

  /**
   * Settings of a {@link RangeLock}. Not thread-safe.
   *
   * @param <M> the enum of modes
   */
  public static final class Builder<M extends Enum<M>> {
    private final ModeTable<M> table;
    private int zones = 16;
    private int granuleShift = 16;
    private boolean failOnSelfDeadlock = true;
    private boolean recordHoldTimes = false;

    private Builder(ModeTable<M> table) {
      this.table = table;
    }

    /**
     * How many independent zones the address space is spread over (default 16): a power of two from
     * 1 to 1024. Requests in different zones share no written memory; a request that spans more
     * granules than there are zones takes every zone.
     */
    public Builder<M> zones(int zones) {
      if (zones < 1 || zones > 1024 || Integer.bitCount(zones) != 1) {
        throw new IllegalArgumentException(
            "zones must be a power of two from 1 to 1024, was " + zones);
      }
      this.zones = zones;
      return this;
    }

    /**
     * The granule, in bytes of the address space, that maps to one zone (default 65536): a power of
     * two from 1 to 2^40. Pick it about the size of a typical request (an IO, a fault-around
     * window): smaller spreads neighbouring requests over more zones, larger keeps big requests in
     * fewer zones.
     */
    public Builder<M> granule(long bytes) {
      if (bytes < 1 || bytes > (1L << 40) || Long.bitCount(bytes) != 1) {
        throw new IllegalArgumentException(
            "granule must be a power of two from 1 to 2^40 bytes, was " + bytes);
      }
      this.granuleShift = Long.numberOfTrailingZeros(bytes);
      return this;
    }

    /**
     * Whether a thread that would wait for its own conflicting hold gets an {@link
     * IllegalStateException} (default true). Switch it off if holds are handed to other threads to
     * be closed, so that waiting for one's "own" hold is legitimate.
     */
    public Builder<M> failOnSelfDeadlock(boolean fail) {
      this.failOnSelfDeadlock = fail;
      return this;
    }

    /**
     * Whether every request records when it was made, for {@link LockSnapshot.Entry#sinceNanos}
     * (default false: only requests that wait, and async ones, record it, because a clock read
     * costs about as much as the whole uncontended acquire).
     */
    public Builder<M> recordHoldTimes(boolean record) {
      this.recordHoldTimes = record;
      return this;
    }

    /** A new lock with these settings. */
    public RangeLock<M> build() {
      return new RangeLock<>(this);
    }
  }
}
