package org.rangelock.sim.cases;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.Arrays;
import org.rangelock.sim.kernel.AddressSpace;
import org.rangelock.sim.kernel.Inode;
import org.rangelock.sim.kernel.Kernel;
import org.rangelock.sim.kernel.SigBus;
import org.rangelock.sim.kernel.Vma;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.ViolationKind;

/**
 * What one trial runs on: a machine, the file under test, a second file that reuses freed blocks,
 * one address space with a shared and a private mapping of the file, and helpers the cases and the
 * oracles share.
 */
public final class World {
  /** Pages of the file under test at the start of every case. */
  public static final int PAGES = 4;

  public final Kernel k;
  public final Races races;
  public final Inode file;
  public final Inode other;
  public final AddressSpace mm;

  /** Shared mapping of the whole file (and a page beyond, so loads past EOF can be tried). */
  public final Vma shared;

  /** Private mapping of the same range. */
  public final Vma priv;

  /** Shared mapping of the second file, the same size. */
  public final Vma otherShared;

  /**
   * A read a role made during the race: the file page, how (a load through the shared or the
   * private mapping, or a buffered read), and what it got (null for SIGBUS).
   */
  public record Read(String role, Inode inode, int index, String how, byte[] got) {
    public boolean throughPrivateMapping() {
      return how.equals(PRIVATE_LOAD);
    }
  }

  static final String SHARED_LOAD = "load through the shared mapping";
  static final String PRIVATE_LOAD = "load through the private mapping";
  static final String BUFFERED_READ = "buffered read";
  static final String DIRECT_READ = "direct read";

  /** The reads roles made while {@link #racing}, for the serial-order oracle. */
  final java.util.Queue<Read> reads = new java.util.concurrent.ConcurrentLinkedQueue<>();

  /** Set by the runner from the start of the roles until they have all finished. */
  volatile boolean racing;

  private void record(Inode inode, int index, String how, byte[] got) {
    if (racing) {
      reads.add(new Read(Races.role(), inode, index, how, got == null ? null : got.clone()));
    }
  }

  /** What the roles' system calls returned, by name, for the case's check. */
  public final java.util.Map<String, Integer> returned =
      new java.util.concurrent.ConcurrentHashMap<>();

  World(Kernel k) {
    this.k = k;
    this.races = k.races;
    this.file = k.fs.create();
    this.other = k.fs.create();
    this.mm = k.newAddressSpace();
    this.shared = mm.mmap(file, 0, (PAGES + 1) * (long) PAGE, true);
    this.priv = mm.mmap(file, 0, (PAGES + 1) * (long) PAGE, false);
    this.otherShared = mm.mmap(other, 0, (PAGES + 1) * (long) PAGE, true);
  }

  /** A page of {@code tag} bytes, with the page index in the first byte. */
  public static byte[] page(int tag, int index) {
    byte[] b = new byte[PAGE];
    Arrays.fill(b, (byte) tag);
    b[0] = (byte) index;
    return b;
  }

  public static byte[] zeros() {
    return new byte[PAGE];
  }

  /** {@code base} with {@code patch} laid over it at {@code at}. */
  public static byte[] overlay(byte[] base, byte[] patch, int at) {
    byte[] b = base.clone();
    System.arraycopy(patch, 0, b, at, patch.length);
    return b;
  }

  /** Writes {@code pages} pages of {@code tag} to the file, syncs them and drops the cache. */
  void populate(int tag, int pages) {
    populate(file, tag, pages);
  }

  /** As {@link #populate(int, int)} for {@code inode}. */
  void populate(Inode inode, int tag, int pages) {
    for (int i = 0; i < pages; i++) {
      k.io.write(inode, (long) i * PAGE, page(tag, i));
    }
    k.writeback.fsync(inode);
    k.reclaim.shrink(inode);
  }

  /**
   * The second file writes two pages of {@code tag} and syncs them: the blocks a killer just freed
   * are handed out first, so a stale write into them lands in this file's data.
   */
  void reuseFreedBlocks(int tag) {
    k.io.write(other, 0, page(tag, 0));
    k.io.write(other, PAGE, page(tag, 1));
    k.writeback.fsync(other);
  }

  /**
   * The hole every punch case makes: pages 1 and 2 punched, then the second file takes the freed
   * blocks at once, so that a stale block number a racing role still holds points at that file's
   * data instead of at a free block nobody would notice.
   */
  void punchPagesOneAndTwoAndReuse(int otherTag) {
    k.killers.punchHole(file, PAGE, 2L * PAGE);
    reuseFreedBlocks(otherTag);
  }

  /** Pages 1 and 2 of {@code tag} back to back: the two-page IO the punch cases race. */
  static byte[] pagesOneAndTwo(int tag) {
    byte[] b = new byte[2 * PAGE];
    System.arraycopy(page(tag, 1), 0, b, 0, PAGE);
    System.arraycopy(page(tag, 2), 0, b, PAGE, PAGE);
    return b;
  }

  /**
   * Punched pages 1 and 2 read zeros through {@code mapping} (named {@code mappingName} in the
   * report), then through the cache, page by page: the load goes first because a fault that
   * resurrects the old block also refills the cache, and the order is part of what each case
   * checks.
   */
  void expectPunchedZerosThroughMappingAndCache(Vma mapping, String mappingName) {
    for (int i = 1; i <= 2; i++) {
      expectPunchedZeros(i, "through the " + mappingName, loadPage(mapping, i));
      expectPunchedZeros(i, "through the cache", cachedPage(file, i));
    }
  }

  /**
   * After an fsync, punched pages 1 and 2 read zeros on disk: the fsync writes back whatever a race
   * left dirty, so a resurrected page that was only in the cache reaches the blocks here.
   */
  void expectPunchedZerosOnDiskAfterFsync() {
    k.writeback.fsync(file);
    for (int i = 1; i <= 2; i++) {
      expectPunchedZeros(i, "on disk after fsync", diskPage(file, i));
    }
  }

  /** Reports a resurrection unless punched page {@code index}, seen {@code where}, is zeros. */
  void expectPunchedZeros(int index, String where, byte[] got) {
    expectOneOf(
        ViolationKind.RESURRECTED_DATA, "punched page " + index + " " + where, got, zeros());
  }

  /**
   * Reports a load of page {@code index} through the shared mapping that did not raise SIGBUS,
   * though it lies past EOF at {@code eof}.
   */
  void expectSigbusPastEof(int index, long eof) {
    byte[] past = loadPage(shared, index);
    if (past != null) {
      races.violation(
          ViolationKind.NO_SIGBUS_BEYOND_EOF,
          "load of page " + index + " past EOF " + eof + " returned " + describe(past));
    }
  }

  /** Page {@code index} read through the buffered path (zeros past EOF). */
  public byte[] cachedPage(Inode inode, int index) {
    byte[] got = Arrays.copyOf(k.io.read(inode, (long) index * PAGE, PAGE), PAGE);
    record(inode, index, BUFFERED_READ, got);
    return got;
  }

  /**
   * {@code pages} pages from page {@code index} read with direct IO (short at EOF), each page of it
   * recorded for the serial-order oracle as a read of its own.
   */
  public byte[] directRead(Inode inode, int index, int pages) {
    byte[] got = k.direct.read(inode, (long) index * PAGE, pages * PAGE);
    for (int i = 0; i < pages; i++) {
      int from = i * PAGE;
      byte[] p =
          Arrays.copyOfRange(got, Math.min(from, got.length), Math.min(from + PAGE, got.length));
      record(inode, index + i, DIRECT_READ, Arrays.copyOf(p, PAGE));
    }
    return got;
  }

  /** Page {@code index} loaded through {@code vma}, or null on SIGBUS. */
  public byte[] loadPage(Vma vma, int index) {
    byte[] b = new byte[PAGE];
    try {
      k.mmu.load(mm, vma.address((long) index * PAGE), b, 0, PAGE);
    } catch (SigBus e) {
      b = null;
    }
    record(vma.inode(), index, vma.shared() ? SHARED_LOAD : PRIVATE_LOAD, b);
    return b;
  }

  /** Page {@code index} of {@code inode} on disk (zeros past EOF, holes, unwritten). */
  public byte[] diskPage(Inode inode, int index) {
    byte[] all = k.fs.diskContents(inode);
    byte[] b = new byte[PAGE];
    int from = index * PAGE;
    if (from < all.length) {
      System.arraycopy(all, from, b, 0, Math.min(PAGE, all.length - from));
    }
    return b;
  }

  /** Reports {@code kind} unless {@code got} equals one of {@code allowed}. */
  public boolean expectOneOf(ViolationKind kind, String what, byte[] got, byte[]... allowed) {
    for (byte[] a : allowed) {
      if (Arrays.equals(got, a)) {
        return true;
      }
    }
    races.violation(kind, what + " shows " + describe(got) + "; allowed: " + describeAll(allowed));
    return false;
  }

  static String describeAll(byte[]... pages) {
    StringBuilder b = new StringBuilder();
    for (byte[] p : pages) {
      b.append(b.length() == 0 ? "" : " or ").append(describe(p));
    }
    return b.toString();
  }

  /** A short description of a page's bytes: runs of equal bytes (SIGBUS for null). */
  public static String describe(byte[] p) {
    if (p == null) {
      return "SIGBUS";
    }
    StringBuilder b = new StringBuilder("[");
    int i = 0;
    int runs = 0;
    while (i < p.length && runs < 4) {
      int j = i;
      while (j < p.length && p[j] == p[i]) {
        j++;
      }
      b.append(runs == 0 ? "" : " ").append(String.format("%d×%02x", j - i, p[i] & 0xff));
      i = j;
      runs++;
    }
    return b.append(i < p.length ? " …]" : "]").toString();
  }
}
