package org.rangelock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

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
 * unlocked, so dependent stages that are not {@code *Async} run in that thread (or on an {@link
 * #acquireAsync(Range, Enum, Executor) executor} of the caller's choice). A parked waiter's {@link
 * LockSupport#getBlocker park blocker} is its request, whose {@code toString} gives the range, mode
 * and state; waits longer than a threshold are recorded by JDK Flight Recorder as {@code
 * org.rangelock.Wait} events (range, mode, duration, outcome, and what the request waited behind).
 *
 * <p><b>Holds are not reentrant.</b> Every acquire is a new request with its own handle, whoever
 * already holds what. A thread that asks again for a range it holds in a compatible mode gets a
 * second, independent hold (to be closed on its own) — unless an earlier conflicting request waits
 * between them, in which case the second request waits behind that one (FIFO) and the thread is
 * stuck, as with any fair reader/writer lock; a thread that asks for a range it holds in a
 * conflicting mode gets an {@link IllegalStateException} (see below). Nest holds only when no
 * conflicting request can arrive between them, or take the union range once.
 *
 * <p><b>Cheap state queries.</b> {@link #holdCount()}, {@link #waitingCount()}, {@link
 * #hasWaiters()} and {@link #toString()} read a few words per zone and take no lock; {@link
 * #snapshot()} gives the consistent, detailed picture at a price.
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
   * int, spun on, then yielded on, then waited for on a monitor) guarding a treap of the requests
   * registered in it, ordered by (start, seq) and augmented with the maximum end in each subtree, so that the
   * requests overlapping a range are found in O(log n + k) expected, whatever ranges callers
   * choose: priorities are secret and random, and all tree code is iterative (see the treap
   * section below), so neither depth nor stack use is in a caller's hands. Threads working on
   * ranges of
   * different zones share no written cache line: each zone is padded, a request is written only
   * by threads holding one of its zone locks (or by its owner before it is published).
   *
   * The one-word fast path (after FreeBSD's "cheat mode", but per zone and precise). Each zone
   * has a word: null when the zone is empty; a request when that one-zone request is its only
   * occupant, granted by CAS(null -> request); a FastHolders, an immutable set of two to
   * MAX_FAST_HOLDERS one-zone requests no two of which conflict (overlap with incompatible modes),
   * each granted by one CAS from the set it found to that set plus itself, after checking itself
   * against every member; TREE_MODE otherwise. An uncontended acquire is one CAS and its close
   * is one CAS back (the set without the closer, or null); compatible holders in one zone, such
   * as faults or readers of pages in one granule, or writers of different pages, share it the same
   * way: no mutex, no tree. Every mutex holder first swaps the word to TREE_MODE, moving the fast
   * holders into the tree (they get their seqs then, in set order: they are older than anything
   * that follows, and granted, since no two of them conflict), and on unlock re-opens the fast
   * path if the tree is empty. A request that conflicts with a fast holder takes the slow path,
   * whose lock() folds the holders first, so it counts them as blockers exactly as if they had
   * come through the tree: FIFO and "granted at once if nothing conflicts" are what they are for
   * tree requests. Because a waiting request is always in a tree, the word is always TREE_MODE
   * while anybody waits in the zone, so the fast path cannot overtake. A close whose CAS finds
   * itself no longer in the word goes the slow way; a granted request found not in the tree there
   * was fast-released by a racing close (a double close) and is reported as such.
   *
   * Why a join's check is sound without a lock: the joiner reads the word, checks itself against
   * the holders it names, and CASes that very value to the new one. A set is a new object at every
   * change and is never put back, so if the CAS succeeds, the set was the word all along and its
   * members held their ranges and modes all along (a member leaves only by changing the word; a
   * downgrade folds it into the tree first). A single request in the word could have left and come
   * back between the read and the CAS (ABA) only if the same object is acquired again: so a
   * joiner never joins a Hold's request (reusable()), and every other request object is acquired
   * once. The fold has the same ABA for a lone Hold and reads the holder's range after its CAS.
   *
   * Several zones (up to MAX_FAST_ZONES, not the whole ring). A request whose range crosses
   * granules joins each of its zones' words in increasing zone order, checking itself in each
   * against the holders there (by whole ranges: conservative, never wrong, since two ranges that
   * overlap share a granule and so a zone). If a zone refuses it, it leaves the zones it joined,
   * and takes the slow path. Joining zone by zone needs no order: a fast holder never waits, so it
   * is in no waiting cycle. A mutex holder that finds such a request in its word folds it into its
   * tree as a piece (an Entry with that one zone as its placement, the whole range as its bounds,
   * the zone's next seq): so each zone always sees every holder it has, in the word or in the
   * tree, and counts and decrements pieces like any entry. A request that was refused in a later
   * zone and finds it was folded in an earlier one takes its pieces out under all its zone locks
   * before it queues. Its release takes effect at its state's change (GRANTED to RELEASED, a CAS,
   * so a double close loses it): a fold that sees the change makes no piece; then it leaves every
   * word it is still in, and takes the pieces made before the change out under all its zone
   * locks. A request that counted a piece waits for that, as for any release. Such a request is
   * counted in holdCount and listed in a snapshot once (its first zone; snapshot() keeps one
   * piece), and a downgrade folds it everywhere and decrements zone by zone through its pieces.
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
   * What a request keeps (issue 11). The handle is the one allocation of an uncontended acquire,
   * so a Request is 32 bytes: lock, range, owner, one "tail" field, and mode and state as bytes.
   * Its zones are computed from its range when needed (placement(); a Hold re-arms its request
   * only while it is in no zone, so the range is fixed while anyone looks) and kept in the tree
   * entry once there is one. The tail is the owner's name (taken when the request is made) until
   * the request gets its entry, then the entry, which keeps the name: an insert sets it under the
   * zone locks before the request is published; a fold sets it under the zone's mutex, after the
   * CAS to TREE_MODE, from a name read after that CAS (which happens-after the owner's write of the
   * name, made before its own CAS into the word, even when a Hold released and re-acquired in
   * between). The fast release's racy read of the tail only decides whether to try its CAS. Async
   * and timed requests (and every Hold) are TrackedRequests, with the future and the request time;
   * the time of a request that waited is kept in its entry.
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

  /**
   * Most fast holders a zone's word keeps (see {@link FastHolders}): a joiner checks itself against
   * each, so the check stays a few loads; a zone with more holders than this uses its tree.
   */
  static final int MAX_FAST_HOLDERS = 8;

  /** Most zones a request may span and still take the fast path, one CAS per zone. */
  static final int MAX_FAST_ZONES = 4;

  /**
   * A request's {@code fastZone} with this bit set: it joined the words of several zones, the first
   * of which is in the low bits (see {@link Entry#piece}).
   */
  static final char MULTI_ZONE = 0x8000;

  /** Spins of a waiting request before it yields. */
  private static final int WAIT_SPINS = 128;

  /** Yields of a waiting request before it parks. */
  private static final int WAIT_YIELDS = 32;

  // Request states: bytes, so that a handle stays at 32 bytes (see Request).
  static final byte WAITING = 0;
  static final byte GRANTED = 1;
  static final byte RELEASED = 2;
  static final byte CANCELLED = 3;

  private static final VarHandle ZONES = MethodHandles.arrayElementVarHandle(Zone[].class);
  private static final VarHandle BLOCKERS;
  private static final VarHandle STATE;
  private static final VarHandle WAITING_COUNT;
  private static final VarHandle WORD;
  private static final VarHandle HOLDS_HERE;
  private static final VarHandle MUTEX;
  private static final VarHandle MUTEX_WAITERS;
  private static final VarHandle WAITERS_HERE;

  /**
   * Zone word value while the zone is in tree mode (a mutex holder is in, or the tree is not
   * empty).
   */
  static final Object TREE_MODE = new Object();

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      BLOCKERS = l.findVarHandle(Entry.class, "blockers", int.class);
      STATE = l.findVarHandle(Request.class, "state", byte.class);
      WAITING_COUNT = l.findVarHandle(ZoneFields.class, "waiting", int.class);
      HOLDS_HERE = l.findVarHandle(ZoneFields.class, "holdsHere", int.class);
      WAITERS_HERE = l.findVarHandle(ZoneFields.class, "waitersHere", int.class);
      MUTEX = l.findVarHandle(ZoneFields.class, "mutex", int.class);
      MUTEX_WAITERS = l.findVarHandle(ZoneFields.class, "mutexWaiters", int.class);
      WORD = l.findVarHandle(ZoneFields.class, "word", Object.class);
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

  /** Seeds the zones' treap priorities; never derived from, or visible through, anything else. */
  private final long secret = ThreadLocalRandom.current().nextLong();

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
   * @param <M> the mode enum
   * @param table which modes exist and which of them may overlap
   * @return a new, empty lock with 16 zones, 64 KiB granules and self-deadlock detection on
   * @throws NullPointerException if {@code table} is null
   */
  public static <M extends Enum<M>> RangeLock<M> create(ModeTable<M> table) {
    return builder(table).build();
  }

  /**
   * A builder for a lock over {@code table}'s modes, to change the defaults.
   *
   * @param <M> the mode enum
   * @param table which modes exist and which of them may overlap
   * @return a builder holding the default settings
   * @throws NullPointerException if {@code table} is null
   */
  public static <M extends Enum<M>> Builder<M> builder(ModeTable<M> table) {
    return new Builder<>(Objects.requireNonNull(table, "table"));
  }

  /**
   * The mode table of this lock.
   *
   * @return the table given when the lock was built
   */
  public ModeTable<M> table() {
    return table;
  }

  /**
   * Acquires {@code range} in {@code mode}, waiting as long as it takes. Not interruptible: an
   * interrupt during the wait is remembered and re-asserted when this method returns.
   *
   * @param range the offsets to lock
   * @param mode the mode to hold them in, a constant of this lock's table
   * @return the hold; close it to release
   * @throws NullPointerException if {@code range} or {@code mode} is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table
   * @throws IllegalStateException if the current thread would wait for a hold of its own (see the
   *     class documentation); nothing is changed
   */
  public RangeHandle<M> acquire(Range range, M mode) {
    Request<M> r = newRequest(range, mode, false);
    if (!enqueue(r, true)) {
      waitFor(r, FOREVER, false);
    }
    return r;
  }

  /**
   * Acquires {@code range} in {@code mode}, waiting until it is granted or the thread is
   * interrupted. If the interrupt races with the grant, the grant is released again: when this
   * method throws, the caller holds nothing.
   *
   * @param range the offsets to lock
   * @param mode the mode to hold them in, a constant of this lock's table
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
    if (!enqueue(r, true) && waitFor(r, FOREVER, true) == INTERRUPTED) {
      giveUp(r);
      throw new InterruptedException();
    }
    return r;
  }

  /**
   * Acquires {@code range} in {@code mode} if that is possible without waiting: if no earlier
   * request, held <em>or waiting</em>, conflicts with it (so a try never overtakes a waiter).
   *
   * @param range the offsets to lock
   * @param mode the mode to hold them in, a constant of this lock's table
   * @return the hold, or {@code null} if the request would have to wait (nothing is left behind)
   * @throws NullPointerException if {@code range} or {@code mode} is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table
   */
  public @Nullable RangeHandle<M> tryAcquire(Range range, M mode) {
    Request<M> r = newRequest(range, mode, false);
    return tryEnqueue(r) ? r : null;
  }

  /**
   * Acquires {@code range} in {@code mode}, waiting at most {@code timeout}. A zero timeout is a
   * {@link #tryAcquire(Range, Enum)}; a timeout too long for a {@code long} of nanoseconds ({@code
   * Duration.ofSeconds(Long.MAX_VALUE)}) waits indefinitely. If the grant races with the timeout,
   * the grant wins and is returned.
   *
   * @param range the offsets to lock
   * @param mode the mode to hold them in, a constant of this lock's table
   * @param timeout how long to wait at most, not negative; zero does not wait
   * @return the hold, or {@code null} if the timeout elapsed first (nothing is left behind)
   * @throws InterruptedException if the thread was interrupted before or while waiting; no hold is
   *     left behind
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code timeout} is negative, or {@code mode} is not of this
   *     lock's table
   * @throws IllegalStateException if the current thread would wait for a hold of its own
   */
  public @Nullable RangeHandle<M> tryAcquire(Range range, M mode, Duration timeout)
      throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
    }
    return tryAcquireNanos(range, mode, saturatedNanos(timeout));
  }

  /**
   * Acquires {@code range} in {@code mode}, waiting at most {@code timeout} {@code unit}s: the
   * {@link java.util.concurrent.locks.Lock#tryLock(long, TimeUnit)} form of {@link
   * #tryAcquire(Range, Enum, Duration)}, with the same behaviour (zero: a try; a timeout whose
   * nanoseconds overflow a {@code long}: no limit; a grant racing the timeout wins).
   *
   * @param range the offsets to lock
   * @param mode the mode to hold them in, a constant of this lock's table
   * @param timeout how long to wait at most, in {@code unit}s; 0 does not wait
   * @param unit the unit of {@code timeout}
   * @return the hold, or {@code null} if the timeout elapsed first (nothing is left behind)
   * @throws InterruptedException if the thread was interrupted before or while waiting; no hold is
   *     left behind
   * @throws NullPointerException if {@code range}, {@code mode} or {@code unit} is null
   * @throws IllegalArgumentException if {@code timeout} is negative, or {@code mode} is not of this
   *     lock's table
   * @throws IllegalStateException if the current thread would wait for a hold of its own
   */
  public @Nullable RangeHandle<M> tryAcquire(Range range, M mode, long timeout, TimeUnit unit)
      throws InterruptedException {
    Objects.requireNonNull(unit, "unit");
    if (timeout < 0) {
      throw new IllegalArgumentException(
          "timeout must not be negative, was " + timeout + " " + unit);
    }
    return tryAcquireNanos(range, mode, unit.toNanos(timeout)); // toNanos saturates
  }

  private @Nullable RangeHandle<M> tryAcquireNanos(Range range, M mode, long nanos)
      throws InterruptedException {
    Request<M> r = newRequest(range, mode, false);
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (nanos == 0) {
      return tryEnqueue(r) ? r : null;
    }
    if (enqueue(r, true)) {
      return r;
    }
    switch (waitFor(r, nanos, true)) {
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
   * awaitGrant, reported to JDK Flight Recorder as a {@link WaitEvent} when that event is enabled
   * (its threshold, 10 ms by default, decides which waits are recorded). The event object is made
   * only here, on the path that waits, so an uncontended acquire never pays for it.
   */
  private int waitFor(Request<M> r, long nanos, boolean interruptible) {
    WaitEvent event = new WaitEvent();
    if (!event.isEnabled()) {
      return awaitGrant(r, nanos, interruptible);
    }
    event.begin();
    String behind = describeBlocker(r);
    int result = awaitGrant(r, nanos, interruptible);
    event.end();
    if (event.shouldCommit()) {
      event.lock = lockName();
      event.rangeStart = r.range.start();
      event.rangeEnd = r.range.end();
      event.mode = table.modeOf(r.mode).name();
      event.waitedBehind = behind;
      event.outcome =
          result == GRANTED_NOW ? "granted" : result == TIMED_OUT ? "timed out" : "interrupted";
      event.commit();
    }
    return result;
  }

  /** The oldest earlier request that blocks r, described; under r's zone locks. */
  private String describeBlocker(Request<M> r) {
    int p = placement(r.range); // r waits: its range is fixed
    lockZones(p);
    try {
      Entry<M> e = r.entry();
      if (r.state != WAITING || e == null) {
        return "nothing (granted before the wait began)";
      }
      Request<M> oldest = null;
      long oldestSeq = Long.MAX_VALUE;
      for (int i = 0; i < zones(p); i++) {
        Request<M> b = firstBlocker(zones[zoneIndex(p, i)].root, e);
        if (b != null && b.entry().seq < oldestSeq) {
          oldest = b;
          oldestSeq = b.entry().seq;
        }
      }
      if (oldest == null) {
        return "nothing (granted before the wait began)";
      }
      int others = (int) BLOCKERS.getVolatile(e) - 1;
      return table.modeOf(oldest.mode)
          + " "
          + oldest.range
          + (oldest.state == GRANTED ? " held by " : " waiting, requested by ")
          + oldest.entry().ownerName
          + (others > 0 ? " (and " + others + " more)" : "");
    } finally {
      unlockZones(p);
    }
  }

  /** The oldest request in the tree that is earlier than e, overlaps it and conflicts with it. */
  private @Nullable Request<M> firstBlocker(@Nullable Node root, Entry<M> e) {
    Request<M> best = null;
    for (Node t = firstCandidate(root, e.start); t != null; t = nextCandidate(t, e.start)) {
      Entry<M> x = t.entry();
      if (x.start >= e.end) {
        break;
      }
      if (x.end > e.start
          && x.seq < e.seq
          && conflicts(x.request.mode, e.request.mode)
          && (best == null || x.seq < best.entry().seq)) {
        best = x.request;
      }
    }
    return best;
  }

  private String lockName() {
    return "RangeLock@" + Integer.toHexString(System.identityHashCode(this));
  }

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
        LockSupport.park(r); // the blocker jstack shows: the request, with its range and mode
      } else {
        LockSupport.parkNanos(r, left);
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
   * <p>Completing the future by any means other than the grant, before the grant is delivered,
   * withdraws the request and leaves nothing behind: {@code cancel}, {@code complete}, {@code
   * completeExceptionally}, both {@code completeAsync}, {@code orTimeout} and {@code
   * completeOnTimeout} (every public completion method of {@code CompletableFuture} as of JDK 25).
   * The withdrawal is done <em>before</em> the future completes, so its dependent stages ({@code
   * exceptionally}, {@code handle}, {@code whenComplete}, ...) already see a lock without the
   * request: a fallback there can retry the range at once. If the grant was decided but not yet
   * delivered when the future is completed, the lock releases that hold, again before the
   * dependents run. {@code obtrudeValue} and {@code obtrudeException} throw {@link
   * UnsupportedOperationException}: they could replace a delivered hold, which would then never be
   * closed.
   *
   * <p>There is no self-deadlock check here: the calling thread does not wait.
   *
   * @param range the offsets to lock
   * @param mode the mode to hold them in, a constant of this lock's table
   * @return a future of the hold
   * @throws NullPointerException if {@code range} or {@code mode} is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table
   */
  public CompletableFuture<RangeHandle<M>> acquireAsync(Range range, M mode) {
    return enqueueAsync(range, mode, null);
  }

  /**
   * {@link #acquireAsync(Range, Enum)}, with the grant delivered through {@code executor}: the
   * future is completed with the hold by a task run on {@code executor} (also when the request is
   * granted at once), so dependent stages that are not {@code *Async} run there instead of in the
   * thread whose release granted the request. If {@code executor} rejects the task, the hold is
   * released and the future completes exceptionally with the {@link
   * java.util.concurrent.RejectedExecutionException}. Withdrawal by completing the future works as
   * described for {@link #acquireAsync(Range, Enum)}.
   *
   * @param range the offsets to lock
   * @param mode the mode to hold them in, a constant of this lock's table
   * @param executor runs the task that completes the future with the hold
   * @return a future of the hold
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table
   */
  public CompletableFuture<RangeHandle<M>> acquireAsync(Range range, M mode, Executor executor) {
    return enqueueAsync(range, mode, Objects.requireNonNull(executor, "executor"));
  }

  private CompletableFuture<RangeHandle<M>> enqueueAsync(
      Range range, M mode, @Nullable Executor executor) {
    TrackedRequest<M> r = (TrackedRequest<M>) newRequest(range, mode, true);
    LockFuture<M> f = new LockFuture<>(this, r, executor);
    r.future = f;
    if (enqueue(r, false)) {
      f.grant(r); // nobody else has seen f yet: the claim is free
    }
    return f;
  }

  /**
   * A consistent picture of every hold and waiting request, oldest first: it takes every zone's
   * internal lock, and reads each request's state and mode while it holds them all, so what it
   * shows existed at one instant (a hold closed while the snapshot is assembled is shown held, as
   * it was at that instant, never as waiting) — with one exception: a hold of a range across
   * several zones that was granted without waiting is closed without those locks, so one closed
   * while the snapshot is assembled may be left out. It stops every acquire and release while it is
   * taken, so it is for debugging, watchdogs and tests, not for a hot path.
   *
   * @return every hold and waiting request at one instant, each list oldest first
   */
  public LockSnapshot<M> snapshot() {
    List<Entry<M>> all = new ArrayList<>();
    List<LockSnapshot.Entry<M>> held = new ArrayList<>();
    List<LockSnapshot.Entry<M>> waiting = new ArrayList<>();
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
      // One entry per request: a multi-zone fast holder has a piece in each zone that folded it.
      Set<Request<M>> pieces = Collections.newSetFromMap(new IdentityHashMap<>());
      all.removeIf(e -> e.piece && !pieces.add(e.request));
      all.sort(Comparator.comparingLong(e -> e.seq));
      // State and mode are read here, under every zone lock, where neither can change — except
      // that a multi-zone fast holder's close takes effect at its state's change, without the
      // locks: its pieces are left out once that change is seen (read once, here).
      for (Entry<M> x : all) {
        Request<M> r = x.request;
        byte state = r.state;
        if (x.piece && state != GRANTED) {
          continue;
        }
        LockSnapshot.Entry<M> e =
            new LockSnapshot.Entry<>(
                r.range,
                table.modeOf(r.mode),
                r.owner.getId(),
                x.ownerName,
                x.sinceNanos,
                x.sinceNanos != 0,
                r.future() != null);
        (state == GRANTED ? held : waiting).add(e);
      }
    } finally {
      for (int i = n - 1; i >= 0; i--) {
        locked[i].unlock();
      }
    }
    return new LockSnapshot<>(held, waiting);
  }

  private void collect(Node root, int z, List<Entry<M>> out) {
    for (Node t = firstCandidate(root, Long.MIN_VALUE);
        t != null;
        t = nextCandidate(t, Long.MIN_VALUE)) {
      Entry<M> x = t.entry();
      if (x.piece) {
        // A multi-zone fast holder folded zone by zone: every piece (snapshot() keeps one per
        // request); none once its release has begun (its pieces are on their way out).
        if (x.request.state == GRANTED) {
          out.add(x);
        }
      } else if (zoneIndex(x.placement, 0) == z) {
        out.add(x); // each request once: from its first zone
      }
    }
  }

  /** For tests: the fast-path word of the zone of offset's granule (null if never used). */
  @Nullable Object zoneWord(long offset) {
    Zone zone = (Zone) ZONES.getAcquire(zones, placement(Range.of(offset, offset + 1)) >>> 16);
    return zone == null ? null : zone.word;
  }

  /** For tests: the height of the tallest zone tree (iterative, so a deep tree cannot overflow). */
  int treeHeight() {
    int max = 0;
    for (int z = 0; z < zoneCount; z++) {
      Zone zone = zone(z);
      zone.lock();
      try {
        ArrayDeque<Node> level = new ArrayDeque<>();
        if (zone.root != null) {
          level.add(zone.root);
        }
        int h = 0;
        while (!level.isEmpty()) {
          h++;
          for (int k = level.size(); k > 0; k--) {
            Node t = level.poll();
            if (t.left != null) {
              level.add(t.left);
            }
            if (t.right != null) {
              level.add(t.right);
            }
          }
        }
        max = Math.max(max, h);
      } finally {
        zone.unlock();
      }
    }
    return max;
  }

  /**
   * A {@link Lock} view of {@code range} in {@code mode}, for code written against {@code
   * java.util.concurrent.locks}: {@code lock()} is {@link #acquire}, {@code lockInterruptibly()}
   * {@link #acquireInterruptibly}, {@code tryLock()} and {@code tryLock(long, TimeUnit)} the two
   * {@code tryAcquire}s (a negative time counts as zero, as {@code Lock} specifies), and {@code
   * unlock()} closes the calling thread's hold, kept in a thread-local of the view. All guarantees
   * of this lock apply (FIFO among conflicts, self-deadlock detection, memory effects).
   *
   * <p>Differences from {@code ReentrantLock}: the view is <b>not reentrant</b> — locking it again
   * from a thread that holds it through the view throws {@link IllegalStateException} (a second
   * hold of a shared mode would be granted, and the thread-local could not say which {@code unlock}
   * releases which); {@code unlock()} from a thread that does not hold it throws {@link
   * IllegalMonitorStateException}; {@link Lock#newCondition()} throws {@link
   * UnsupportedOperationException}, because a condition wait must release the range and re-request
   * it, which in a FIFO range lock means going to the back of the queue behind every conflicting
   * request that arrived meanwhile — a silent loss of the caller's place (for a shared mode there
   * is no single owner to signal either). Use a condition of a separate lock.
   *
   * @param range the offsets every lock operation of the view takes
   * @param mode the mode the view takes them in
   * @return a {@code Lock} whose operations acquire and release {@code range} in {@code mode} on
   *     this lock
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table
   */
  public Lock asLock(Range range, M mode) {
    Objects.requireNonNull(range, "range");
    table.checkMode(mode);
    return new RangeLockView<>(this, range, mode);
  }

  /**
   * A {@link ReadWriteLock} view of {@code range}: its read lock is {@link #asLock(Range, Enum)} of
   * {@code readMode}, its write lock that of {@code writeMode} (for the read/write table, {@code
   * SHARED} and {@code EXCLUSIVE}; for the mapping table, for example {@code FAULT} and {@code
   * INVALIDATE}). Both views have the restrictions described there: not reentrant, no conditions,
   * no upgrade (a thread holding the read lock that takes the write lock gets the self-deadlock
   * {@link IllegalStateException} when the modes conflict), and no downgrade through the views (use
   * {@link RangeHandle#downgrade} on a handle for that).
   *
   * @param range the offsets both views take
   * @param readMode the mode of the read lock; must be compatible with itself
   * @param writeMode the mode of the write lock
   * @return a {@code ReadWriteLock} whose two locks are views over this lock
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a mode is not of this lock's table, or {@code readMode} is
   *     not compatible with itself (a read lock must be shareable)
   */
  public ReadWriteLock asReadWriteLock(Range range, M readMode, M writeMode) {
    Objects.requireNonNull(range, "range");
    table.checkMode(readMode);
    table.checkMode(writeMode);
    if (conflicts(readMode.ordinal(), readMode.ordinal())) {
      throw new IllegalArgumentException(
          "readMode " + readMode + " is not compatible with itself: a read lock must be shared");
    }
    Lock read = new RangeLockView<>(this, range, readMode);
    Lock write = new RangeLockView<>(this, range, writeMode);
    return new ReadWriteLock() {
      @Override
      public Lock readLock() {
        return read;
      }

      @Override
      public Lock writeLock() {
        return write;
      }

      @Override
      public String toString() {
        return "read " + read + ", write " + write;
      }
    };
  }

  /**
   * How many holds are in place: a cheap query (a few reads per zone, no lock taken), for
   * monitoring. Like {@code ConcurrentHashMap.size()}, it is exact when the lock is quiescent and
   * an estimate while holds come and go (each zone is read at a slightly different instant); use
   * {@link #snapshot()} for a consistent picture.
   *
   * @return the number of granted holds, exact only when the lock is quiescent
   */
  public int holdCount() {
    int n = 0;
    for (int z = 0; z < zoneCount; z++) {
      Zone zone = (Zone) ZONES.getAcquire(zones, z);
      if (zone != null) {
        Object w = zone.word;
        n += zone.holdsHere;
        if (w instanceof Request) {
          n += countedHere((Request<?>) w, z);
        } else if (w instanceof FastHolders) {
          for (Request<?> m : ((FastHolders) w).members) {
            n += countedHere(m, z);
          }
        }
      }
    }
    return n;
  }

  /** 1 if fast holder m is counted in zone z: its one zone, or the first of several. */
  private static int countedHere(Request<?> m, int z) {
    char fz = m.fastZone;
    return (fz & MULTI_ZONE) == 0 || (fz & ~MULTI_ZONE) == z ? 1 : 0;
  }

  /**
   * How many requests are waiting (blocking, timed and async): a cheap query with the same
   * consistency as {@link #holdCount()}.
   *
   * @return the number of requests not yet granted, exact only when the lock is quiescent
   */
  public int waitingCount() {
    int n = 0;
    for (int z = 0; z < zoneCount; z++) {
      Zone zone = (Zone) ZONES.getAcquire(zones, z);
      if (zone != null) {
        n += zone.waitersHere;
      }
    }
    return n;
  }

  /**
   * Whether any request is waiting: {@code waitingCount() > 0}, as cheap and as consistent.
   *
   * @return true if some request (blocking, timed or async) was waiting when its zone was read
   */
  public boolean hasWaiters() {
    return waitingCount() > 0;
  }

  /**
   * The lock's identity, settings and state, for logs, e.g. {@code
   * RangeLock<MappingMode>@1b6d3586[zones=16, granule=65536, holds=3, waiting=1]} (counts as {@link
   * #holdCount()} and {@link #waitingCount()}).
   */
  @Override
  public String toString() {
    return "RangeLock<"
        + table.modeClass().getSimpleName()
        + ">@"
        + Integer.toHexString(System.identityHashCode(this))
        + "[zones="
        + zoneCount
        + ", granule="
        + (1L << granuleShift)
        + ", holds="
        + holdCount()
        + ", waiting="
        + waitingCount()
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
    if (!async && !recordHoldTimes) {
      return new Request<>(this, range, mode.ordinal());
    }
    TrackedRequest<M> r = new TrackedRequest<>(this, range, mode.ordinal(), false);
    r.sinceNanos = now();
    return r;
  }

  /**
   * The zones of range: first zone << 16 | zone count. Not kept in a request (a handle is the one
   * allocation of an uncontended acquire, and 32 bytes is all it may take): computed from its range
   * when needed, and kept in its tree entry once it has one.
   */
  private int placement(Range range) {
    long g0 = range.start() >>> granuleShift;
    long g1 = (range.end() - 1) >>> granuleShift;
    long s0 = spread(g0);
    // One granule (the usual page- or IO-sized range) needs no second spread.
    long advance = g1 == g0 ? 0 : spread(g1) - s0;
    if (g1 - g0 >= zoneMask || advance >= zoneMask) {
      return zoneCount;
    }
    return (int) (s0 & zoneMask) << 16 | ((int) advance + 1);
  }

  /**
   * A reusable hold for hot loops that must not allocate: see {@link Hold}.
   *
   * @return a new hold, not held, to be used by one thread at a time
   */
  public Hold<M> newHold() {
    return new Hold<>(this);
  }

  /** Re-arms a hold's request for another acquire; the request is in no zone. */
  private void rearm(TrackedRequest<M> r, Range range, M mode) {
    Objects.requireNonNull(range, "range");
    table.checkMode(mode);
    Thread t = Thread.currentThread();
    r.range = range;
    r.owner = t;
    r.tail = t.getName();
    r.sinceNanos = recordHoldTimes ? now() : 0;
    Request.MODE.set(r, (byte) mode.ordinal());
    STATE.set(r, WAITING);
  }

  /** System.nanoTime(), moved off 0, which marks a request whose time was not recorded. */
  private static long now() {
    long t = System.nanoTime();
    return t == 0 ? 1 : t;
  }

  private Zone zone(int z) {
    Zone zone = (Zone) ZONES.getAcquire(zones, z);
    if (zone == null) {
      Zone fresh = new Zone(z, secret + z * 0xD1B54A32D192ED03L);
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
  private int zoneIndex(int placement, int i) {
    int first = placement >>> 16;
    int count = placement & 0xFFFF;
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

  /** How many zones a placement covers. */
  private static int zones(int placement) {
    return placement & 0xFFFF;
  }

  /**
   * The placement of r: from its entry if it has one, else from its range. Either is fixed while
   * the caller holds r (a Hold re-arms its request only while it is in no zone).
   */
  private int placementOf(Request<M> r) {
    Entry<M> e = r.entry();
    return e != null && !e.piece ? e.placement : placement(r.range);
  }

  private void lockZones(int p) {
    for (int i = 0; i < zones(p); i++) {
      zone(zoneIndex(p, i)).lock();
    }
  }

  private void unlockZones(int p) {
    for (int i = zones(p) - 1; i >= 0; i--) {
      zones[zoneIndex(p, i)].unlock();
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
    int p = placement(r.range);
    if (tryFast(r, p)) {
      return true;
    }
    lockZones(p);
    try {
      int blockers = 0;
      boolean self = false;
      for (int i = 0; i < zones(p); i++) {
        long c = countBlockers(zones[zoneIndex(p, i)].root, r);
        blockers += (int) c;
        self |= (c & SELF_BLOCKED) != 0;
      }
      if (self && checkSelf && failOnSelfDeadlock) {
        throw selfDeadlock(r, p);
      }
      insert(r, p, blockers);
      return blockers == 0;
    } finally {
      unlockZones(p);
    }
  }

  /** Inserts r only if it has no blockers. */
  private boolean tryEnqueue(Request<M> r) {
    int p = placement(r.range);
    if (tryFast(r, p)) {
      return true;
    }
    lockZones(p);
    try {
      for (int i = 0; i < zones(p); i++) {
        if (countBlockers(zones[zoneIndex(p, i)].root, r) != 0) {
          return false;
        }
      }
      insert(r, p, 0);
      return true;
    } finally {
      unlockZones(p);
    }
  }

  /**
   * The one-word fast path: a one-zone request is granted by one CAS of its zone's word, without
   * the zone's mutex or tree, if the zone is empty (null to the request) or holds only fast holders
   * that r does not conflict with (the request, or the set of them, to a set with r added; see
   * {@link FastHolders}). Anything else (tree mode, a conflict, a full set, a reusable request as
   * the only holder) is the slow path's.
   */
  private boolean tryFast(Request<M> r, int p) {
    int count = zones(p);
    if (count != 1) {
      return count <= MAX_FAST_ZONES && count < zoneCount && tryFastMulti(r, p);
    }
    int z = p >>> 16;
    Zone zone = zone(z);
    Object w = zone.word;
    if (w == TREE_MODE) {
      return false;
    }
    STATE.set(r, GRANTED); // r is published by the CAS, and so is fastZone
    r.fastZone = (char) z;
    if (join(zone, w, r)) {
      return true;
    }
    STATE.set(r, WAITING);
    return false;
  }

  /**
   * One CAS loop of r into zone's word, starting from w, its value as last read: false on tree
   * mode, a conflict, a full set or a lone reusable request (see tryFast).
   */
  private boolean join(Zone zone, @Nullable Object w, Request<M> r) {
    for (; ; ) {
      Object next;
      if (w == null) {
        next = r;
      } else if (w instanceof FastHolders) {
        FastHolders h = (FastHolders) w;
        if (h.members.length == MAX_FAST_HOLDERS || conflictsWithAny(h.members, r)) {
          break;
        }
        next = h.with(r);
      } else if (w instanceof Request) {
        Request<?> q = (Request<?>) w;
        // A reusable request (a Hold's) may leave the word and come back with another range
        // between our read of its range and our CAS, which would then succeed (the same object):
        // the check would have been against a range it no longer holds. Never so for a handle's
        // request (used once), nor for a set (a new object at every change, never put back).
        if (q.reusable() || conflictsWith(q, r)) {
          break;
        }
        next = new FastHolders(new Request<?>[] {q, r});
      } else {
        break; // TREE_MODE
      }
      Object seen = WORD.compareAndExchange(zone, w, next);
      if (seen == w) {
        return true;
      }
      w = seen;
    }
    return false;
  }

  /**
   * The fast path of a request of several zones: it joins each zone's word in increasing zone
   * order, exactly as a one-zone request joins one. If a zone refuses it, it leaves the zones it
   * joined, and if a mutex holder folded it into a zone's tree meanwhile (a piece, see {@link
   * Entry#piece}), it takes the pieces out under all its zone locks, as a release would: then it is
   * in no zone, and takes the slow path. A fast holder never waits, so joining zone by zone orders
   * nothing and cannot deadlock; while it holds, each zone it is in sees it as one of its holders,
   * in the word or as a piece of its tree.
   */
  private boolean tryFastMulti(Request<M> r, int p) {
    int count = zones(p);
    STATE.set(r, GRANTED); // published by the first CAS, with fastZone
    r.fastZone = (char) (MULTI_ZONE | zoneIndex(p, 0));
    for (int i = 0; i < count; i++) {
      Zone zone = zone(zoneIndex(p, i));
      Object w = zone.word;
      if (w == TREE_MODE || !join(zone, w, r)) {
        boolean folded = false;
        for (int j = 0; j < i; j++) {
          folded |= !leave(zones[zoneIndex(p, j)], r);
        }
        if (folded) {
          wakeAll(removePieces(r, p));
        }
        STATE.set(r, WAITING);
        return false;
      }
    }
    return true;
  }

  /** One CAS loop of r out of zone's word: false if r is not in it (folded, or never joined). */
  private static boolean leave(Zone zone, Request<?> r) {
    Object w = zone.word;
    for (; ; ) {
      Object next;
      if (w == r) {
        next = null;
      } else if (w instanceof FastHolders) {
        next = ((FastHolders) w).without(r);
        if (next == w) {
          return false;
        }
      } else {
        return false;
      }
      Object seen = WORD.compareAndExchange(zone, w, next);
      if (seen == w) {
        return true;
      }
      w = seen;
    }
  }

  /**
   * Under none of r's zone locks: takes the pieces of multi-zone fast holder r out of its zones'
   * trees, under all of them (the lock folds whatever is still in a word, so every zone is then
   * either a piece or nothing), decrementing the requests that counted them; gives r its owner's
   * name back. Returns who to wake.
   */
  private Entry<M> removePieces(Request<M> r, int p) {
    Entry<M> wake = null;
    lockZones(p);
    try {
      int first = r.fastZone & ~MULTI_ZONE;
      for (int i = 0; i < zones(p); i++) {
        Zone zone = zones[zoneIndex(p, i)];
        Entry<M> piece = findPiece(zone.root, r);
        if (piece != null) {
          if (zone.index == first) {
            HOLDS_HERE.getAndAdd(zone, -1);
          }
          r.tail = piece.ownerName;
          wake = unlinkAndDecrement(piece, r.mode, -1, wake);
        }
      }
    } finally {
      unlockZones(p);
    }
    return wake;
  }

  /** The piece of r in a zone's tree (see {@link Entry#piece}), or null. */
  private @Nullable Entry<M> findPiece(@Nullable Node root, Request<M> r) {
    final long start = r.range.start();
    for (Node t = firstCandidate(root, start); t != null; t = nextCandidate(t, start)) {
      Entry<M> x = t.entry();
      if (x.request == r && x.piece) {
        return x;
      }
      if (x.start > start) {
        break; // pieces of r are keyed by r's start
      }
    }
    return null;
  }

  /**
   * Whether fast holder q and r overlap with incompatible modes. q is read without a lock: the
   * caller's CAS of the word it found q in fails unless q was a holder all along, and a holder's
   * range and mode do not change while it is in the word (a downgrade folds it into the tree
   * first).
   */
  private boolean conflictsWith(Request<?> q, Request<M> r) {
    Range a = q.range;
    Range b = r.range;
    return a.start() < b.end() && b.start() < a.end() && conflicts(q.mode, r.mode);
  }

  private boolean conflictsWithAny(Request<?>[] members, Request<M> r) {
    for (Request<?> q : members) {
      if (conflictsWith(q, r)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The fast release: one CAS of the word without r, if r is still one of the zone's fast holders.
   */
  private boolean tryFastRelease(Request<M> r) {
    // A racy read of entry: once set it never goes back to null, so seeing it proves the CAS
    // would fail; seeing a stale null only costs the failing CAS. A piece is a multi-zone fast
    // holder folded in some of its zones: it is released as one.
    Object t = r.tail;
    if (t instanceof Entry) {
      return ((Entry<?>) t).piece && releaseMulti(r);
    }
    // Not an entry, and granted: r got in by tryFast, which recorded its zone (the placement is
    // not computed a second time on the release path). If r is not in the word, a mutex holder
    // folded it into the tree (or this is a double close): the slow path sorts it out.
    char fz = r.fastZone;
    if ((fz & MULTI_ZONE) != 0) {
      return releaseMulti(r);
    }
    if (leave(zones[fz], r)) {
      STATE.setRelease(r, RELEASED);
      return true;
    }
    return false;
  }

  /**
   * Releases a multi-zone fast holder that has no tree entry yet, or returns false (a double close:
   * the slow path reports it). The release takes effect at the state's change: from there on r is
   * no longer shown held, and no fold makes a piece of it; r then leaves every word it is still in,
   * and takes out under its zone locks the pieces folded before that change (requests that counted
   * them wait for this, as for any release).
   */
  private boolean releaseMulti(Request<M> r) {
    if (!STATE.compareAndSet(r, GRANTED, RELEASED)) {
      return false;
    }
    int p = placement(r.range);
    boolean folded = false;
    for (int i = 0; i < zones(p); i++) {
      folded |= !leave(zones[zoneIndex(p, i)], r);
    }
    if (folded) {
      wakeAll(removePieces(r, p));
    }
    return true;
  }

  /**
   * Under all of r's zone locks: gives r its tree entry, stamps its seq, links it in. Everything
   * that allocates comes first; linking is iterative and allocation-free, and if anything still
   * throws (a VM error) the zones already linked are unlinked again, so a request is never left in
   * some of its zones with nobody holding its handle.
   */
  private void insert(Request<M> r, int p, int blockers) {
    long seq = 0;
    int count = zones(p);
    for (int i = 0; i < count; i++) {
      seq = Math.max(seq, zones[zoneIndex(p, i)].clock);
    }
    Entry<M> e = new Entry<>(r, p, seq + 1, zones[zoneIndex(p, 0)].nextPriority());
    if (count > 1) {
      e.extra = new Node[count - 1];
      for (int i = 1; i < count; i++) {
        Node n = new Node(e);
        n.prio = e.prio;
        e.extra[i - 1] = n;
      }
    }
    long since = r.sinceNanos();
    e.sinceNanos = since == 0 && blockers != 0 ? now() : since;
    int linked = 0;
    try {
      for (; linked < count; linked++) {
        link(zones[zoneIndex(p, linked)], nodeAt(e, linked));
      }
    } catch (Throwable t) {
      while (--linked >= 0) {
        unlink(zones[zoneIndex(p, linked)], nodeAt(e, linked));
      }
      throw t;
    }
    // Plain writes: r and e are published to other threads only through the zone locks.
    BLOCKERS.set(e, blockers);
    STATE.set(r, blockers == 0 ? GRANTED : WAITING);
    Zone first = zones[zoneIndex(p, 0)];
    if (blockers == 0) {
      HOLDS_HERE.getAndAdd(first, 1);
    } else {
      WAITERS_HERE.getAndAdd(first, 1);
    }
    for (int i = 0; i < count; i++) {
      Zone zone = zones[zoneIndex(p, i)];
      zone.clock = e.seq;
      if (blockers != 0) {
        WAITING_COUNT.getAndAdd(zone, 1);
      }
    }
    r.tail = e; // the owner's name moves into the entry
  }

  /** Releases a granted request (close). */
  void release(Request<M> r) {
    if (tryFastRelease(r)) {
      return;
    }
    Entry<M> wake = null;
    int p = placementOf(r);
    lockZones(p);
    try {
      // GRANTED without an entry: a racing close took the fast release (see tryFastRelease).
      Entry<M> e = r.entry();
      if (r.state != GRANTED || e == null) {
        throw new IllegalStateException(
            "already released: " + table.modeOf(r.mode) + " " + r.range + " (double close)");
      }
      STATE.setRelease(r, RELEASED);
      HOLDS_HERE.getAndAdd(zones[zoneIndex(p, 0)], -1);
      wake = unlinkAndDecrement(e, r.mode, -1, wake);
    } finally {
      unlockZones(p);
    }
    wakeAll(wake);
  }

  /**
   * Withdraws a request whose waiter gave up. Returns true if it was still waiting and is now gone;
   * false if it had been granted meanwhile (the caller owns the hold) or was already gone.
   */
  boolean abandon(Request<M> r) {
    Entry<M> wake = null;
    int p = placementOf(r);
    lockZones(p);
    try {
      Entry<M> e = r.entry();
      if (r.state != WAITING || e == null) {
        return false; // granted (or never enqueued: its future was completed before the insert)
      }
      STATE.setRelease(r, CANCELLED);
      for (int i = 0; i < zones(p); i++) {
        WAITING_COUNT.getAndAdd(zones[zoneIndex(p, i)], -1);
      }
      WAITERS_HERE.getAndAdd(zones[zoneIndex(p, 0)], -1);
      wake = unlinkAndDecrement(e, r.mode, -1, wake);
    } finally {
      unlockZones(p);
    }
    wakeAll(wake);
    return true;
  }

  /** Downgrades a granted request to a strictly weaker mode. */
  void downgrade(Request<M> r, M weaker) {
    table.checkMode(weaker);
    Entry<M> wake = null;
    int p = placementOf(r);
    lockZones(p); // folds a fast holder into its tree: r's entry is set from here on
    try {
      Entry<M> e = r.entry();
      if (r.state != GRANTED || e == null) {
        throw new IllegalStateException(
            "cannot downgrade a released hold: " + table.modeOf(r.mode) + " " + r.range);
      }
      M current = table.modeOf(r.mode);
      if (!table.isWeaker(weaker, current)) {
        throw new IllegalArgumentException(
            "cannot downgrade " + current + " " + r.range + " to " + weaker + ": not weaker");
      }
      int old = r.mode;
      r.mode = (byte) weaker.ordinal();
      for (int i = 0; i < zones(p); i++) {
        Zone zone = zones[zoneIndex(p, i)];
        if (zone.waiting != 0) {
          // A multi-zone fast holder has a piece in each of its zones (the locks folded it).
          Entry<M> here = e.piece ? findPiece(zone.root, r) : e;
          if (here != null) {
            wake = decrementLater(zone.root, here, old, r.mode, wake);
          }
        }
      }
    } finally {
      unlockZones(p);
    }
    wakeAll(wake);
  }

  /**
   * Under all of e's zone locks: removes e from every zone and decrements the later requests that
   * counted it. newMode -1 means "gone" (compatible with everything).
   */
  private Entry<M> unlinkAndDecrement(Entry<M> e, int oldMode, int newMode, Entry<M> wake) {
    int p = e.placement;
    for (int i = 0; i < zones(p); i++) {
      Zone zone = zones[zoneIndex(p, i)];
      unlink(zone, nodeAt(e, i));
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
      LockFuture<M> f = r.future();
      if (f == null) {
        LockSupport.unpark(r.owner);
      } else {
        // If a caller's completion claimed the future first, that caller withdraws the request
        // and, finding it granted, releases it before completing: nothing to do here.
        f.grant(r);
      }
      wake = next;
    }
  }

  private IllegalStateException selfDeadlock(Request<M> r, int p) {
    Request<M> own = null;
    for (int i = 0; i < zones(p) && own == null; i++) {
      own = findOwnBlocker(zones[zoneIndex(p, i)].root, r);
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
  // Overlap walks. Each runs under the lock of one zone over its treap, iteratively (parent
  // links), so no walk can overflow the stack however the tree is shaped.

  /** Bit 32 of countBlockers' result: one of the blockers is the requesting thread's own hold. */
  private static final long SELF_BLOCKED = 1L << 32;

  /**
   * The first node, in key order, of the subtree t that may overlap [start, ...): the leftmost node
   * whose left subtree ends at or before start. Null if nothing in t ends after start.
   */
  private static Node firstCandidate(Node t, long start) {
    if (t == null || t.maxEnd <= start) {
      return null;
    }
    while (t.left != null && t.left.maxEnd > start) {
      t = t.left;
    }
    return t;
  }

  /** The next node after t, in key order, that may overlap [start, ...); null at the end. */
  private static Node nextCandidate(Node t, long start) {
    Node n = firstCandidate(t.right, start);
    if (n != null) {
      return n;
    }
    Node c = t;
    Node p = t.parent;
    while (p != null && p.right == c) {
      c = p;
      p = p.parent;
    }
    return p; // its left subtree, which held t, is done; it is next in key order
  }

  /**
   * Counts requests in the tree that overlap r with an incompatible mode (low 32 bits), and sets
   * SELF_BLOCKED if one of them is a hold that r's thread acquired synchronously.
   */
  private long countBlockers(Node root, Request<M> r) {
    long count = 0;
    final long start = r.range.start();
    final long end = r.range.end();
    for (Node t = firstCandidate(root, start); t != null; t = nextCandidate(t, start)) {
      Entry<M> x = t.entry();
      if (x.start >= end) {
        break; // x and everything after it start at or after r's end
      }
      Request<M> xr = x.request;
      if (x.end > start && conflicts(xr.mode, r.mode)) {
        count++;
        if (xr.owner == r.owner && xr.future() == null && xr.state == GRANTED) {
          count |= SELF_BLOCKED;
        }
      }
    }
    return count;
  }

  private Request<M> findOwnBlocker(Node root, Request<M> r) {
    final long start = r.range.start();
    final long end = r.range.end();
    for (Node t = firstCandidate(root, start); t != null; t = nextCandidate(t, start)) {
      Entry<M> x = t.entry();
      if (x.start >= end) {
        break;
      }
      Request<M> xr = x.request;
      if (x.end > start
          && conflicts(xr.mode, r.mode)
          && xr.owner == r.owner
          && xr.future() == null
          && xr.state == GRANTED) {
        return xr;
      }
    }
    return null;
  }

  /**
   * Decrements every later request in the tree that overlaps e, conflicted with it in mode oldMode,
   * and no longer conflicts with it in newMode (-1: e is gone). Returns the list of requests
   * granted.
   */
  private Entry<M> decrementLater(Node root, Entry<M> e, int oldMode, int newMode, Entry<M> wake) {
    final long start = e.start;
    final long end = e.end;
    for (Node t = firstCandidate(root, start); t != null; t = nextCandidate(t, start)) {
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
          int xp = x.placement;
          for (int i = 0; i < zones(xp); i++) {
            WAITING_COUNT.getAndAdd(zones[zoneIndex(xp, i)], -1);
          }
          Zone first = zones[zoneIndex(xp, 0)];
          WAITERS_HERE.getAndAdd(first, -1);
          HOLDS_HERE.getAndAdd(first, 1);
          STATE.setRelease(xr, GRANTED);
          x.nextWake = wake;
          wake = x;
        }
      }
    }
    return wake;
  }

  // ---------------------------------------------------------------------------------------------
  // The treap: ordered by (start, seq), max-heap on prio, maxEnd = max end in the subtree. Every
  // operation is iterative over parent links: constant stack, no allocation, so linking a request
  // into its zones cannot fail half-way for want of stack. Priorities are drawn from a per-zone
  // SplitMix64 stream seeded from a per-lock random secret, so no caller can choose ranges that
  // line keys up with priorities (which turns a treap into a list): the expected depth is
  // O(log n) whatever the ranges, and nothing a caller sees or controls reveals a priority.

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

  /** Makes n take q's place under q's parent (or as the root). */
  private static void replaceChild(Zone z, Node q, Node n) {
    Node g = q.parent;
    if (n != null) {
      n.parent = g;
    }
    if (g == null) {
      z.root = n;
    } else if (g.left == q) {
      g.left = n;
    } else {
      g.right = n;
    }
  }

  /** q's left child rises above q. */
  private static void rotateRight(Zone z, Node q) {
    Node n = q.left;
    replaceChild(z, q, n);
    q.left = n.right;
    if (q.left != null) {
      q.left.parent = q;
    }
    n.right = q;
    q.parent = n;
    update(q);
    update(n);
  }

  /** q's right child rises above q. */
  private static void rotateLeft(Zone z, Node q) {
    Node n = q.right;
    replaceChild(z, q, n);
    q.right = n.left;
    if (q.right != null) {
      q.right.parent = q;
    }
    n.left = q;
    q.parent = n;
    update(q);
    update(n);
  }

  /** Links n into z's treap: as a leaf in key order, then up while its priority is higher. */
  private static void link(Zone z, Node n) {
    n.left = null;
    n.right = null;
    n.maxEnd = n.entry().end;
    Node p = null;
    boolean left = false;
    for (Node t = z.root; t != null; t = left ? t.left : t.right) {
      p = t;
      left = before(n, t);
    }
    n.parent = p;
    if (p == null) {
      z.root = n;
      return;
    }
    if (left) {
      p.left = n;
    } else {
      p.right = n;
    }
    while (n.parent != null && n.prio > n.parent.prio) {
      Node q = n.parent;
      if (q.left == n) {
        rotateRight(z, q);
      } else {
        rotateLeft(z, q);
      }
    }
    // Every ancestor's subtree is what it was plus n, so its maxEnd grows to n's end at most; and
    // an ancestor's maxEnd is at least its descendants', so the first one already there ends the
    // walk (with many holds, most links stop a level or two up instead of at the root).
    long end = n.entry().end;
    for (Node a = n.parent; a != null && a.maxEnd < end; a = a.parent) {
      a.maxEnd = end;
    }
  }

  /** Unlinks n from z's treap: down while it has two children, then spliced out. */
  private static void unlink(Zone z, Node n) {
    while (n.left != null && n.right != null) {
      if (n.left.prio > n.right.prio) {
        rotateRight(z, n);
      } else {
        rotateLeft(z, n);
      }
    }
    Node child = n.left != null ? n.left : n.right;
    Node p = n.parent;
    replaceChild(z, n, child);
    n.left = null;
    n.right = null;
    n.parent = null;
    // Every node from p up lost n from its subtree (the rotations above kept the ones they moved
    // exact, n included). Once a node's maxEnd comes out unchanged, n's end was not what set it,
    // so no node further up depended on it either: stop there.
    for (Node a = p; a != null; a = a.parent) {
      long before = a.maxEnd;
      update(a);
      if (a.maxEnd == before) {
        break;
      }
    }
  }

  /**
   * For tests: checks every zone's treap, under its lock — key order, heap order of priorities,
   * parent links and each node's maxEnd against a recomputation — and returns the number of nodes,
   * or throws an AssertionError naming the first broken node.
   */
  int checkTrees() {
    int nodes = 0;
    for (int z = 0; z < zoneCount; z++) {
      Zone zone = zone(z);
      zone.lock();
      try {
        ArrayDeque<Node> todo = new ArrayDeque<>();
        if (zone.root != null) {
          if (zone.root.parent != null) {
            throw new AssertionError("zone " + z + ": root has a parent");
          }
          todo.add(zone.root);
        }
        Node prev = null;
        for (Node t = firstCandidate(zone.root, Long.MIN_VALUE);
            t != null;
            t = nextCandidate(t, Long.MIN_VALUE)) {
          if (prev != null && !before(prev, t)) {
            throw new AssertionError("zone " + z + ": key order broken at " + t.entry().request);
          }
          prev = t;
        }
        while (!todo.isEmpty()) {
          Node t = todo.poll();
          nodes++;
          long max = t.entry().end;
          for (Node c : new Node[] {t.left, t.right}) {
            if (c == null) {
              continue;
            }
            if (c.parent != t || c.prio > t.prio) {
              throw new AssertionError("zone " + z + ": link or heap order broken under " + t);
            }
            max = Math.max(max, c.maxEnd);
            todo.add(c);
          }
          if (t.maxEnd != max) {
            throw new AssertionError(
                "zone " + z + ": maxEnd " + t.maxEnd + " but " + max + " at " + t.entry().request);
          }
        }
      } finally {
        zone.unlock();
      }
    }
    return nodes;
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
    Node parent;
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
    // Written before the entry is linked (and, for a fast holder's entry, right after the zone
    // word's switch: a reused Hold may have re-acquired with another range in between).
    long start;
    long end;

    /** Insertion order (Lamport clock over zones); see the implementation notes. */
    final long seq;

    /** Earlier conflicting requests still present, per shared zone; see the notes. */
    volatile int blockers;

    /** Nodes in zones 1..zoneCount-1 (increasing order); null for a one-zone request. */
    Node[] extra;

    /** Intrusive list of entries granted by one release, woken after the zone locks drop. */
    Entry<M> nextWake;

    /**
     * A piece: the entry a fold gave a fast holder of several zones in one of them (its placement
     * is that zone alone). Such a request has a piece in each zone that folded it and is still in
     * the word of the others; it is released as one (releaseMulti, removePieces), counted and
     * listed once (from its first zone), and shows its whole range in every piece, as a multi-zone
     * entry does in each of its zones.
     */
    boolean piece;

    /** The request's zones (first zone << 16 | zone count); see placement(). */
    final int placement;

    /** The owner's name when the request was made, moved here from the request. */
    String ownerName;

    /**
     * System.nanoTime() when the request was made (never 0, see now()), or 0: not recorded. Also
     * recorded for a request that had to wait.
     */
    long sinceNanos;

    Entry(Request<M> request, int placement, long seq, int prio) {
      this.request = request;
      this.placement = placement;
      this.start = request.range.start();
      this.end = request.range.end();
      this.seq = seq;
      this.prio = prio;
      // In insert the request is not yet published; in a fold these are read again after the CAS
      // (before it, a reused Hold's request may even be in another zone's tree).
      Object t = request.tail;
      this.ownerName = t instanceof String ? (String) t : "?";
      this.sinceNanos = request.sinceNanos();
    }
  }

  /**
   * One request and, once granted, the handle the caller gets. It is the one allocation of an
   * uncontended acquire, so it is kept to 32 bytes (a 12-byte header, four compressed references,
   * two bytes): the zones are computed from the range (placement()), the tree entry comes only when
   * the request enters a zone's tree and then keeps the owner's name, and the fields only async and
   * timed requests need are in {@link TrackedRequest}. {@code HandleSizeTest} measures the
   * allocation.
   */
  static class Request<M extends Enum<M>> implements RangeHandle<M> {
    final RangeLock<M> lock;
    // Not final: a Hold reuses its request. Written by the acquiring thread before the request is
    // published (by the fast path's CAS or under the zone locks), never while it is in a zone.
    Range range;
    Thread owner;

    /**
     * The owner's name when the request was made (a String: a thread may be renamed later) until
     * the request gets its tree entry, then that entry, which keeps the name. One field for both
     * keeps the handle at 32 bytes. Written by the owner before the request is published, and from
     * then on only under the zone locks (an insert, or a mutex holder folding a fast holder in);
     * the fast release reads it racily: once an entry, it stays one until the request is in no
     * zone, so seeing an entry proves the fast release's CAS would fail, and a stale name only
     * costs that failing CAS.
     */
    Object tail;

    /**
     * The zone whose word tryFast put this request in (at most 1,024 zones: an index fits a char).
     * Written by the acquiring thread before the CAS that publishes the request; read by the fast
     * release. It fills the 2 bytes the header, four references and two bytes leave free of the
     * 32-byte handle.
     */
    char fastZone;

    /** Mode ordinal (modes are at most 64); changed only by downgrade, under all zone locks. */
    volatile byte mode;

    /** WAITING, GRANTED, RELEASED or CANCELLED; see the implementation notes. */
    volatile byte state;

    Request(RangeLock<M> lock, Range range, int mode) {
      this.lock = lock;
      this.range = range;
      Thread t = Thread.currentThread();
      this.owner = t;
      this.tail = t.getName();
      MODE.set(this, (byte) mode);
    }

    /** The tree entry; null while the request is a fast holder, or was never in a tree. */
    @SuppressWarnings("unchecked")
    final @Nullable Entry<M> entry() {
      Object t = tail;
      return t instanceof Entry ? (Entry<M>) t : null;
    }

    /** The future of an async request; null for the others. */
    @Nullable LockFuture<M> future() {
      return null;
    }

    /** Whether this request object is acquired again after a release (a {@link Hold}'s). */
    boolean reusable() {
      return false;
    }

    /** System.nanoTime() when the request was made (never 0), or 0: not recorded. */
    long sinceNanos() {
      return 0;
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

    static final VarHandle MODE;

    static {
      try {
        MODE = MethodHandles.lookup().findVarHandle(Request.class, "mode", byte.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }
  }

  /**
   * A request that records its age, or is async: the fields a plain handle does without. Also the
   * request of every {@link Hold} (allocated once).
   */
  static final class TrackedRequest<M extends Enum<M>> extends Request<M> {
    /** For async requests only; set before the request is enqueued. */
    @Nullable LockFuture<M> future;

    /** System.nanoTime() when the request was made (never 0, see now()), or 0: not recorded. */
    long sinceNanos;

    /** A Hold's request, re-armed for every acquire. */
    final boolean reusable;

    TrackedRequest(RangeLock<M> lock, Range range, int mode, boolean reusable) {
      super(lock, range, mode);
      this.reusable = reusable;
    }

    @Override
    boolean reusable() {
      return reusable;
    }

    @Override
    @Nullable LockFuture<M> future() {
      return future;
    }

    @Override
    long sinceNanos() {
      return sinceNanos;
    }
  }

  /**
   * Two to {@link #MAX_FAST_HOLDERS} one-zone requests granted by the fast path in one zone, no two
   * of them conflicting: the zone word's value while they hold. Immutable: every join or leave
   * installs a new set (or, down to one holder, that request itself), and a set once replaced is
   * never put back, so a CAS that finds the set it read finds the same holders, with the same
   * ranges and modes, as when it read them.
   */
  static final class FastHolders {
    final Request<?>[] members;

    FastHolders(Request<?>[] members) {
      this.members = members;
    }

    FastHolders with(Request<?> r) {
      Request<?>[] m = Arrays.copyOf(members, members.length + 1);
      m[members.length] = r;
      return new FastHolders(m);
    }

    /** The word without r: this set if r is not in it, the other request if one remains. */
    Object without(Request<?> r) {
      int n = members.length;
      int i = 0;
      while (i < n && members[i] != r) {
        i++;
      }
      if (i == n) {
        return this;
      }
      if (n == 2) {
        return members[1 - i];
      }
      Request<?>[] m = new Request<?>[n - 1];
      System.arraycopy(members, 0, m, 0, i);
      System.arraycopy(members, i + 1, m, i, n - 1 - i);
      return new FastHolders(m);
    }
  }

  /*
   * Zone layout. HotSpot lays fields out by size, not in declaration order, but always puts a
   * superclass's fields before a subclass's (JCTools' trick): so the padding is a class of its own
   * on each side of the class that holds every field a zone's operations write. ZonePadBefore's int
   * fills the 4-byte gap after a 12-byte header, where HotSpot would otherwise put a subclass's int
   * or reference (-XX:+UseEmptySlotsInSupers). ZoneLayoutTest reads the offsets with
   * Unsafe.objectFieldOffset and fails if any written field is closer than 128 bytes to either end
   * of the object (so to another object's data), on the JDK that runs it.
   */

  /** 128 bytes and more before a zone's fields. */
  @SuppressWarnings("unused")
  abstract static class ZonePadBefore {
    int gap;
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
  }

  /** Every field a zone's operations read or write. */
  abstract static class ZoneFields extends ZonePadBefore {
    // null: empty, the fast path may CAS a request in; a Request: the one fast holder, tree
    // empty; a FastHolders: two or more fast holders, no two conflicting, tree empty; TREE_MODE:
    // the tree is authoritative (a mutex holder is in, or the tree is not empty). Only a mutex
    // holder moves it to or from TREE_MODE.
    volatile Object word;
    // The mutex: 0 free, 1 held.
    volatile int mutex;
    // Threads blocked on monitor waiting for the mutex.
    volatile int mutexWaiters;
    // Waiting requests registered here; changed atomically (a grant may come from another zone).
    volatile int waiting;
    // Tree holds and waiting requests whose first zone this is, for holdCount/waitingCount;
    // changed atomically (a grant may come from another zone's lock holder).
    volatile int holdsHere;
    volatile int waitersHere;
    // Guarded by the mutex.
    Node root;
    long clock;
    // SplitMix64 state of this zone's treap priorities, seeded from the lock's secret.
    long priorities;
    final int index;
    // Where threads that spun and yielded in vain wait for the mutex.
    final Object monitor = new Object();

    ZoneFields(int index) {
      this.index = index;
    }
  }

  /** 128 bytes and more after a zone's fields. */
  @SuppressWarnings("unused")
  abstract static class ZonePadAfter extends ZoneFields {
    long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;

    ZonePadAfter(int index) {
      super(index);
    }
  }

  /**
   * A zone: a mutex guarding a treap of the requests registered in the zone, and the one-word fast
   * path. Padded by class hierarchy (see above) so that zones, and the objects allocated next to
   * them, do not share cache lines.
   */
  static final class Zone extends ZonePadAfter {
    Zone(int index, long seed) {
      super(index);
      this.priorities = seed;
    }

    /** The next treap priority of this zone (SplitMix64); under the zone lock. */
    int nextPriority() {
      long z = (priorities += 0x9E3779B97F4A7C15L);
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return (int) (z ^ (z >>> 31));
    }

    /** Takes the mutex and switches the zone to tree mode, folding the fast holders in. */
    void lock() {
      lockMutex();
      for (; ; ) {
        Object w = word;
        if (w == TREE_MODE) {
          return;
        }
        // The fast holders' entries are allocated before the switch, so that nothing can fail
        // between taking the holders out of the word and putting them in the tree.
        Entry<?>[] es = fastEntries(w);
        if (WORD.compareAndSet(this, w, TREE_MODE)) {
          for (Entry<?> e : es) {
            // A Hold may have released and re-acquired (same request object, so the CAS
            // succeeded) with another range since e was built: take the bounds now, after the
            // CAS, which happens-after that re-acquire's CAS into the word.
            // The same holds for the owner's name and the time it made the request.
            Request<?> x = e.request;
            char fz = x.fastZone;
            boolean multi = (fz & MULTI_ZONE) != 0;
            if (multi && x.state != GRANTED) {
              continue; // its release has begun: it is leaving every word, nothing to fold
            }
            Range now = x.range;
            e.start = now.start();
            e.end = now.end();
            Object t = x.tail; // a multi-zone holder's name may already be in another piece
            e.ownerName = t instanceof Entry ? ((Entry<?>) t).ownerName : (String) t;
            e.sinceNanos = x.sinceNanos();
            e.piece = multi;
            foldIn(e, !multi || (fz & ~MULTI_ZONE) == index);
          }
          return;
        }
      }
    }

    private static final Entry<?>[] NO_ENTRIES = new Entry<?>[0];

    /** Entries for the fast holders in word w, in order, with consecutive seqs after the clock. */
    private Entry<?>[] fastEntries(@Nullable Object w) {
      if (w == null) {
        return NO_ENTRIES;
      }
      if (w instanceof FastHolders) {
        Request<?>[] members = ((FastHolders) w).members;
        Entry<?>[] es = new Entry<?>[members.length];
        for (int i = 0; i < members.length; i++) {
          es[i] = fastEntry(members[i], clock + 1 + i);
        }
        return es;
      }
      return new Entry<?>[] {fastEntry((Request<?>) w, clock + 1)};
    }

    private <M extends Enum<M>> Entry<M> fastEntry(Request<M> x, long seq) {
      return new Entry<>(x, index << 16 | 1, seq, nextPriority());
    }

    /**
     * Gives a fast holder its tree entry. The tree held no entry while the word held fast holders;
     * those folded before e by the same switch are mutually compatible with it, so it is granted
     * and counts nobody.
     */
    private <M extends Enum<M>> void foldIn(Entry<M> e, boolean countHere) {
      clock = e.seq;
      link(this, e);
      e.request.tail = e;
      if (countHere) {
        HOLDS_HERE.getAndAdd(this, 1);
      }
    }

    /** Leaves tree mode if the tree is empty (re-opening the fast path), then drops the mutex. */
    void unlock() {
      if (root == null) {
        WORD.setRelease(this, null);
      }
      // A volatile store, then a volatile load of mutexWaiters: with the waiter's increment
      // before its CAS (both under the monitor), one of the two sees the other (no lost wake-up);
      // the notify cannot slip in before the waiter waits, since it holds the monitor until then.
      mutex = 0;
      if (mutexWaiters != 0) {
        synchronized (monitor) {
          monitor.notify();
        }
      }
    }

    /** Whether a thread is blocked waiting for this zone's mutex (for tests). */
    boolean hasBlockedThreads() {
      return mutexWaiters != 0;
    }

    private void lockMutex() {
      if (MUTEX.compareAndSet(this, 0, 1)) {
        return;
      }
      // The critical sections behind this mutex are short and bounded, so a waiter spins, then
      // yields (a holder preempted inside one gets the core back), and blocks only after that:
      // a blocked waiter costs the holder a notify, far longer than the section itself.
      for (int i = 0; i < ZONE_SPINS + ZONE_YIELDS; i++) {
        if (i < ZONE_SPINS) {
          Thread.onSpinWait();
        } else {
          Thread.yield();
        }
        if (mutex == 0 && MUTEX.compareAndSet(this, 0, 1)) {
          return;
        }
      }
      boolean interrupted = false;
      synchronized (monitor) {
        MUTEX_WAITERS.getAndAdd(this, 1);
        try {
          while (!MUTEX.compareAndSet(this, 0, 1)) {
            try {
              monitor.wait();
            } catch (InterruptedException e) {
              interrupted = true; // zone locks are not interruptible; re-asserted below
            }
          }
        } finally {
          MUTEX_WAITERS.getAndAdd(this, -1);
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The future of an async request: completing it by any means other than the grant withdraws the
   * request first, so that dependent stages run on a lock from which the request is gone.
   *
   * <p>Every public way to complete a {@code CompletableFuture} (JDK 17 to 25) goes through one
   * claim: {@code complete}, {@code completeExceptionally} and {@code cancel} here; {@code
   * completeAsync} (both), overridden to call them; {@code orTimeout} and {@code
   * completeOnTimeout}, which the JDK implements by calling {@code completeExceptionally} and
   * {@code complete}; {@code obtrudeValue} and {@code obtrudeException} are refused (they could
   * replace a delivered hold, which would then never be closed). The claim is a CAS on {@code
   * claim}: the grant's delivery takes it 0 -> 1 and completes with the hold; a caller's completion
   * takes it 0 -> 2, withdraws the request (or, if the grant was decided but not yet delivered,
   * releases it), and only then completes, running the dependents. Whoever loses the claim does
   * nothing more: a caller's completion returns false (after waiting for the grant's completion,
   * which follows its claim at once, unless the grant goes through an executor), a grant's delivery
   * leaves the release to the caller that claimed.
   */
  static final class LockFuture<M extends Enum<M>> extends CompletableFuture<RangeHandle<M>> {
    private static final VarHandle CLAIM;

    static {
      try {
        CLAIM = MethodHandles.lookup().findVarHandle(LockFuture.class, "claim", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final RangeLock<M> lock;
    private final Request<M> request;

    /** 0: open; 1: the grant is being delivered; 2: a caller completes it. */
    @SuppressWarnings("unused")
    private volatile int claim;

    /** Where the grant is delivered; null: in the granting thread. */
    private final @Nullable Executor executor;

    LockFuture(RangeLock<M> lock, Request<M> request, @Nullable Executor executor) {
      this.lock = lock;
      this.request = request;
      this.executor = executor;
    }

    /** Delivers the grant, unless a caller's completion claimed the future first. */
    void grant(Request<M> r) {
      if (!CLAIM.compareAndSet(this, 0, 1)) {
        return;
      }
      if (executor == null) {
        super.complete(r);
        return;
      }
      try {
        executor.execute(() -> deliver(r));
      } catch (RejectedExecutionException rejected) {
        lock.release(r); // the claim is ours: nobody else will deliver or release it
        super.completeExceptionally(rejected);
      }
    }

    private void deliver(Request<M> r) {
      super.complete(r);
    }

    /**
     * Claims the future for a caller's completion and withdraws the request (releasing a grant that
     * was decided but not delivered). False if the future was already claimed.
     */
    private boolean withdraw() {
      if (!CLAIM.compareAndSet(this, 0, 2)) {
        if (executor == null) {
          // The grant claimed it and completes it at once (nothing runs between its claim and
          // its completion): wait for that, so a caller that lost sees the hold in the future.
          // Not so with an executor (its task may be queued behind this very thread), nor when
          // another caller claimed it (its withdrawal may run dependents in this thread).
          for (int i = 0; claim == 1 && !isDone(); i++) {
            if (i < 64) {
              Thread.onSpinWait();
            } else {
              Thread.yield();
            }
          }
        }
        return false;
      }
      if (!lock.abandon(request)) {
        lock.release(request); // granted, and the grant is ours to give back
      }
      return true;
    }

    @Override
    public boolean complete(RangeHandle<M> value) {
      return withdraw() && super.complete(value);
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
      Objects.requireNonNull(ex, "ex");
      return withdraw() && super.completeExceptionally(ex);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (withdraw()) {
        return super.cancel(mayInterruptIfRunning);
      }
      return isCancelled();
    }

    @Override
    public CompletableFuture<RangeHandle<M>> completeAsync(
        Supplier<? extends RangeHandle<M>> supplier, Executor executor) {
      Objects.requireNonNull(supplier, "supplier");
      Objects.requireNonNull(executor, "executor");
      // The JDK's completeAsync completes through an internal path that would bypass the claim.
      executor.execute(
          () -> {
            if (isDone()) {
              return;
            }
            RangeHandle<M> value;
            try {
              value = supplier.get();
            } catch (Throwable ex) {
              completeExceptionally(ex);
              return;
            }
            complete(value);
          });
      return this;
    }

    @Override
    public CompletableFuture<RangeHandle<M>> completeAsync(
        Supplier<? extends RangeHandle<M>> supplier) {
      return completeAsync(supplier, defaultExecutor());
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
   * A reusable hold: one request object that a thread acquires and releases again and again, for
   * hot loops that must not allocate. With a {@link Range} the caller keeps (say, one per page of
   * its cache), an uncontended {@link #acquire} + {@link #release} allocates nothing (a handle from
   * {@link RangeLock#acquire} is a new object each time); waiting and the tree path allocate as
   * usual. Every guarantee of the lock applies to a hold as to a handle (exclusion, FIFO,
   * self-deadlock detection, memory effects).
   *
   * <p>A hold is not thread-safe: one thread at a time acquires and releases it (hand it to another
   * thread only through a happens-before edge, as any object). It holds at most one range at a
   * time: acquiring while held throws {@link IllegalStateException}, as does releasing while not
   * held.
   *
   * <pre>{@code
   * RangeLock.Hold<MappingMode> hold = lock.newHold();   // once per thread
   * Range page = pages[i];                               // ranges kept by the caller
   * hold.acquire(page, MappingMode.FAULT);
   * try {
   *   // install the page
   * } finally {
   *   hold.release();
   * }
   * }</pre>
   *
   * @param <M> the enum of modes
   */
  public static final class Hold<M extends Enum<M>> {
    private final RangeLock<M> lock;
    private final TrackedRequest<M> request;

    Hold(RangeLock<M> lock) {
      this.lock = lock;
      // A placeholder range; every acquire re-arms the request. RELEASED: not held.
      this.request = new TrackedRequest<>(lock, Range.of(0, 1), 0, true);
      STATE.set(request, RELEASED);
    }

    private void checkNotHeld() {
      if (request.state != RELEASED) {
        throw new IllegalStateException(
            "hold already held: " + request + "; release it before acquiring again");
      }
    }

    /**
     * Acquires {@code range} in {@code mode}, waiting as long as it takes (not interruptible, like
     * {@link RangeLock#acquire}).
     *
     * @param range the offsets to lock
     * @param mode the mode to hold them in, a constant of the lock's table
     * @throws IllegalStateException if this hold is held, or the current thread would wait for a
     *     hold of its own; nothing is changed
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code mode} is not of the lock's table
     */
    public void acquire(Range range, M mode) {
      checkNotHeld();
      TrackedRequest<M> r = request;
      lock.rearm(r, range, mode);
      try {
        if (!lock.enqueue(r, true)) {
          lock.waitFor(r, FOREVER, false);
        }
      } catch (RuntimeException | Error e) {
        STATE.set(r, RELEASED); // refused before it entered any zone (self-deadlock)
        throw e;
      }
    }

    /**
     * Acquires {@code range} in {@code mode} if that is possible without waiting, like {@link
     * RangeLock#tryAcquire(Range, Enum)}.
     *
     * @param range the offsets to lock
     * @param mode the mode to hold them in, a constant of the lock's table
     * @return whether it is now held
     * @throws IllegalStateException if this hold is held
     */
    public boolean tryAcquire(Range range, M mode) {
      checkNotHeld();
      TrackedRequest<M> r = request;
      lock.rearm(r, range, mode);
      if (lock.tryEnqueue(r)) {
        return true;
      }
      STATE.set(r, RELEASED);
      return false;
    }

    /**
     * Releases the range.
     *
     * @throws IllegalStateException if this hold is not held
     */
    public void release() {
      if (request.state != GRANTED) {
        throw new IllegalStateException("hold not held: " + request);
      }
      lock.release(request);
    }

    /**
     * Whether a range is held.
     *
     * @return true between a successful acquire and the matching release
     */
    public boolean isHeld() {
      return request.state == GRANTED;
    }

    /**
     * The range of the current or last acquire.
     *
     * @return the range of the current hold, or of the last acquire once released
     */
    public Range range() {
      return request.range;
    }

    /**
     * The mode currently held, or of the last acquire.
     *
     * @return the mode of the current hold, or of the last acquire once released
     */
    public M mode() {
      return request.mode();
    }

    @Override
    public String toString() {
      return "hold " + request;
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
     *
     * @param zones the number of zones, a power of two in [1, 1024]
     * @return this builder
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
     *
     * @param bytes the granule size, a power of two in [1, 2^40]
     * @return this builder
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
     *
     * @param fail true to refuse such a wait with an exception, false to let the thread wait
     * @return this builder
     */
    public Builder<M> failOnSelfDeadlock(boolean fail) {
      this.failOnSelfDeadlock = fail;
      return this;
    }

    /**
     * Whether every request records when it was made, for {@link LockSnapshot.Entry#sinceNanos}
     * (default false: only requests that wait, and async ones, record it, because a clock read
     * costs about as much as the whole uncontended acquire).
     *
     * @param record true to read the clock on every request, also the ones granted at once
     * @return this builder
     */
    public Builder<M> recordHoldTimes(boolean record) {
      this.recordHoldTimes = record;
      return this;
    }

    /**
     * A new lock with these settings.
     *
     * @return a new, empty lock with these settings
     */
    public RangeLock<M> build() {
      return new RangeLock<>(this);
    }
  }
}
