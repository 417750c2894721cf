package org.rangelock.bench.reference;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code kogan-list} and {@code kogan-list-spin}: the lock-free sorted linked-list reader/writer
 * range lock of Kogan, Dice and Issa (EuroSys 2020), written from the description in {@code
 * ANCHORS.md} §2 (and §1.3 for the compare rules, which FreeBSD copied).
 *
 * <ul>
 *   <li>One list of nodes {@code {start, end, reader, next}}, sorted by start; only readers
 *       overlap. A node is released by marking its own {@code next} link; here a link holds either
 *       the next node (or {@code null}) or an immutable {@link Marked} box of it, so a CAS that
 *       expects an unmarked value fails on a marked link, and nothing is ever inserted after a
 *       released node.
 *   <li>Acquire: walk from {@code head}; unlink released nodes on the way (a failed unlink CAS, or
 *       a marked link read, restarts from {@code head}); on a conflict wait until the conflicting
 *       node is marked, then continue from the same predecessor; insert with one CAS. An empty list
 *       is a CAS of {@code head} with no validation.
 *   <li>Validation after insertion. A writer rescans from {@code head} to itself; an unmarked
 *       overlapping predecessor (a reader that slipped in) makes it back off: mark itself and retry
 *       with a fresh node. A reader scans its successors while they start before its end; an
 *       unmarked overlapping writer makes it wait until that writer is marked (the writer either
 *       backs off or already held the range). Trylock fails instead of waiting, marking a node it
 *       already published.
 *   <li>Release: one CAS that marks the node's own link. Nodes are never reused.
 *   <li>Waiting ({@code kogan-list}): spin, yield, then sleep, with the same counts as {@code
 *       RangeLock}; sleeping is FreeBSD's scheme, a sleepers flag and a broadcast under one wait
 *       lock, checked by every release (a read of a flag that is written only when someone sleeps).
 *       {@code kogan-list-spin} only spins ({@link Thread#onSpinWait()}), as in the paper.
 * </ul>
 *
 * The lock is not fair: it is reader-preferring, and a writer's validation can fail repeatedly.
 */
final class KoganListRangeLock implements RangeExclusion {
  private static final int WAIT_SPINS = 128;
  private static final int WAIT_YIELDS = 32;

  static final class Node {
    final long start;
    final long end;
    final boolean reader;

    /** A {@link Node}, {@code null}, or a {@link Marked} once released. */
    volatile Object next;

    Node(long start, long end, boolean reader) {
      this.start = start;
      this.end = end;
      this.reader = reader;
    }
  }

  /** The released form of a link: the successor at the time of release, frozen. */
  static final class Marked {
    final Node succ;

    Marked(Node succ) {
      this.succ = succ;
    }
  }

  /** The sleepers flag and its wait lock, in an object of their own, away from {@code head}. */
  private static final class WaitRoom {
    long p0, p1, p2, p3, p4, p5, p6;
    volatile boolean sleepers;
    long q0, q1, q2, q3, q4, q5, q6;
    final ReentrantLock lock = new ReentrantLock();
    final Condition released = lock.newCondition();
  }

  private static final VarHandle HEAD;
  private static final VarHandle NEXT;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      HEAD = l.findVarHandle(KoganListRangeLock.class, "head", Node.class);
      NEXT = l.findVarHandle(Node.class, "next", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final boolean spinOnly;
  private volatile Node head;
  private final WaitRoom room = new WaitRoom();

  KoganListRangeLock(boolean spinOnly) {
    this.spinOnly = spinOnly;
  }

  @Override
  public String name() {
    return spinOnly ? "kogan-list-spin" : "kogan-list";
  }

  @Override
  public Object lock(long start, long end, boolean shared) {
    return acquire(start, end, shared, false);
  }

  @Override
  public Object tryLock(long start, long end, boolean shared) {
    return acquire(start, end, shared, true);
  }

  @Override
  public void unlock(Object token) {
    release((Node) token);
  }

  private Node acquire(long start, long end, boolean reader, boolean trying) {
    if (start < 0 || end <= start) {
      throw new IllegalArgumentException("bad range [" + start + ", " + end + ")");
    }
    for (; ; ) {
      Node e = new Node(start, end, reader); // a fresh node after every failed validation
      if (!insert(e, trying)) {
        return null; // never published
      }
      if (reader ? readerValidate(e, trying) : writerValidate(e)) {
        return e;
      }
      // e is marked and stays in the list until a walker unlinks it
      if (trying) {
        return null;
      }
    }
  }

  /** The compare of ANCHORS §1.3: -1 walk on, 1 insert before cur, 0 conflict. */
  private static int compare(Node cur, Node e) {
    if (e.start >= cur.end) {
      return -1;
    }
    if (cur.reader && e.reader && e.start >= cur.start) {
      return -1;
    }
    if (cur.start >= e.end) {
      return 1;
    }
    if (cur.reader && e.reader && cur.start >= e.start) {
      return 1;
    }
    return 0;
  }

  private Object link(Node prev) {
    return prev == null ? head : prev.next;
  }

  private boolean casLink(Node prev, Node expect, Node update) {
    return prev == null
        ? HEAD.compareAndSet(this, expect, update)
        : NEXT.compareAndSet(prev, expect, update);
  }

  private boolean insert(Node e, boolean trying) {
    restart:
    for (; ; ) {
      Node prev = null;
      Node cur = head;
      if (cur == null && HEAD.compareAndSet(this, null, e)) {
        return true; // empty list: no validation needed either
      }
      for (; ; ) {
        if (cur != null) {
          Object nx = cur.next;
          if (nx instanceof Marked) {
            Node succ = ((Marked) nx).succ;
            if (!casLink(prev, cur, succ)) {
              continue restart;
            }
            cur = succ;
            continue;
          }
        }
        int c = cur == null ? 1 : compare(cur, e);
        if (c == 0) {
          if (trying) {
            return false;
          }
          awaitMarked(cur);
        } else if (c < 0) {
          prev = cur;
        } else {
          e.next = cur;
          if (casLink(prev, cur, e)) {
            return true;
          }
          e.next = null;
        }
        Object w = link(prev);
        if (w instanceof Marked) {
          continue restart; // prev was released meanwhile
        }
        cur = (Node) w;
      }
    }
  }

  /** Rescan from head to e; an unmarked overlapping predecessor makes e back off. */
  private boolean writerValidate(Node e) {
    restart:
    for (; ; ) {
      Node prev = null;
      Node cur = head;
      while (cur != e) {
        if (cur == null) {
          throw new IllegalStateException("kogan-list: inserted node not reachable");
        }
        Object nx = cur.next;
        if (nx instanceof Marked) {
          Node succ = ((Marked) nx).succ;
          if (!casLink(prev, cur, succ)) {
            continue restart;
          }
          cur = succ;
          continue;
        }
        if (cur.start < e.end && cur.end > e.start) {
          release(e);
          return false;
        }
        prev = cur;
        cur = (Node) nx;
      }
      return true;
    }
  }

  /** Scan e's successors that start before its end; wait out (or, trying, fail on) a writer. */
  private boolean readerValidate(Node e, boolean trying) {
    restart:
    for (; ; ) {
      Node prev = e;
      Node cur = (Node) e.next; // e is ours and unmarked
      while (cur != null && cur.start < e.end) {
        Object nx = cur.next;
        if (nx instanceof Marked) {
          Node succ = ((Marked) nx).succ;
          if (!casLink(prev, cur, succ)) {
            continue restart;
          }
          cur = succ;
          continue;
        }
        if (!cur.reader && cur.end > e.start) {
          if (trying) {
            release(e);
            return false;
          }
          awaitMarked(cur);
          continue restart;
        }
        prev = cur;
        cur = (Node) nx;
      }
      return true;
    }
  }

  private void release(Node e) {
    for (; ; ) {
      Object n = e.next;
      if (n instanceof Marked) {
        throw new IllegalStateException("kogan-list: released twice");
      }
      if (NEXT.compareAndSet(e, n, new Marked((Node) n))) {
        break;
      }
    }
    WaitRoom r = room;
    if (!spinOnly && r.sleepers) {
      r.lock.lock();
      try {
        r.sleepers = false;
        r.released.signalAll();
      } finally {
        r.lock.unlock();
      }
    }
  }

  private void awaitMarked(Node n) {
    for (int i = 0; !(n.next instanceof Marked); i++) {
      if (spinOnly || i < WAIT_SPINS) {
        Thread.onSpinWait();
      } else if (i < WAIT_SPINS + WAIT_YIELDS) {
        Thread.yield();
      } else {
        WaitRoom r = room;
        r.lock.lock();
        try {
          for (; ; ) {
            r.sleepers = true;
            if (n.next instanceof Marked) {
              break;
            }
            r.released.awaitUninterruptibly();
          }
        } finally {
          r.lock.unlock();
        }
      }
    }
  }
}
