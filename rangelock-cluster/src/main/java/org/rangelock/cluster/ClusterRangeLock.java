package org.rangelock.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.PathUtils;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's view of a range lock shared by every JVM that opens the same ZooKeeper path: the
 * table-driven {@link RangeLock} of {@code org.rangelock}, extended across machines with cached
 * <em>tokens</em> that are revoked by callback and carry fences. The protocol is described in
 * {@code docs/cluster-protocol.md}.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>Exclusion across nodes.</b> Two conflicting holds (overlapping ranges, incompatible
 *       modes) on different nodes never coexist while both nodes keep their ZooKeeper sessions.
 *       Within a node, a node-local {@link RangeLock} gives every guarantee of that class
 *       (exclusion, FIFO among conflicts, self-deadlock detection for the blocking verbs).
 *   <li><b>FIFO across nodes.</b> Token requests are ordered by ZooKeeper (sequential znodes); a
 *       request is granted only after every earlier conflicting request of another node has been
 *       granted and given up, and it waits on exactly one znode of those (no herd).
 *   <li><b>Local first, cached.</b> A hold whose range and mode a token of this node already covers
 *       costs no ZooKeeper operation. A token stays cached after its last local hold closes, until
 *       another node asks for a conflicting range, the idle timeout passes or the lock is closed.
 *   <li><b>Revocation under the local lock.</b> Before a token is given up (reasons {@code
 *       REVOKED}, {@code IDLE}, {@code CLOSING}), this node acquires the token's range in its local
 *       lock in the table's strongest mode — every local hold on the range drains first and none
 *       can start — and runs the {@link RevocationCallback} inside that hold; then it deletes the
 *       token or downgrades it to the weaker mode the callback returned.
 *   <li><b>Fences.</b> Every hold has a {@link ClusterHandle#fence() fence}: of two conflicting
 *       holds on overlapping ranges, on any nodes, the later one has the larger fence.
 *   <li><b>Failures.</b> Losing a ZooKeeper server while a quorum remains is handled by Curator and
 *       changes nothing here. While the connection is suspended, the node grants nothing new, not
 *       even from its cache. When the session expires, every token of the node is lost: its handles
 *       report {@code isHeld() == false}, the callback runs with {@code LOST}, other nodes proceed,
 *       and waiting requests queue again once a new session is up.
 * </ul>
 *
 * <p><b>Memory consistency effects.</b> Within one node, those of {@link RangeLock}. Across nodes,
 * closing a hold happens-before (through ZooKeeper's ordering of the token's deletion or downgrade
 * and of the other node's reading of it) the grant of a later conflicting hold on another node.
 *
 * <p><b>Bad input</b> (a null, a path ZooKeeper would refuse, an unstarted or closed client, a mode
 * of another table, a table without a strongest mode, a node name with characters other than
 * letters, digits, {@code _} and {@code .}) throws {@link NullPointerException}, {@link
 * IllegalArgumentException} or {@link IllegalStateException} naming the value, before anything is
 * written to ZooKeeper.
 *
 * <p><b>Caller's duty.</b> A thread must not wait for a token while it holds a handle that a
 * conflicting request of another node is waiting for: the revocation of that handle's token waits
 * for the handle, so the two nodes would wait for each other, as with any distributed lock manager.
 *
 * @param <M> the enum of modes
 */
public final class ClusterRangeLock<M extends Enum<M>> implements AutoCloseable {
  /*
   * Implementation notes (see docs/cluster-protocol.md for the full argument).
   *
   * ZooKeeper layout. One persistent znode per lock path; under it, one EPHEMERAL_SEQUENTIAL znode
   * per token request, created with Curator's protection (so a create that raced a connection loss
   * is found again, not duplicated), named t-<owner>-<start>-<end>-<mode ordinal>-<seq>. The name
   * carries range and mode, so a getChildren tells a requester which earlier requests may conflict
   * without reading them. The data is "m=<ordinal>;w=<hex mask>": the current mode (after a
   * downgrade) and the flags: the modes that blocked requesters of other nodes want, each OR-ed in
   * with a versioned setData. A non-zero mask tells the holder to revoke; a downgrade (versioned
   * too) clears it only if the kept mode is compatible with every wanted one.
   *
   * Acquire. (1) Look for an ACTIVE token of this node covering range and mode (mode equal or
   * weaker); if none, request one from ZooKeeper for the union of the range with the node's active
   * tokens that overlap it, in the join of their modes, so that at every offset at most one token
   * of the node is active and later active tokens are newer (that keeps fences monotonic within a
   * node). Requests of one node that overlap are serialized (pending list); disjoint ones run in
   * parallel. (2) Acquire the node-local RangeLock. (3) Re-check that the token is still ACTIVE
   * and the connection up; else release the local hold and start over. The local lock is never
   * held while waiting for ZooKeeper, so a revocation (which needs the local lock) never waits for
   * a thread that waits for ZooKeeper. A freshly granted token is "reserved" for the thread that
   * asked for it until that thread has taken its local hold, so revocation cannot snatch every new
   * token before use (livelock).
   *
   * Waiting. A request waits until no earlier request of another owner that overlaps it has a
   * conflicting current mode. It flags each such blocker and sets one exists-watch, on the latest
   * blocker; when it fires it looks again (getChildren plus a getData per conflicting candidate).
   * Requests of the same node never block each other in ZooKeeper: the local lock orders them.
   *
   * Fence of a hold = (token czxid << 14) | n, n = 1, 2, ... counting the holds granted under that
   * token (a token is replaced, without a callback, after 2^14 - 1 holds). czxids are ensemble-wide
   * zxids: a later conflicting token of another node is created after this one, hence larger.
   *
   * Threads. Watches and connection events only signal or hand work to the node's worker pool
   * (revocations, token re-reads, async acquires, callbacks); nothing blocks ZooKeeper's event
   * thread. All node state is guarded by `monitor`.
   */

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRangeLock.class);
  static final int LOCAL_BITS = 14;
  static final long LOCAL_MAX = (1L << LOCAL_BITS) - 1;
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final long FOREVER = Long.MAX_VALUE;

  // Token states.
  private static final int ACTIVE = 0;
  private static final int RETIRED = 1; // replaced by a newer covering token; deleted at 0 holds
  private static final int REVOKING = 2;
  private static final int GONE = 3;
  private static final int LOST = 4;

  private final CuratorFramework client;
  private final String path;
  private final ModeTable<M> table;
  private final M[] modes;
  private final M strongest;
  private final String node;
  private final String owner;
  private final RevocationCallback<M> callback;
  private final TokenEvents<M> events;
  private final long idleNanos;
  private final long minHoldNanos;
  private final long granule;
  private final RangeLock<M> local;
  private final ExecutorService worker;
  private final ScheduledExecutorService timer;
  private final ConnectionStateListener connectionListener = (c, s) -> onConnectionState(s);

  private final Object monitor = new Object();
  // Guarded by monitor.
  private final List<Token<M>> tokens = new ArrayList<>();
  private final List<Range> pending = new ArrayList<>();
  private final List<Semaphore> waiters = new ArrayList<>();
  private boolean connected;
  private long epoch;
  private boolean closed;

  /**
   * Tests only: runs in an acquiring thread between taking its token lease and asking the local
   * lock, the window in which a revocation can downgrade the token (see DowngradeRaceTest).
   */
  volatile Consumer<Range> afterLease;

  private ClusterRangeLock(Builder<M> b, M strongest) {
    this.client = b.client;
    this.path = b.path;
    this.table = b.table;
    this.modes = table.modeClass().getEnumConstants();
    this.strongest = strongest;
    this.node = b.node;
    this.owner = b.node + "~" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    this.callback = b.callback;
    this.events = b.events;
    this.idleNanos = b.idle.toNanos();
    this.minHoldNanos = b.minHold.toNanos();
    this.granule = b.granule;
    // Handles handed to async callers and revocation holds belong to no thread; the blocking verbs
    // keep the core's self-deadlock detection.
    this.local = RangeLock.create(table);
    AtomicInteger n = new AtomicInteger();
    this.worker =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "rangelock-cluster-" + node + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "rangelock-cluster-" + node + "-idle");
              t.setDaemon(true);
              return t;
            });
    this.connected = client.getZookeeperClient().isConnected();
    client.getConnectionStateListenable().addListener(connectionListener);
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(20), idleNanos / 4);
    timer.scheduleWithFixedDelay(this::expireIdle, period, period, TimeUnit.NANOSECONDS);
  }

  /**
   * Starts a node's lock on {@code path} over {@code table}, for a started Curator client.
   *
   * @param <M> the enum of modes
   * @param client the node's Curator client, started (checked by {@link Builder#build()}); the lock
   *     uses its session and never closes it
   * @param path the persistent znode under which every node of this lock queues its token requests:
   *     the same path on every node, a valid ZooKeeper path other than the root
   * @param table the modes and their compatibility, the same on every node; it needs a strongest
   *     mode (checked by {@link Builder#build()})
   * @return a builder on which {@link Builder#node(String)} must be called before {@link
   *     Builder#build()}
   * @throws NullPointerException if an argument is null
   */
  public static <M extends Enum<M>> Builder<M> builder(
      CuratorFramework client, String path, ModeTable<M> table) {
    return new Builder<>(
        Objects.requireNonNull(client, "client"),
        Objects.requireNonNull(path, "path"),
        Objects.requireNonNull(table, "table"));
  }

  /**
   * The mode table.
   *
   * @return the table given to {@link #builder}
   */
  public ModeTable<M> table() {
    return table;
  }

  /**
   * The ZooKeeper path of the lock.
   *
   * @return the znode path given to {@link #builder}, under which the token requests queue
   */
  public String path() {
    return path;
  }

  /**
   * This node's name.
   *
   * @return the name given to {@link Builder#node(String)}, as reported to {@link TokenEvents}
   */
  public String node() {
    return node;
  }

  /**
   * The node-local lock: its {@link RangeLock#snapshot()} shows this node's holds and waiters.
   *
   * @return the {@link RangeLock} over the same table that every hold of this node takes under its
   *     token, and that a revocation takes in the strongest mode; acquiring it directly bypasses
   *     the cluster
   */
  public RangeLock<M> localLock() {
    return local;
  }

  /**
   * How many tokens this node holds now (active, being revoked, or being replaced).
   *
   * @return the number of this node's tokens whose request znodes are granted and not yet given up
   *     or lost, cached ones included; a snapshot that may change at once
   */
  public int cachedTokens() {
    synchronized (monitor) {
      return tokens.size();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The verbs of RangeLock.

  /**
   * Acquires {@code range} in {@code mode} across the cluster, waiting as long as it takes. Not
   * interruptible: an interrupt is remembered and re-asserted on return.
   *
   * @param range the bytes to hold
   * @param mode the mode to hold them in, one of {@code table()}'s
   * @return the hold, held until closed (or until the node's session expires)
   * @throws NullPointerException if {@code range} or {@code mode} is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table (raw types only)
   * @throws IllegalStateException if this lock was closed, or the thread would wait for its own
   *     local hold
   * @throws ClusterLockException if ZooKeeper refused the request for good
   */
  public ClusterHandle<M> acquire(Range range, M mode) {
    checkArgs(range, mode);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return acquire(range, mode, FOREVER, Wait.BLOCKING);
        } catch (InterruptedException e) {
          // Only from a wait before anything was queued or held (the ZooKeeper and local waits of
          // BLOCKING are uninterruptible): start over, and re-assert the interrupt on return.
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Acquires {@code range} in {@code mode}, waiting until granted or interrupted; when this throws,
   * nothing is held and the request is gone from ZooKeeper.
   *
   * @param range the bytes to hold
   * @param mode the mode to hold them in, one of {@code table()}'s
   * @return the hold, held until closed (or until the node's session expires)
   * @throws InterruptedException if the thread is interrupted on entry or while waiting; nothing is
   *     held
   * @throws NullPointerException if {@code range} or {@code mode} is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table (raw types only)
   * @throws IllegalStateException if this lock was closed, or the thread would wait for its own
   *     local hold
   * @throws ClusterLockException if ZooKeeper refused the request for good
   */
  public ClusterHandle<M> acquireInterruptibly(Range range, M mode) throws InterruptedException {
    checkArgs(range, mode);
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    return acquire(range, mode, FOREVER, Wait.INTERRUPTIBLE);
  }

  /**
   * Acquires {@code range} in {@code mode} if no holder or earlier request conflicts with it. When
   * the node has no covering token this asks ZooKeeper (a few round trips) and withdraws the
   * request at once if an earlier conflicting one exists; it never waits for another holder. A
   * failed try still flags the conflicting tokens of other nodes, so that their holders give up
   * what they only cache and a later try can succeed.
   *
   * @param range the bytes to hold
   * @param mode the mode to hold them in, one of {@code table()}'s
   * @return the hold, or {@code null} (nothing left behind) if it conflicts, or if an interrupt cut
   *     the try short (the interrupt is re-asserted)
   * @throws NullPointerException if {@code range} or {@code mode} is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table (raw types only)
   * @throws IllegalStateException if this lock was closed
   * @throws ClusterLockException if ZooKeeper refused the request for good
   */
  public ClusterHandle<M> tryAcquire(Range range, M mode) {
    checkArgs(range, mode);
    try {
      return acquire(range, mode, FOREVER, Wait.TRY);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * Acquires {@code range} in {@code mode}, waiting at most {@code timeout} (ZooKeeper and the
   * local lock together).
   *
   * @param range the bytes to hold
   * @param mode the mode to hold them in, one of {@code table()}'s
   * @param timeout how long to wait at most; zero is {@link #tryAcquire(Range, Enum)}, and a
   *     timeout too long for a {@code long} of nanoseconds waits without limit
   * @return the hold, or {@code null} on timeout (nothing left behind)
   * @throws InterruptedException if the thread is interrupted on entry or while waiting; nothing is
   *     held
   * @throws NullPointerException if {@code range}, {@code mode} or {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative, or {@code mode} is not of this
   *     lock's table (raw types only)
   * @throws IllegalStateException if this lock was closed, or the thread would wait for its own
   *     local hold
   * @throws ClusterLockException if ZooKeeper refused the request for good
   */
  public ClusterHandle<M> tryAcquire(Range range, M mode, Duration timeout)
      throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
    }
    checkArgs(range, mode);
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long nanos;
    try {
      nanos = timeout.toNanos();
    } catch (ArithmeticException e) {
      nanos = FOREVER;
    }
    if (nanos == 0) {
      return tryAcquire(range, mode);
    }
    long deadline = nanos == FOREVER ? FOREVER : System.nanoTime() + nanos;
    return acquire(range, mode, deadline, Wait.TIMED);
  }

  /**
   * Requests {@code range} in {@code mode} without blocking the caller; the future completes with
   * the hold on a worker thread of this node. Cancelling it (or completing it any other way) before
   * the grant withdraws the request from ZooKeeper and the local lock; a grant that races with the
   * cancellation is released by the lock itself.
   *
   * @param range the bytes to hold
   * @param mode the mode to hold them in, one of {@code table()}'s
   * @return a future that completes with the hold, or exceptionally with {@link
   *     IllegalStateException} if the lock is closed meanwhile or {@link ClusterLockException} if
   *     ZooKeeper refuses the request for good
   * @throws NullPointerException if {@code range} or {@code mode} is null
   * @throws IllegalArgumentException if {@code mode} is not of this lock's table (raw types only)
   * @throws IllegalStateException if this lock was closed already
   */
  public CompletableFuture<ClusterHandle<M>> acquireAsync(Range range, M mode) {
    checkArgs(range, mode);
    synchronized (monitor) {
      checkOpen();
    }
    CompletableFuture<ClusterHandle<M>> f = new CompletableFuture<>();
    Future<?> task =
        worker.submit(
            () -> {
              try {
                ClusterHandle<M> h = acquire(range, mode, FOREVER, Wait.ASYNC);
                if (!f.complete(h)) {
                  h.close();
                }
              } catch (InterruptedException e) {
                f.cancel(false);
              } catch (Throwable e) {
                f.completeExceptionally(e);
              }
            });
    f.whenComplete(
        (h, e) -> {
          if (e != null) {
            task.cancel(true);
          }
        });
    return f;
  }

  private enum Wait {
    BLOCKING,
    INTERRUPTIBLE,
    TIMED,
    TRY,
    ASYNC
  }

  private void checkArgs(Range range, M mode) {
    Objects.requireNonNull(range, "range");
    // compatible() throws NullPointerException / IllegalArgumentException naming a bad mode.
    table.compatible(Objects.requireNonNull(mode, "mode"), mode);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("cluster lock " + path + " on node " + node + " is closed");
    }
  }

  private ClusterHandle<M> acquire(Range range, M mode, long deadline, Wait wait)
      throws InterruptedException {
    if (isUniversal(mode)) {
      // A mode compatible with every mode conflicts with nothing on any node: no token needed.
      RangeHandle<M> h = localAcquire(range, mode, deadline, wait);
      return h == null ? null : new Hold(h, null, 0);
    }
    while (true) {
      Lease<M> lease = obtainToken(range, mode, deadline, wait);
      if (lease == null) {
        return null;
      }
      Token<M> t = lease.token;
      RangeHandle<M> h;
      try {
        Consumer<Range> hook = afterLease;
        if (hook != null) {
          hook.accept(range);
        }
        h = localAcquire(range, mode, deadline, wait);
      } catch (RuntimeException | InterruptedException | Error e) {
        unreserve(lease);
        throw e;
      }
      long fence = 0;
      synchronized (monitor) {
        if (lease.fresh) {
          // Released in the same critical section as the validation: a revocation waiting for
          // the reservation cannot start between the two.
          t.reserved--;
          monitor.notifyAll();
        }
        // The mode is checked again: a revocation may have downgraded the token while this thread
        // waited for the local lock (behind the revocation's drain).
        if (h != null
            && t.state == ACTIVE
            && !t.superseded
            && covers(t.mode, mode)
            && connected
            && !closed
            && t.localGrants < LOCAL_MAX
            && newestOver(t, range)) {
          t.localGrants++;
          t.holds++;
          fence = (t.czxid << LOCAL_BITS) | t.localGrants;
        }
      }
      if (h == null) {
        afterUnpin(t);
        return null;
      }
      if (fence != 0) {
        return new Hold(h, t, fence);
      }
      // The token was revoked, replaced or lost while we waited for the local lock: start over.
      h.close();
      afterUnpin(t);
    }
  }

  private void unreserve(Lease<M> lease) {
    if (lease.fresh) {
      synchronized (monitor) {
        lease.token.reserved--;
        monitor.notifyAll();
      }
      afterUnpin(lease.token);
    }
  }

  private RangeHandle<M> localAcquire(Range range, M mode, long deadline, Wait wait)
      throws InterruptedException {
    switch (wait) {
      case BLOCKING:
        return local.acquire(range, mode);
      case INTERRUPTIBLE:
        return local.acquireInterruptibly(range, mode);
      case TRY:
        return local.tryAcquire(range, mode);
      case TIMED:
        long left = deadline - System.nanoTime();
        return left <= 0
            ? local.tryAcquire(range, mode)
            : local.tryAcquire(range, mode, nanos(left));
      case ASYNC:
      default:
        return awaitLocal(local.acquireAsync(range, mode));
    }
  }

  private static Duration nanos(long n) {
    return Duration.ofNanos(n);
  }

  /**
   * Waits for a local async grant (a hold that belongs to no thread); cancels it if interrupted.
   */
  private static <M extends Enum<M>> RangeHandle<M> awaitLocal(CompletableFuture<RangeHandle<M>> f)
      throws InterruptedException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      if (!f.cancel(false) && !f.isCompletedExceptionally()) {
        f.join().close(); // the grant won the race
      }
      throw e;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  private boolean isUniversal(M mode) {
    for (M m : modes) {
      if (!table.compatible(mode, m)) {
        return false;
      }
    }
    return true;
  }

  private boolean covers(M tokenMode, M mode) {
    return tokenMode == mode || table.isWeaker(mode, tokenMode);
  }

  /** The weakest mode covering both, or the strongest mode if they have no least upper bound. */
  private M join(M a, M b) {
    if (covers(a, b)) {
      return a;
    }
    if (covers(b, a)) {
      return b;
    }
    List<M> upper = new ArrayList<>();
    for (M c : modes) {
      if (covers(c, a) && covers(c, b)) {
        upper.add(c);
      }
    }
    for (M c : upper) {
      boolean least = true;
      for (M d : upper) {
        least &= covers(d, c);
      }
      if (least) {
        return c;
      }
    }
    return strongest;
  }

  private record Lease<M extends Enum<M>>(Token<M> token, boolean fresh) {}

  /**
   * A token of this node covering range and mode: from the cache, or a new one from ZooKeeper (for
   * the union with the overlapping active tokens, which it replaces). Null on timeout or try.
   */
  private Lease<M> obtainToken(Range range, M mode, long deadline, Wait wait)
      throws InterruptedException {
    Range want;
    M wantMode;
    synchronized (monitor) {
      while (true) {
        checkOpen();
        if (!connected) {
          if (!waitMonitor(deadline, wait)) {
            return null;
          }
          continue;
        }
        for (Token<M> t : tokens) {
          if (t.state == ACTIVE
              && !t.superseded
              && t.localGrants < LOCAL_MAX
              && t.range.contains(range)
              && covers(t.mode, mode)
              && newestOver(t, range)) {
            return new Lease<>(t, false);
          }
        }
        want = widen(range);
        wantMode = mode;
        for (boolean grew = true; grew; ) {
          grew = false;
          for (Token<M> t : tokens) {
            if (t.state == ACTIVE && t.range.overlaps(want)) {
              Range u =
                  Range.of(
                      Math.min(want.start(), t.range.start()), Math.max(want.end(), t.range.end()));
              M j = join(wantMode, t.mode);
              if (!u.equals(want) || j != wantMode) {
                want = u;
                wantMode = j;
                grew = true;
              }
            }
          }
        }
        boolean busy = false;
        for (Range p : pending) {
          busy |= p.overlaps(want);
        }
        // A token of this node being revoked over the range may come back downgraded: wait for
        // its revocation to end, so that the union above takes it in (if it is still there) and
        // the new token covers it. Asking ZooKeeper now would give a newer token beside an older
        // one that comes back, and fences of one node's conflicting holds would go backwards.
        for (Token<M> t : tokens) {
          busy |= t.state == REVOKING && t.range.overlaps(want);
        }
        if (!busy) {
          pending.add(want);
          break;
        }
        if (!waitMonitor(deadline, wait)) {
          return null;
        }
      }
    }
    try {
      return requestToken(want, wantMode, deadline, wait);
    } finally {
      synchronized (monitor) {
        pending.remove(want);
        monitor.notifyAll();
      }
    }
  }

  /** The range rounded out to whole token granules (the token a request asks ZooKeeper for). */
  private Range widen(Range r) {
    if (granule == 1) {
      return r;
    }
    long start = r.start() - r.start() % granule;
    long end = r.end() % granule == 0 ? r.end() : r.end() - r.end() % granule;
    if (end < r.end()) {
      end = end > Range.MAX_END - granule ? Range.MAX_END : end + granule;
    }
    return Range.of(start, end);
  }

  /** Waits on the monitor (held) until notified or the deadline; false on timeout or try. */
  private boolean waitMonitor(long deadline, Wait wait) throws InterruptedException {
    if (wait == Wait.TRY) {
      return false;
    }
    long left = deadline == FOREVER ? 0 : deadline - System.nanoTime();
    if (deadline != FOREVER && left <= 0) {
      return false;
    }
    long ms = deadline == FOREVER ? 1000 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
    monitor.wait(ms); // BLOCKING callers catch an interrupt here and start over (nothing is held)
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // ZooKeeper side.

  private enum Step {
    GRANTED,
    WAIT,
    AGAIN,
    REQUEUE,
    /** An operation failed on the connection: look again after a signal or a second. */
    LATER
  }

  private Lease<M> requestToken(Range want, M wantMode, long deadline, Wait wait)
      throws InterruptedException {
    String prefix =
        path
            + "/t-"
            + owner
            + "-"
            + want.start()
            + "-"
            + want.end()
            + "-"
            + wantMode.ordinal()
            + "-";
    Semaphore signal = new Semaphore(0);
    synchronized (monitor) {
      waiters.add(signal);
    }
    try {
      while (true) {
        long ep;
        synchronized (monitor) {
          while (!connected || closed) {
            checkOpen();
            if (!waitMonitor(deadline, wait)) {
              return null;
            }
          }
          ep = epoch;
        }
        Stat stat = new Stat();
        String me;
        try {
          me =
              client
                  .create()
                  .storingStatIn(stat)
                  .creatingParentsIfNeeded()
                  .withProtection()
                  .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                  .forPath(prefix);
        } catch (KeeperException.ConnectionLossException
            | KeeperException.SessionExpiredException e) {
          continue; // Curator's retries gave up; wait for the connection and queue again
        } catch (Exception e) {
          throw new ClusterLockException("cannot create a token request under " + path, e);
        }
        long id = stat.getCzxid();
        if (id == 0) {
          // No transaction has zxid 0: the create's reply was lost (connection dropped after the
          // server made the znode) and Curator's protection mode found the znode by its prefix
          // and returned its name without a Stat. The czxid is the fence base and the queue
          // position, so read it back; never use 0 (fences 1, 2, ... that pass as old and a
          // request that sorts before every other).
          try {
            Stat found = client.checkExists().forPath(me);
            if (found == null) {
              continue; // gone with its session already: queue again
            }
            id = found.getCzxid();
          } catch (KeeperException.ConnectionLossException
              | KeeperException.SessionExpiredException e) {
            deleteQuietly(me); // an orphan request would block every later conflicting one
            continue;
          } catch (Exception e) {
            deleteQuietly(me);
            throw new ClusterLockException("cannot read back the token request " + me, e);
          }
        }
        if (id >= (1L << (63 - LOCAL_BITS))) {
          deleteQuietly(me);
          throw new IllegalStateException("zxid " + id + " too large for a fence");
        }
        events.queued(node, id, want, wantMode);
        boolean granted = false;
        try {
          Parsed mine = parse(me.substring(me.lastIndexOf('/') + 1));
          while (true) {
            synchronized (monitor) {
              checkOpen();
              if (epoch != ep) {
                break; // the session that owned `me` is gone: queue again
              }
            }
            Step step;
            try {
              step = evaluate(mine, wantMode, signal);
            } catch (KeeperException.ConnectionLossException
                | KeeperException.SessionExpiredException e) {
              step = Step.LATER; // no watch may be set: do not rely on one
            } catch (Exception e) {
              throw new ClusterLockException("cannot read the queue of " + path, e);
            }
            if (step == Step.REQUEUE) {
              break;
            }
            if (step == Step.GRANTED) {
              Token<M> t = install(me, id, want, wantMode, ep);
              if (t == null) {
                break;
              }
              granted = true;
              return new Lease<>(t, true);
            }
            if (step == Step.AGAIN) {
              continue;
            }
            if (wait == Wait.TRY) {
              return null;
            }
            long until =
                step == Step.LATER
                    ? Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(1))
                    : deadline;
            if (!await(signal, until, wait) && until == deadline) {
              return null;
            }
          }
        } finally {
          if (!granted) {
            events.abandoned(node, id);
            deleteQuietly(me);
          }
        }
      }
    } finally {
      synchronized (monitor) {
        waiters.remove(signal);
      }
    }
  }

  /** Waits for a watch or connection signal; false on timeout. */
  private static boolean await(Semaphore signal, long deadline, Wait wait)
      throws InterruptedException {
    if (deadline == FOREVER) {
      if (wait == Wait.BLOCKING) {
        signal.acquireUninterruptibly();
      } else {
        signal.acquire();
      }
    } else {
      boolean interrupted = false;
      try {
        while (true) {
          long left = deadline - System.nanoTime();
          try {
            if (left <= 0 || !signal.tryAcquire(left, TimeUnit.NANOSECONDS)) {
              return false;
            }
            break;
          } catch (InterruptedException e) {
            if (wait != Wait.BLOCKING) {
              throw e;
            }
            interrupted = true; // BLOCKING keeps its place in the queue
          }
        }
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
    signal.drainPermits();
    return true;
  }

  record Parsed(String name, String owner, Range range, int mode, long seq) {}

  /**
   * Parses a request znode name, {@code [protection prefix]t-<owner>-<start>-<end>-<mode>-<seq>};
   * the owner may contain '-', the four numbers cannot. Null for anything that is not one.
   */
  static Parsed parse(String name) {
    int at = name.indexOf("t-"); // Curator's prefix is _c_<hex uuid>-: no 't' in it
    if (at < 0) {
      return null;
    }
    String[] f = name.substring(at + 2).split("-");
    if (f.length < 5) {
      return null;
    }
    int n = f.length;
    try {
      return new Parsed(
          name,
          String.join("-", java.util.Arrays.asList(f).subList(0, n - 4)),
          Range.of(Long.parseLong(f[n - 4]), Long.parseLong(f[n - 3])),
          Integer.parseInt(f[n - 2]),
          Long.parseLong(f[n - 1]));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private record Blocker(String name, long seq, int version, long wanted, int mode) {}

  /** One look at the queue: granted, or blockers flagged and one watched. */
  private Step evaluate(Parsed mine, M myMode, Semaphore signal) throws Exception {
    List<String> children = client.getChildren().forPath(path);
    if (!children.contains(mine.name)) {
      return Step.REQUEUE; // our znode vanished with our session
    }
    List<Blocker> blockers = new ArrayList<>();
    for (String c : children) {
      Parsed p = parse(c);
      if (p == null
          || p.seq >= mine.seq
          || p.owner.equals(owner)
          || !p.range.overlaps(mine.range)
          || p.mode < 0
          || p.mode >= modes.length
          || table.compatible(modes[p.mode], myMode)) {
        continue;
      }
      Stat s = new Stat();
      byte[] data;
      try {
        data = client.getData().storingStatIn(s).forPath(path + "/" + c);
      } catch (KeeperException.NoNodeException e) {
        continue;
      }
      TokenData d = TokenData.parse(data, p.mode);
      if (d.mode < 0 || d.mode >= modes.length || table.compatible(modes[d.mode], myMode)) {
        continue;
      }
      blockers.add(new Blocker(c, p.seq, s.getVersion(), d.wanted, d.mode));
    }
    if (blockers.isEmpty()) {
      return Step.GRANTED;
    }
    // Tell every blocker's holder (a waiting blocker sees the flag when it is granted).
    Blocker watched = null;
    for (Blocker b : blockers) {
      long bit = 1L << myMode.ordinal();
      if ((b.wanted & bit) == 0) {
        try {
          Stat s =
              client
                  .setData()
                  .withVersion(b.version)
                  .forPath(path + "/" + b.name, new TokenData(b.mode, b.wanted | bit).bytes());
          b = new Blocker(b.name, b.seq, s.getVersion(), b.wanted | bit, b.mode);
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
          return Step.AGAIN;
        }
      }
      if (watched == null || b.seq > watched.seq) {
        watched = b; // the latest blocker: usually the last to go, so the fewest wake-ups
      }
    }
    Watcher w =
        event -> {
          if (event.getType() != Watcher.Event.EventType.None) {
            signal.release();
          }
        };
    Stat s = client.checkExists().usingWatcher(w).forPath(path + "/" + watched.name);
    if (s == null || s.getVersion() != watched.version) {
      return Step.AGAIN;
    }
    return Step.WAIT;
  }

  /** Installs a granted token; null if the session changed meanwhile (queue again). */
  private Token<M> install(String znode, long id, Range range, M mode, long ep) {
    Token<M> t = new Token<>(znode, range, mode, id);
    List<Token<M>> freed = new ArrayList<>();
    List<Token<M>> uncovered = new ArrayList<>();
    synchronized (monitor) {
      if (epoch != ep || closed) {
        return null;
      }
      // A token of this node that overlaps and is newer (a token that came back to ACTIVE after a
      // downgrade, or one installed while this request waited) would make this one older than
      // holds already fenced there: queue again, for a newer znode.
      for (Token<M> o : tokens) {
        if (o.state != GONE && o.czxid > id && o.range.overlaps(range)) {
          return null;
        }
      }
      t.reserved = 1;
      for (Token<M> o : tokens) {
        if ((o.state != ACTIVE && o.state != REVOKING) || !o.range.overlaps(range)) {
          continue;
        }
        if (o.state == ACTIVE && range.contains(o.range) && covers(mode, o.mode)) {
          o.state = RETIRED; // `t` covers it (union and join), so no callback is needed
          if (o.holds == 0 && o.reserved == 0) {
            freed.add(o);
          }
        } else {
          // Being revoked (it was active when this request took its union, or the union would
          // have waited for it), or, against the argument in the notes, active and not covered:
          // it must neither serve another hold nor come back downgraded beside `t`, and it goes
          // only through its callback.
          o.superseded = true;
          if (o.state == ACTIVE) {
            uncovered.add(o);
          }
        }
      }
      tokens.add(t);
    }
    events.granted(node, id, range, mode);
    for (Token<M> o : freed) {
      execute(() -> dropRetired(o));
    }
    for (Token<M> o : uncovered) {
      LOG.warn("token {} overlaps the newer {} without being covered; revoking it", o.znode, znode);
      scheduleRevocation(o, Revocation.Reason.REVOKED);
    }
    // Watch for flags off the grant's path (a flag set before the read is seen by it).
    execute(() -> checkToken(t));
    return t;
  }

  /**
   * Whether no other token of this node that overlaps {@code range} is newer than {@code t}: a
   * hold's fence comes from the newest token over its range, so that of two conflicting holds of
   * this node the later one has the larger fence. Under the monitor.
   */
  private boolean newestOver(Token<M> t, Range range) {
    for (Token<M> o : tokens) {
      if (o != t && o.state != GONE && o.czxid > t.czxid && o.range.overlaps(range)) {
        return false;
      }
    }
    return true;
  }

  /** Whether a newer token of this node contains {@code t}'s range in a mode covering {@code m}. */
  private boolean coveredByNewer(Token<M> t, M m) {
    for (Token<M> o : tokens) {
      if (o != t
          && o.czxid > t.czxid
          && (o.state == ACTIVE || o.state == RETIRED)
          && o.range.contains(t.range)
          && covers(o.mode, m)) {
        return true;
      }
    }
    return false;
  }

  private boolean isSuperseded(Token<M> t) {
    synchronized (monitor) {
      return t.superseded;
    }
  }

  private void afterUnpin(Token<M> t) {
    synchronized (monitor) {
      if (t.holds > 0 || t.reserved > 0) {
        return;
      }
      t.idleSince = System.nanoTime();
      if (t.state != RETIRED) {
        return;
      }
    }
    execute(() -> dropRetired(t));
  }

  private void dropRetired(Token<M> t) {
    synchronized (monitor) {
      if (t.state != RETIRED || t.holds > 0 || t.reserved > 0) {
        return;
      }
      t.state = GONE;
      tokens.remove(t);
    }
    events.released(node, t.czxid, null);
    deleteQuietly(t.znode);
  }

  /** Reads a token's data with a watch, and starts its revocation if another node flagged it. */
  private void checkToken(Token<M> t) {
    synchronized (monitor) {
      if (t.state != ACTIVE && t.state != RETIRED) {
        return;
      }
    }
    Watcher w =
        event -> {
          if (event.getType() != Watcher.Event.EventType.None) {
            execute(() -> checkToken(t));
          }
        };
    byte[] data;
    try {
      data = client.getData().usingWatcher(w).forPath(t.znode);
    } catch (KeeperException.NoNodeException e) {
      return; // the session is gone; the LOST event handles the token
    } catch (Exception e) {
      LOG.warn("cannot read token {}; will look again on reconnection", t.znode, e);
      return;
    }
    if (TokenData.parse(data, t.mode.ordinal()).wanted != 0) {
      scheduleRevocation(t, Revocation.Reason.REVOKED);
    }
  }

  private void scheduleRevocation(Token<M> t, Revocation.Reason reason) {
    synchronized (monitor) {
      if (t.revocationQueued || (t.state != ACTIVE && t.state != RETIRED)) {
        return;
      }
      t.revocationQueued = true;
    }
    execute(() -> revoke(t, reason));
  }

  /** Drains local holds on the token's range, runs the callback, then downgrades or releases. */
  private void revoke(Token<M> t, Revocation.Reason reason) {
    if (reason == Revocation.Reason.REVOKED && minHoldNanos > 0) {
      // The minimum hold: another node's request is served once the token has been held that
      // long; until then local holds go on being granted under it (the revocation has not
      // started). The revocation stays queued (revocationQueued), so it is scheduled once.
      long wait = t.heldSince + minHoldNanos - System.nanoTime();
      if (wait > 0) {
        try {
          timer.schedule(() -> execute(() -> revoke(t, reason)), wait, TimeUnit.NANOSECONDS);
          return;
        } catch (RejectedExecutionException closing) {
          // closed meanwhile: the close gives every token up
          return;
        }
      }
    }
    synchronized (monitor) {
      // A fresh token first serves the thread that asked for it (else two nodes flagging each
      // other could revoke every new token before its first use): wait while it is reserved.
      boolean interrupted = false;
      while (t.reserved > 0 && (t.state == ACTIVE || t.state == RETIRED)) {
        try {
          monitor.wait();
        } catch (InterruptedException e) {
          interrupted = true; // a stray interrupt of a pool thread must not drop the revocation
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (t.state != ACTIVE && t.state != RETIRED) {
        return;
      }
      if (t.state == RETIRED) {
        t.superseded = true; // a newer token covers it: it is given up, never downgraded
      }
      t.state = REVOKING;
    }
    RangeHandle<M> drain = local.acquireAsync(t.range, strongest).join();
    try {
      synchronized (monitor) {
        if (t.state != REVOKING) {
          return; // lost meanwhile; its callback ran with LOST
        }
      }
      M keep = null;
      try {
        keep = callback.revoke(new Revocation<>(t.range, t.mode, reason, t.czxid << LOCAL_BITS));
      } catch (RuntimeException e) {
        LOG.warn("revocation callback of node {} failed; giving the token up", node, e);
      }
      boolean keeps =
          reason == Revocation.Reason.REVOKED
              && keep != null
              && keep.getDeclaringClass() == table.modeClass()
              && table.isWeaker(keep, t.mode);
      if (keeps && !isSuperseded(t) && downgrade(t, keep)) {
        boolean retired = false;
        boolean active = false;
        synchronized (monitor) {
          if (t.state != REVOKING) {
            return; // lost meanwhile; its callback ran with LOST
          }
          if (!t.superseded) {
            t.mode = keep;
            t.state = ACTIVE;
            t.revocationQueued = false;
            t.idleSince = System.nanoTime();
            t.heldSince = t.idleSince;
            active = true;
            monitor.notifyAll();
          } else if (coveredByNewer(t, keep)) {
            // A newer token of this node, installed while ZooKeeper took the downgrade, covers
            // what the callback kept: this one retires without another callback.
            t.mode = keep;
            t.state = RETIRED;
            retired = true;
            monitor.notifyAll();
          }
        }
        if (retired) {
          afterUnpin(t);
          return;
        }
        if (active) {
          execute(() -> checkToken(t));
          return;
        }
        // Superseded while ZooKeeper took the downgrade, and not covered: give it up below.
      }
      if (keeps) {
        // The callback kept pages for `keep`, but the token goes after all (a request flagged it
        // meanwhile for a mode `keep` conflicts with, or a newer token of this node superseded
        // it): tell the callback again, for what it kept, so that nothing stays cached without a
        // token. Still under the drain hold.
        try {
          callback.revoke(new Revocation<>(t.range, keep, reason, t.czxid << LOCAL_BITS));
        } catch (RuntimeException e) {
          LOG.warn("revocation callback of node {} failed; giving the token up", node, e);
        }
      }
      synchronized (monitor) {
        if (t.state != REVOKING) {
          return;
        }
        t.state = GONE;
        tokens.remove(t);
        monitor.notifyAll();
      }
      events.released(node, t.czxid, reason);
      deleteQuietly(t.znode);
    } finally {
      drain.close();
    }
  }

  /** Hands work to the worker pool; after close, work that watches still bring is dropped. */
  private void execute(Runnable r) {
    try {
      worker.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("node {} closed; dropping {}", node, r);
    }
  }

  /**
   * Rewrites the token's mode to {@code keep} and clears its flags, but only if {@code keep} is
   * compatible with every mode the flaggers asked for and nobody flagged it since it was read (a
   * versioned write): a flag is never wiped while its request still conflicts.
   */
  private boolean downgrade(Token<M> t, M keep) {
    try {
      Stat s = new Stat();
      TokenData d = TokenData.parse(client.getData().storingStatIn(s).forPath(t.znode), 0);
      for (M w : modes) {
        if ((d.wanted & (1L << w.ordinal())) != 0 && !table.compatible(keep, w)) {
          return false; // a waiting request needs more than the callback is willing to give
        }
      }
      events.downgraded(node, t.czxid, keep);
      client
          .setData()
          .withVersion(s.getVersion())
          .forPath(t.znode, new TokenData(keep.ordinal(), 0).bytes());
      return true;
    } catch (Exception e) {
      LOG.debug("token {} not downgraded ({}); giving it up", t.znode, e.toString());
      return false;
    }
  }

  private void deleteQuietly(String znode) {
    try {
      client.delete().guaranteed().inBackground().forPath(znode);
    } catch (Exception e) {
      LOG.warn("cannot delete {} (it is ephemeral and goes with the session)", znode, e);
    }
  }

  private void expireIdle() {
    long now = System.nanoTime();
    List<Token<M>> idle = new ArrayList<>();
    synchronized (monitor) {
      if (closed || !connected) {
        return;
      }
      for (Token<M> t : tokens) {
        if (t.state == ACTIVE
            && t.holds == 0
            && t.reserved == 0
            && now - t.idleSince >= idleNanos) {
          idle.add(t);
        }
      }
    }
    for (Token<M> t : idle) {
      scheduleRevocation(t, Revocation.Reason.IDLE);
    }
  }

  private void onConnectionState(ConnectionState s) {
    List<Token<M>> lost = new ArrayList<>();
    List<Token<M>> recheck = new ArrayList<>();
    synchronized (monitor) {
      switch (s) {
        case CONNECTED:
        case RECONNECTED:
          connected = true;
          recheck.addAll(tokens);
          break;
        case LOST:
          connected = false;
          epoch++;
          for (Token<M> t : tokens) {
            if (t.state != GONE) {
              t.state = LOST;
              lost.add(t);
            }
          }
          tokens.clear();
          break;
        case SUSPENDED:
        case READ_ONLY:
        default:
          connected = false;
          break;
      }
      for (Semaphore w : waiters) {
        w.release();
      }
      monitor.notifyAll();
    }
    for (Token<M> t : lost) {
      events.lost(node, t.czxid);
      execute(
          () -> {
            try {
              callback.revoke(
                  new Revocation<>(t.range, t.mode, Revocation.Reason.LOST, t.czxid << LOCAL_BITS));
            } catch (RuntimeException e) {
              LOG.warn("revocation callback (LOST) of node {} failed", node, e);
            }
          });
    }
    for (Token<M> t : recheck) {
      execute(() -> checkToken(t));
    }
  }

  /**
   * Leaves the cluster: every token is given up after its callback ran ({@code CLOSING}, under the
   * local lock, so this waits for local holds to close), requests still waiting fail with {@link
   * IllegalStateException}, and the node's threads stop. The Curator client is not closed. A second
   * close does nothing.
   */
  @Override
  public void close() {
    List<Token<M>> mine;
    synchronized (monitor) {
      if (closed) {
        return;
      }
      closed = true;
      for (Semaphore w : waiters) {
        w.release();
      }
      monitor.notifyAll();
      mine = new ArrayList<>(tokens);
    }
    timer.shutdownNow();
    for (Token<M> t : mine) {
      synchronized (monitor) {
        if (t.state == RETIRED) {
          t.state = ACTIVE; // give it its callback too: the newer token may be revoked already
        }
      }
      revoke(t, Revocation.Reason.CLOSING);
    }
    client.getConnectionStateListenable().removeListener(connectionListener);
    worker.shutdown();
  }

  @Override
  public String toString() {
    synchronized (monitor) {
      return "ClusterRangeLock[" + path + " node=" + node + " tokens=" + tokens.size() + "]";
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static final class Token<M extends Enum<M>> {
    final String znode;
    final Range range;
    final long czxid;
    volatile M mode;
    int state = ACTIVE;
    int holds;
    int reserved;
    long localGrants;
    long idleSince = System.nanoTime();
    // When the token was installed, or last came back to ACTIVE in a weaker mode: the start of
    // the minimum hold (GFS2's gl_tchange). Written under monitor, read by the revocation.
    volatile long heldSince = System.nanoTime();
    boolean revocationQueued;

    /**
     * A newer overlapping token of this node was installed that does not retire this one: it never
     * serves a hold again, and its revocation gives it up (it is not downgraded).
     */
    boolean superseded;

    Token(String znode, Range range, M mode, long czxid) {
      this.znode = znode;
      this.range = range;
      this.mode = mode;
      this.czxid = czxid;
    }
  }

  /**
   * The data of a request znode: the current mode's ordinal and the revocation flags, a bitmask of
   * the modes that waiting requests of other nodes want (0: nobody asked).
   */
  record TokenData(int mode, long wanted) {
    static TokenData parse(byte[] data, int nameMode) {
      if (data == null || data.length == 0) {
        return new TokenData(nameMode, 0);
      }
      String s = new String(data, StandardCharsets.US_ASCII);
      int mode = nameMode;
      long wanted = 0;
      for (String kv : s.split(";")) {
        if (kv.startsWith("m=")) {
          mode = Integer.parseInt(kv.substring(2));
        } else if (kv.startsWith("w=")) {
          wanted = Long.parseUnsignedLong(kv.substring(2), 16);
        }
      }
      return new TokenData(mode, wanted);
    }

    byte[] bytes() {
      return ("m=" + mode + ";w=" + Long.toHexString(wanted)).getBytes(StandardCharsets.US_ASCII);
    }
  }

  private final class Hold implements ClusterHandle<M> {
    private final RangeHandle<M> local;
    private final Token<M> token;
    private final long fence;
    private final AtomicBoolean closedFlag = new AtomicBoolean();

    Hold(RangeHandle<M> local, Token<M> token, long fence) {
      this.local = local;
      this.token = token;
      this.fence = fence;
    }

    @Override
    public Range range() {
      return local.range();
    }

    @Override
    public M mode() {
      return local.mode();
    }

    @Override
    public long fence() {
      return fence;
    }

    @Override
    public boolean isHeld() {
      if (closedFlag.get()) {
        return false;
      }
      if (token == null) {
        return true;
      }
      synchronized (monitor) {
        return token.state != LOST;
      }
    }

    @Override
    public void downgrade(M weaker) {
      if (closedFlag.get()) {
        throw new IllegalStateException("handle already closed: " + this);
      }
      local.downgrade(weaker); // the token's mode still covers the weaker mode
    }

    @Override
    public void close() {
      if (!closedFlag.compareAndSet(false, true)) {
        throw new IllegalStateException("handle already closed: " + this);
      }
      local.close();
      if (token != null) {
        synchronized (monitor) {
          token.holds--;
        }
        afterUnpin(token);
      }
    }

    @Override
    public String toString() {
      return "ClusterHandle["
          + node
          + " "
          + local.range()
          + " "
          + local.mode()
          + " fence="
          + fence
          + "]";
    }
  }

  /** Configures and starts a node's {@link ClusterRangeLock}. */
  public static final class Builder<M extends Enum<M>> {
    private final CuratorFramework client;
    private final String path;
    private final ModeTable<M> table;
    private String node;
    private RevocationCallback<M> callback = RevocationCallback.none();
    private TokenEvents<M> events = new TokenEvents<>() {};
    private Duration idle = Duration.ofSeconds(30);
    private Duration minHold = Duration.ZERO;
    private long granule = 1;

    private Builder(CuratorFramework client, String path, ModeTable<M> table) {
      this.client = client;
      this.path = path;
      this.table = table;
    }

    /**
     * This node's name, unique among the nodes of the lock: letters, digits, {@code _}, {@code .}
     * and {@code -}, 1 to 64 of them (a host name fits). Required.
     *
     * @param name the node's name, matching {@code [A-Za-z0-9_.-]{1,64}}; it is part of every
     *     request znode's name, so two nodes with one name would take each other's tokens for their
     *     own
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} does not match, naming it
     */
    public Builder<M> node(String name) {
      Objects.requireNonNull(name, "node");
      if (!NODE_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "node name must be 1-64 of [A-Za-z0-9_.-], was \"" + name + "\"");
      }
      this.node = name;
      return this;
    }

    /**
     * The revocation callback (default: keep nothing, do nothing).
     *
     * @param callback called before each of this node's tokens is given up (on a worker thread of
     *     the node; for {@code CLOSING}, on the thread that calls {@link ClusterRangeLock#close()})
     *     or after it was lost; see {@link RevocationCallback#revoke}
     * @return this builder
     * @throws NullPointerException if {@code callback} is null
     */
    public Builder<M> onRevoke(RevocationCallback<M> callback) {
      this.callback = Objects.requireNonNull(callback, "callback");
      return this;
    }

    /**
     * An observer of this node's tokens (default: none).
     *
     * @param events told of every request, grant, withdrawal, downgrade, release and loss of this
     *     node's tokens, on the thread that caused it
     * @return this builder
     * @throws NullPointerException if {@code events} is null
     */
    public Builder<M> events(TokenEvents<M> events) {
      this.events = Objects.requireNonNull(events, "events");
      return this;
    }

    /**
     * Token requests are rounded out to multiples of {@code bytes} (default 1: a token is requested
     * for exactly the range asked for, widened only to the node's overlapping tokens). A larger
     * granule is what Lustre does when it grows extent locks: fewer token requests for a node that
     * walks through its own region, at the price of conflicts with other nodes within a granule.
     *
     * @param bytes the granule in bytes (range units), at least 1; a request's start is rounded
     *     down and its end up to a multiple of it
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public Builder<M> tokenGranule(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("token granule must be positive, was " + bytes);
      }
      this.granule = bytes;
      return this;
    }

    /**
     * How long a token stays cached without a local hold (default 30 s).
     *
     * @param idle the time after the last local hold on a token closes before the token is given up
     *     with reason {@code IDLE}, positive; it is checked every quarter of it (at least every 20
     *     ms), so a token may stay up to that much longer
     * @return this builder
     * @throws NullPointerException if {@code idle} is null
     * @throws IllegalArgumentException if {@code idle} is zero or negative
     */
    public Builder<M> idleTimeout(Duration idle) {
      Objects.requireNonNull(idle, "idleTimeout");
      if (idle.isNegative() || idle.isZero()) {
        throw new IllegalArgumentException("idle timeout must be positive, was " + idle);
      }
      this.idle = idle;
      return this;
    }

    /**
     * How long a token is kept, at least, before another node's conflicting request is served
     * (default zero: at once, once its local holds have drained). GFS2 does this for its glocks
     * (the glock's hold time, at least {@code GL_GLOCK_MIN_HOLD}): a node that was just granted a
     * contended lock uses it for a while before the demotion starts, so two nodes that take turns
     * do not pay a transfer per operation. The price is latency: the other node waits up to this
     * long. During the minimum hold local holds go on being granted under the token; the revocation
     * (drain, callback, release or downgrade) starts when it ends. It applies to revocations asked
     * for by other nodes only, not to idle, closing or lost tokens; a token that a revocation
     * downgraded starts a new minimum hold in its weaker mode.
     *
     * @param minHold the least time from a token's grant (or downgrade) to the start of its
     *     revocation, zero or positive
     * @return this builder
     * @throws NullPointerException if {@code minHold} is null
     * @throws IllegalArgumentException if {@code minHold} is negative
     */
    public Builder<M> minHold(Duration minHold) {
      Objects.requireNonNull(minHold, "minHold");
      if (minHold.isNegative()) {
        throw new IllegalArgumentException("minimum hold must not be negative, was " + minHold);
      }
      this.minHold = minHold;
      return this;
    }

    /**
     * Checks everything and joins: no ZooKeeper operation happens before the first acquire that
     * needs a token.
     *
     * @return this node's lock, open; close it to leave the cluster
     * @throws IllegalStateException if the client is not started (or closed), or no node name
     * @throws IllegalArgumentException if the path is not a valid ZooKeeper path (or is the root),
     *     or the table has no strongest mode (one to which every other mode is weaker)
     */
    public ClusterRangeLock<M> build() {
      if (node == null) {
        throw new IllegalStateException("node name not set: call node(name) first");
      }
      CuratorFrameworkState s = client.getState();
      if (s != CuratorFrameworkState.STARTED) {
        throw new IllegalStateException("Curator client must be started, its state is " + s);
      }
      try {
        PathUtils.validatePath(path);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "invalid ZooKeeper path \"" + path + "\": " + e.getMessage());
      }
      if (path.equals("/")) {
        throw new IllegalArgumentException("the lock path must not be the root \"/\"");
      }
      M strongest = null;
      M[] all = table.modeClass().getEnumConstants();
      for (M s2 : all) {
        boolean top = true;
        for (M m : all) {
          top &= m == s2 || table.isWeaker(m, s2);
        }
        if (top) {
          strongest = s2;
          break;
        }
      }
      if (strongest == null) {
        throw new IllegalArgumentException(
            "table over "
                + table.modeClass().getSimpleName()
                + " has no strongest mode (one every other mode is weaker than); a revocation"
                + " needs one to drain local holds");
      }
      return new ClusterRangeLock<>(this, strongest);
    }
  }
}
