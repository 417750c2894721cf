package org.rangelock.mmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's evidence with the lock: mapped readers (readFully, ByteBuffer reads, getLong, views)
 * and buffered readers at random offsets and lengths, against one thread that shrinks and grows the
 * file and rewrites pages, on a real file, for at least a million mapped accesses. No read may
 * fault, and every read must return exactly what the file held at some instant during the read (the
 * size, for an EOFException; the bytes, by CRC-32C), which is checked afterwards against a shadow
 * model replaying the churn thread's operations in their order.
 *
 * <p>The timestamps: the churn thread publishes {@code started = e + 1} before operation {@code e}
 * and {@code done = e + 1} after it; a read takes {@code t0 = done} before and {@code t1 = started}
 * after. Any effect a read can see is of an operation that started before {@code t1}, and every
 * operation done before {@code t0} is visible to it (the lock's release/acquire edge, or the
 * volatile size), so the read is explained if it equals the state after {@code k} operations for
 * some {@code t0 <= k <= t1}. Mapped writes are not in the mix: they hold FAULT, compatible with
 * mapped reads, so a read may legitimately see part of one (see MappedFile's class comment); the
 * churn's writes go through the channel (WRITE, which excludes FAULT). Buffered reads (READ) are in
 * the mix too; READ is compatible with WRITE, so one that overlaps a write running in its window
 * may see part of it: those are counted and printed, not failed.
 */
class ChurnShadowTest {
  static final int PAGE = 4096;
  static final int MAX_PAGES = 64;
  static final int MAX = PAGE * MAX_PAGES;
  static final int READERS = 2;
  static final int MAPPED_PER_READER = 500_000;
  static final long EOF = Long.MIN_VALUE;

  static final int TRUNCATE = 0;
  static final int WRITE = 1;

  /** Content of a page written with generation {@code gen}: distinct per (gen, page). */
  static void fillPage(byte[] dst, int at, long gen, int page) {
    long seed = mix(gen * 0x9E3779B97F4A7C15L + page);
    for (int j = 0; j < PAGE; j++) {
      dst[at + j] = (byte) ((seed >>> ((j & 7) << 3)) + (j >>> 3));
    }
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** One reader's record of what it saw. */
  static final class Reads {
    final long[] t0;
    final long[] t1;
    final long[] off;
    final int[] len;
    final byte[] op;
    final long[] crc;
    int n;
    long mapped;

    Reads(int cap) {
      t0 = new long[cap];
      t1 = new long[cap];
      off = new long[cap];
      len = new int[cap];
      op = new byte[cap];
      crc = new long[cap];
    }
  }

  @Test
  void everyReadUnderChurnIsExplainedBySomeSerialOrder() throws Exception {
    int maxEvents = 4_000_000;
    int[] kind = new int[maxEvents];
    long[] argA = new long[maxEvents];
    long[] argB = new long[maxEvents];
    AtomicLong started = new AtomicLong();
    AtomicLong done = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Reads[] reads = new Reads[READERS];
    long t = System.nanoTime();

    try (MappedFile f = MappedFile.open(TestFiles.fresh("churn.bin"), 16)) {
      Thread[] readers = new Thread[READERS];
      for (int r = 0; r < READERS; r++) {
        Reads rec = reads[r] = new Reads(MAPPED_PER_READER * 3 / 2);
        long seed = 1000 + r;
        readers[r] =
            new Thread(
                () -> {
                  try {
                    read(f, rec, new SplittableRandom(seed), started, done);
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                },
                "reader-" + r);
      }
      for (Thread th : readers) {
        th.start();
      }
      SplittableRandom rnd = new SplittableRandom(7);
      int e = 0;
      long size = 0;
      long gen = 0;
      byte[] buf = new byte[3 * PAGE];
      while (anyAlive(readers) && e < maxEvents && failure.get() == null) {
        int c = rnd.nextInt(10);
        if (c < 3) {
          kind[e] = TRUNCATE;
          argA[e] = (long) PAGE * rnd.nextInt((int) (size / PAGE) + 1);
        } else if (c < 5) {
          kind[e] = TRUNCATE;
          argA[e] = (long) PAGE * (size / PAGE + rnd.nextInt(MAX_PAGES - (int) (size / PAGE) + 1));
        } else {
          kind[e] = WRITE;
          argA[e] = rnd.nextInt(MAX_PAGES - 2);
          argB[e] = ++gen;
        }
        started.set(e + 1);
        if (kind[e] == TRUNCATE) {
          f.truncate(argA[e]);
          size = argA[e];
        } else {
          int pages = 1 + (int) (gen % 3);
          for (int i = 0; i < pages; i++) {
            fillPage(buf, i * PAGE, gen, (int) argA[e] + i);
          }
          f.writeBuffered(argA[e] * PAGE, ByteBuffer.wrap(buf, 0, pages * PAGE));
          size = Math.max(size, (argA[e] + pages) * PAGE);
        }
        done.set(e + 1);
        e++;
        LockSupport.parkNanos(rnd.nextInt(20_000, 60_000));
      }
      for (Thread th : readers) {
        th.join(600_000);
        assertTrue(!th.isAlive(), th.getName() + " did not finish");
      }
      if (failure.get() != null) {
        throw new AssertionError("a reader failed", failure.get());
      }
      System.out.printf(
          "churn: %d operations, %d reads (%d mapped) in %.1f s%n",
          e,
          Arrays.stream(reads).mapToInt(x -> x.n).sum(),
          Arrays.stream(reads).mapToLong(x -> x.mapped).sum(),
          (System.nanoTime() - t) / 1e9);
      check(e, kind, argA, argB, reads);
    }
  }

  /** The checker itself: a read that no state in its window explains is reported. */
  @Test
  void checkerRejectsAReadThatNoStateInItsWindowExplains() {
    int[] kind = {WRITE, TRUNCATE, WRITE};
    long[] argA = {0, 0, 0};
    long[] argB = {1, 0, 2};
    byte[] page = new byte[PAGE];
    CRC32C crc = new CRC32C();
    Reads ok = new Reads(4);
    Reads stale = new Reads(4);
    // gen 1 of page 0, read in window [1, 1]: explained. The same bytes read in [2, 3], after the
    // truncate to 0 and the rewrite with gen 2: not explained.
    fillPage(page, 0, 1, 0);
    crc.update(page, 0, 64);
    for (Reads r : new Reads[] {ok, stale}) {
      r.off[0] = 0;
      r.len[0] = 64;
      r.crc[0] = crc.getValue();
      r.n = 1;
    }
    ok.t0[0] = 1;
    ok.t1[0] = 1;
    stale.t0[0] = 2;
    stale.t1[0] = 3;
    AssertionError e =
        org.junit.jupiter.api.Assertions.assertThrows(
            AssertionError.class, () -> check(3, kind, argA, argB, new Reads[] {ok, stale}));
    assertTrue(e.getMessage().contains("window [2, 3]"), e.getMessage());
  }

  /** Whether a write that started in [t0, t1) overlaps [off, off + len). */
  static boolean writeOverlaps(
      long t0, long t1, long off, int len, int[] kind, long[] argA, long[] argB) {
    for (long e = t0; e < t1; e++) {
      if (kind[(int) e] == WRITE) {
        long start = argA[(int) e] * PAGE;
        long end = start + (1 + argB[(int) e] % 3) * PAGE;
        if (start < off + len && off < end) {
          return true;
        }
      }
    }
    return false;
  }

  static boolean anyAlive(Thread[] ts) {
    for (Thread th : ts) {
      if (th.isAlive()) {
        return true;
      }
    }
    return false;
  }

  static void read(
      MappedFile f, Reads rec, SplittableRandom rnd, AtomicLong started, AtomicLong done)
      throws Exception {
    byte[] dst = new byte[8192];
    ByteBuffer heap = ByteBuffer.wrap(dst);
    CRC32C crc = new CRC32C();
    while (rec.mapped < MAPPED_PER_READER && rec.n < rec.t0.length) {
      int op = rnd.nextInt(5);
      long off = rnd.nextInt(MAX);
      int len = rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(8192) : 1 + rnd.nextInt(1024);
      if (op == 2) {
        len = 8;
      }
      long t0 = done.get();
      boolean eof = false;
      try {
        switch (op) {
          case 0:
            f.readFully(off, dst, 0, len);
            break;
          case 1:
            heap.clear().limit(len);
            f.read(off, heap);
            break;
          case 2:
            long v = f.getLong(off);
            for (int i = 7; i >= 0; i--) {
              dst[i] = (byte) v;
              v >>>= 8;
            }
            break;
          case 3:
            try (MappedView view = f.view(off, len)) {
              view.get(0, dst, 0, len);
            }
            break;
          default:
            heap.clear().limit(len);
            f.readBuffered(off, heap);
            break;
        }
      } catch (EOFException x) {
        eof = true;
      }
      long t1 = started.get();
      int i = rec.n++;
      rec.t0[i] = t0;
      rec.t1[i] = t1;
      rec.off[i] = off;
      rec.len[i] = len;
      rec.op[i] = (byte) op;
      if (eof) {
        rec.crc[i] = EOF;
      } else {
        crc.reset();
        crc.update(dst, 0, len);
        rec.crc[i] = crc.getValue();
      }
      if (op != 4) {
        rec.mapped++;
      }
    }
  }

  /** Replays the operations on a shadow file and finds, for every read, a k that explains it. */
  static void check(int events, int[] kind, long[] argA, long[] argB, Reads[] reads) {
    int total = 0;
    for (Reads r : reads) {
      total += r.n;
    }
    long[] order = new long[total];
    int[] who = new int[total];
    int[] idx = new int[total];
    int q = 0;
    for (int r = 0; r < reads.length; r++) {
      for (int i = 0; i < reads[r].n; i++) {
        who[q] = r;
        idx[q] = i;
        order[q] = (reads[r].t0[i] << 22) | q;
        q++;
      }
    }
    Arrays.sort(order);
    byte[] shadow = new byte[MAX];
    long size = 0;
    CRC32C crc = new CRC32C();
    List<Integer> active = new ArrayList<>();
    int next = 0;
    long eofs = 0;
    long data = 0;
    long truncates = 0;
    long tornBuffered = 0;
    List<String> failures = new ArrayList<>();
    for (int k = 0; k <= events; k++) {
      if (k > 0) {
        int e = k - 1;
        if (kind[e] == TRUNCATE) {
          long s = argA[e];
          if (s < size) {
            Arrays.fill(shadow, (int) s, (int) size, (byte) 0);
          }
          size = s;
          truncates++;
        } else {
          long gen = argB[e];
          int pages = 1 + (int) (gen % 3);
          for (int i = 0; i < pages; i++) {
            fillPage(shadow, (int) (argA[e] + i) * PAGE, gen, (int) argA[e] + i);
          }
          size = Math.max(size, (argA[e] + pages) * PAGE);
        }
      }
      while (next < total && (order[next] >>> 22) == k) {
        active.add((int) (order[next] & ((1 << 22) - 1)));
        next++;
      }
      for (int a = active.size() - 1; a >= 0; a--) {
        int qi = active.get(a);
        Reads r = reads[who[qi]];
        int i = idx[qi];
        long off = r.off[i];
        int len = r.len[i];
        boolean explained;
        if (r.crc[i] == EOF) {
          explained = off + len > size;
        } else if (off + len > size) {
          explained = false;
        } else {
          crc.reset();
          crc.update(shadow, (int) off, len);
          explained = crc.getValue() == r.crc[i];
        }
        if (explained) {
          if (r.crc[i] == EOF) {
            eofs++;
          } else {
            data++;
          }
          active.set(a, active.get(active.size() - 1));
          active.remove(active.size() - 1);
        } else if (r.t1[i] <= k
            && r.op[i] == 4
            && writeOverlaps(r.t0[i], r.t1[i], off, len, kind, argA, argB)) {
          // A buffered read (READ) overlapping a concurrent buffered write (WRITE): the table makes
          // them compatible (POSIX read/write atomicity is a coarser lock's job), so the read may
          // see part of the write. Counted, not failed; mapped reads (FAULT) get no such pass.
          tornBuffered++;
          active.set(a, active.get(active.size() - 1));
          active.remove(active.size() - 1);
        } else if (r.t1[i] <= k) {
          if (failures.size() < 5) {
            failures.add(
                String.format(
                    "read [%d, +%d) (op %d) by reader %d in window [%d, %d] returned %s; no state"
                        + " in the window has that (size at the end of the window %d)",
                    off,
                    len,
                    r.op[i],
                    who[qi],
                    r.t0[i],
                    r.t1[i],
                    r.crc[i] == EOF ? "EOF" : "crc " + r.crc[i],
                    size));
          }
          active.set(a, active.get(active.size() - 1));
          active.remove(active.size() - 1);
        }
      }
    }
    System.out.printf(
        "shadow check: %d reads explained (%d EOF, %d data), %d buffered reads torn by an"
            + " overlapping buffered write (allowed), %d truncates replayed, %d failures%n",
        eofs + data, eofs, data, tornBuffered, truncates, failures.size());
    assertEquals(List.of(), failures, "reads no serial order explains");
    assertEquals(total, eofs + data + tornBuffered, "every read checked");
    assertTrue(eofs > 1000 && data > 100_000, "the mix met the end of the file and read data");
    assertTrue(truncates > 1000, "churn truncates: " + truncates);
  }
}
