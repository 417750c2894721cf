package org.rangelock.bench.reference;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code tree-mutex}: the Linux interval-tree reader/writer range lock (Kara 2013, Bueso and Kara
 * 2017-2019; Lustre's {@code range_lock} is the same shape), written from the description in {@code
 * ANCHORS.md} §3.
 *
 * <ul>
 *   <li>One mutex ({@link ReentrantLock}, standing in for the tree spinlock) around an interval
 *       tree of every request, granted or waiting. The tree is a treap (randomly balanced, expected
 *       O(log n) depth) keyed by {@code (start, seq)} and augmented with the largest end of each
 *       subtree, so an overlap query costs O(log n + overlaps).
 *   <li>Lock: under the mutex, count the overlapping nodes it must wait for (a reader counts
 *       writers, a writer counts everything), insert itself, drop the mutex, and wait until the
 *       count is zero. Counting at insertion makes the lock FIFO among conflicting requests.
 *   <li>Unlock: under the mutex, remove itself and decrement the overlapping nodes that counted it
 *       (all of them for a writer, the writers for a reader); those that reach zero are unparked
 *       after the mutex is dropped.
 *   <li>Trylock: a reader fails if any overlapping writer, granted or queued, is in the tree; a
 *       writer fails if anything overlaps. First the hull test of the 2017 fast path ({@code [min
 *       start, max end)} of the whole tree), which lets a miss skip the walk; unlike the kernel a
 *       hit then does the exact overlap query, so trylock never fails spuriously.
 *   <li>Waiting: spin, yield, then park, with the same counts as {@code RangeLock}.
 * </ul>
 *
 * Not built (not needed by the benchmarks): interruptible and timed waits, hence the seqnum-based
 * cancellation, and downgrade.
 */
final class TreeMutexRangeLock implements RangeExclusion {
  private static final int WAIT_SPINS = 128;
  private static final int WAIT_YIELDS = 32;

  private static final class Node {
    final long start;
    final long end;
    final boolean reader;
    final long seq;
    final int prio;
    final Thread waiter;

    /** Earlier conflicting overlapping requests still in the tree; written under the mutex. */
    volatile int blocking;

    Node left;
    Node right;
    long maxEnd;

    Node(long start, long end, boolean reader, long seq, int prio, Thread waiter) {
      this.start = start;
      this.end = end;
      this.reader = reader;
      this.seq = seq;
      this.prio = prio;
      this.waiter = waiter;
      this.maxEnd = end;
    }

    boolean conflicts(Node o) {
      return !(reader && o.reader);
    }
  }

  private final ReentrantLock mutex = new ReentrantLock();
  private Node root;
  private long seq;
  private int rnd = 0x2545F491;

  @Override
  public String name() {
    return "tree-mutex";
  }

  @Override
  public Object lock(long start, long end, boolean shared) {
    check(start, end);
    Node n;
    mutex.lock();
    try {
      n = new Node(start, end, shared, seq++, nextPrio(), Thread.currentThread());
      n.blocking = root == null ? 0 : count(root, n);
      root = insert(root, n);
    } finally {
      mutex.unlock();
    }
    if (n.blocking != 0) {
      await(n);
    }
    return n;
  }

  @Override
  public Object tryLock(long start, long end, boolean shared) {
    check(start, end);
    mutex.lock();
    try {
      Node n = new Node(start, end, shared, seq, 0, Thread.currentThread());
      if (root != null && !(end <= minStart(root) || start >= root.maxEnd) && count(root, n) != 0) {
        return null;
      }
      seq++;
      Node m = new Node(start, end, shared, n.seq, nextPrio(), n.waiter);
      root = insert(root, m);
      return m;
    } finally {
      mutex.unlock();
    }
  }

  @Override
  public void unlock(Object token) {
    Node n = (Node) token;
    Node[] wake = null;
    int nwake = 0;
    mutex.lock();
    try {
      if (n.blocking != 0) {
        throw new IllegalStateException("tree-mutex: releasing a request not granted");
      }
      int before = size;
      root = delete(root, n);
      if (size == before) {
        throw new IllegalStateException("tree-mutex: released twice");
      }
      if (root != null && n.start < root.maxEnd) {
        wakeBuf = null;
        wakeCount = 0;
        decrement(root, n);
        wake = wakeBuf;
        nwake = wakeCount;
        wakeBuf = null;
      }
    } finally {
      mutex.unlock();
    }
    for (int i = 0; i < nwake; i++) {
      LockSupport.unpark(wake[i].waiter);
    }
  }

  private static void await(Node n) {
    for (int i = 0; n.blocking != 0; i++) {
      if (i < WAIT_SPINS) {
        Thread.onSpinWait();
      } else if (i < WAIT_SPINS + WAIT_YIELDS) {
        Thread.yield();
      } else {
        LockSupport.park(n);
      }
    }
  }

  private static void check(long start, long end) {
    if (start < 0 || end <= start) {
      throw new IllegalArgumentException("bad range [" + start + ", " + end + ")");
    }
  }

  private int nextPrio() {
    int x = rnd;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    rnd = x;
    return x;
  }

  // ---- the augmented treap; everything below runs under the mutex ----

  private int size;
  private Node[] wakeBuf;
  private int wakeCount;

  private static long minStart(Node t) {
    while (t.left != null) {
      t = t.left;
    }
    return t.start;
  }

  /** Overlapping nodes of t that n must wait for. */
  private static int count(Node t, Node n) {
    if (t == null || t.maxEnd <= n.start) {
      return 0;
    }
    int c = count(t.left, n);
    if (t.start < n.end) {
      if (t.end > n.start && n.conflicts(t)) {
        c++;
      }
      c += count(t.right, n);
    }
    return c;
  }

  /** Decrements the overlapping nodes of t that counted the departing n. */
  private void decrement(Node t, Node n) {
    if (t == null || t.maxEnd <= n.start) {
      return;
    }
    decrement(t.left, n);
    if (t.start < n.end) {
      if (t.end > n.start && n.conflicts(t)) {
        int b = t.blocking - 1;
        if (b < 0) {
          throw new IllegalStateException("tree-mutex: blocking count below zero");
        }
        t.blocking = b;
        if (b == 0) {
          if (wakeBuf == null) {
            wakeBuf = new Node[4];
          } else if (wakeCount == wakeBuf.length) {
            wakeBuf = java.util.Arrays.copyOf(wakeBuf, wakeCount * 2);
          }
          wakeBuf[wakeCount++] = t;
        }
      }
      decrement(t.right, n);
    }
  }

  private static boolean less(Node a, Node b) {
    return a.start < b.start || (a.start == b.start && a.seq < b.seq);
  }

  private static void fix(Node t) {
    long m = t.end;
    if (t.left != null && t.left.maxEnd > m) {
      m = t.left.maxEnd;
    }
    if (t.right != null && t.right.maxEnd > m) {
      m = t.right.maxEnd;
    }
    t.maxEnd = m;
  }

  private static Node rotateRight(Node t) {
    Node l = t.left;
    t.left = l.right;
    l.right = t;
    fix(t);
    fix(l);
    return l;
  }

  private static Node rotateLeft(Node t) {
    Node r = t.right;
    t.right = r.left;
    r.left = t;
    fix(t);
    fix(r);
    return r;
  }

  private Node insert(Node t, Node n) {
    if (t == null) {
      size++;
      return n;
    }
    if (less(n, t)) {
      t.left = insert(t.left, n);
      if (t.left.prio > t.prio) {
        return rotateRight(t);
      }
    } else {
      t.right = insert(t.right, n);
      if (t.right.prio > t.prio) {
        return rotateLeft(t);
      }
    }
    fix(t);
    return t;
  }

  private Node delete(Node t, Node n) {
    if (t == null) {
      return null;
    }
    if (t == n) {
      if (t.left == null) {
        size--;
        return t.right;
      }
      if (t.right == null) {
        size--;
        return t.left;
      }
      if (t.left.prio > t.right.prio) {
        t = rotateRight(t);
        t.right = delete(t.right, n);
      } else {
        t = rotateLeft(t);
        t.left = delete(t.left, n);
      }
    } else if (less(n, t)) {
      t.left = delete(t.left, n);
    } else {
      t.right = delete(t.right, n);
    }
    fix(t);
    return t;
  }
}
