package org.rangelock.sim.fsx;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.rangelock.sim.exclusion.Strategy;
import org.rangelock.sim.kernel.AddressSpace;
import org.rangelock.sim.kernel.Inode;
import org.rangelock.sim.kernel.Kernel;
import org.rangelock.sim.kernel.Vma;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.Violation;

/**
 * Replays an fsx operation log on a fresh simulated file and checks every read against {@link
 * Shadow}, the sim's own byte-array copy of the file. {@code read}/{@code write} go through the
 * buffered path (or direct IO where aligned, with {@code direct}), {@code mapread}/{@code mapwrite}
 * through a shared mapping and the MMU, the rest through their filesystem operations.
 *
 * <p>With {@code background}, the flusher, a reclaim thread and a reader of a second file run
 * during the replay. At the end the file is read through the cache, then synced, its cache dropped,
 * and read again from the disk: both must equal the shadow.
 */
public final class FsxReplay {
  /** How to replay. */
  /**
   * How to replay.
   *
   * @param pollutePostEof fsx {@code -e 1}: before every operation that may grow the file, store
   *     garbage through a shared mapping into the EOF page past EOF; it must never become file data
   *     (xfstests generic/363)
   */
  public record Options(
      boolean direct, boolean background, Strategy strategy, boolean pollutePostEof) {
    public Options(boolean direct, boolean background, Strategy strategy) {
      this(direct, background, strategy, false);
    }

    public static Options plain() {
      return new Options(false, false, Strategy.RANGE_LOCK);
    }
  }

  /**
   * What the replay produced.
   *
   * @param cached the file read through the cache at the end
   * @param disk the file read from disk after fsync and dropping the cache
   * @param shadow what the shadow model says the file is
   * @param problems read mismatches, final mismatches and violations, in order
   */
  public record Result(
      byte[] cached,
      byte[] disk,
      byte[] shadow,
      int[] writers,
      List<String> problems,
      int ops,
      int readsChecked) {
    public boolean ok() {
      return problems.isEmpty();
    }

    /** Which log line last wrote (or zeroed) byte {@code offset} of the replayed file. */
    public String cause(int offset) {
      return Shadow.cause(writers, writers.length, offset);
    }
  }

  private final List<FsxOp> ops;
  private final byte[] pattern;
  private final Options options;
  private final Kernel kernel;
  private final Inode file;
  private final AddressSpace mm;
  private final Shadow shadow = new Shadow();
  private final List<String> problems = new ArrayList<>();
  private int reads;

  private FsxReplay(List<FsxOp> ops, byte[] pattern, Options options) {
    if (pattern.length == 0) {
      throw new IllegalArgumentException("empty pattern file");
    }
    this.ops = ops;
    this.pattern = pattern;
    this.options = options;
    this.kernel = new Kernel(options.strategy().create(), Races.quiet(), 4096);
    this.file = kernel.fs.create();
    this.mm = kernel.newAddressSpace();
  }

  public static Result replay(List<FsxOp> ops, byte[] pattern, Options options) {
    try {
      return new FsxReplay(ops, pattern, options).run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private Result run() throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> helpers = new ArrayList<>();
    AtomicLong backgroundReads = new AtomicLong();
    if (options.background()) {
      helpers.addAll(startBackground(stop, backgroundReads));
    }
    try {
      for (FsxOp op : ops) {
        apply(op);
        if (problems.size() > 20) {
          break;
        }
      }
    } finally {
      stop.set(true);
      for (Thread t : helpers) {
        t.join(10_000);
      }
      kernel.writeback.stopFlusher();
    }
    byte[] cached = kernel.io.read(file, 0, (int) file.size());
    byte[] expected = shadow.contents();
    compare("final contents through the cache", cached, expected, 0, null);
    kernel.writeback.fsync(file);
    kernel.reclaim.shrink(file);
    byte[] disk = kernel.fs.diskContents(file);
    compare("final contents on disk after fsync and cache drop", disk, expected, 0, null);
    for (Violation v : kernel.races.violations()) {
      problems.add("violation " + v);
    }
    return new Result(
        cached,
        disk,
        expected,
        Arrays.copyOf(shadow.writer, shadow.size),
        List.copyOf(problems),
        ops.size(),
        reads);
  }

  private List<Thread> startBackground(AtomicBoolean stop, AtomicLong count) {
    kernel.writeback.startFlusher(200);
    Inode other = kernel.fs.create();
    byte[] otherData = new byte[16 * PAGE];
    for (int i = 0; i < otherData.length; i++) {
      otherData[i] = (byte) (i * 7 + 3);
    }
    kernel.io.write(other, 0, otherData);
    Thread reclaim =
        new Thread(
            () -> {
              while (!stop.get()) {
                kernel.reclaim.shrink(file);
                kernel.reclaim.shrink(other);
                Thread.yield();
              }
            },
            "reclaim");
    Thread reader =
        new Thread(
            () -> {
              int i = 0;
              while (!stop.get()) {
                int off = (int) ((i++ * 5003L) % (otherData.length - 100));
                byte[] got = kernel.io.read(other, off, 100);
                if (!Arrays.equals(got, Arrays.copyOfRange(otherData, off, off + 100))) {
                  synchronized (problems) {
                    problems.add("background reader of a second file saw wrong data at " + off);
                  }
                  return;
                }
                count.incrementAndGet();
              }
            },
            "reader");
    for (Thread t : List.of(reclaim, reader)) {
      t.setDaemon(true);
      t.setUncaughtExceptionHandler(
          (th, e) -> {
            synchronized (problems) {
              problems.add("background " + th.getName() + " failed: " + e);
            }
          });
    }
    reclaim.start();
    reader.start();
    return List.of(reclaim, reader);
  }

  private byte[] data(FsxOp op, long offset, long length) {
    byte[] b = new byte[(int) length];
    for (int j = 0; j < b.length; j++) {
      long i = offset + j;
      int p = (i & 1) == 1 ? pattern[(int) (i % pattern.length)] & 0xff : 0;
      b[j] = (byte) (op.line() + p);
    }
    return b;
  }

  /** Whether {@code op} may move EOF up (fsx pollutes before these). */
  private boolean mayGrow(FsxOp op) {
    switch (op.op()) {
      case "write":
      case "mapwrite":
        return op.arg(0) + op.arg(1) > file.size();
      case "truncate":
        return op.arg(1) > file.size();
      case "fallocate":
      case "zero_range":
        return !op.keepSize() && op.arg(0) + op.arg(1) > file.size();
      case "insert_range":
      case "copy_range":
        return true;
      default:
        return false;
    }
  }

  /** fsx's {@code pollute_eofpage}: garbage past EOF in the EOF page, through a shared mapping. */
  private void polluteEofPage() {
    long size = file.size();
    if (size % PAGE == 0) {
      return;
    }
    long base = size / PAGE * PAGE;
    byte[] junk = new byte[(int) (PAGE - size % PAGE)];
    Arrays.fill(junk, (byte) 0xEE);
    Vma vma = mm.mmap(file, base, PAGE, true);
    try {
      kernel.mmu.store(mm, vma.address(size), junk, 0, junk.length);
    } finally {
      mm.munmap(vma);
    }
  }

  private static boolean aligned(long offset, long length) {
    return offset % PAGE == 0 && length % PAGE == 0 && length > 0;
  }

  private void apply(FsxOp op) {
    if (op.sizeBefore() != shadow.size) {
      synchronized (problems) {
        problems.add(
            op
                + ": fsx saw size 0x"
                + Long.toHexString(op.sizeBefore())
                + ", replay has 0x"
                + Long.toHexString(shadow.size));
      }
    }
    int line = op.line();
    if (options.pollutePostEof() && mayGrow(op)) {
      polluteEofPage();
    }
    switch (op.op()) {
      case "write":
        {
          long off = op.arg(0);
          long len = op.arg(1);
          byte[] d = data(op, off, len);
          if (options.direct() && aligned(off, len)) {
            kernel.direct.write(file, off, d);
          } else {
            kernel.io.write(file, off, d);
          }
          shadow.write(off, d, line);
          break;
        }
      case "mapwrite":
        {
          long off = op.arg(0);
          long len = op.arg(1);
          if (len == 0) {
            break;
          }
          if (off + len > file.size()) {
            kernel.killers.truncate(file, off + len); // fsx extends with ftruncate first
            shadow.resize(off + len, line);
          }
          byte[] d = data(op, off, len);
          long base = off / PAGE * PAGE;
          Vma vma = mm.mmap(file, base, off + len - base, true);
          try {
            kernel.mmu.store(mm, vma.address(off), d, 0, d.length);
            kernel.writeback.fsync(file); // msync(MS_SYNC)
          } finally {
            mm.munmap(vma);
          }
          shadow.write(off, d, line);
          break;
        }
      case "read":
        {
          long off = op.arg(0);
          long len = op.arg(1);
          byte[] got =
              options.direct() && aligned(off, len)
                  ? kernel.direct.read(file, off, (int) len)
                  : kernel.io.read(file, off, (int) len);
          check(op, off, got, shadow.read(off, len));
          break;
        }
      case "mapread":
        {
          long off = op.arg(0);
          long len = Math.min(op.arg(1), Math.max(0, file.size() - off));
          if (len == 0) {
            break;
          }
          long base = off / PAGE * PAGE;
          Vma vma = mm.mmap(file, base, off + len - base, true);
          byte[] got = new byte[(int) len];
          try {
            kernel.mmu.load(mm, vma.address(off), got, 0, got.length);
          } finally {
            mm.munmap(vma);
          }
          check(op, off, got, shadow.read(off, len));
          break;
        }
      case "truncate":
        kernel.killers.truncate(file, op.arg(1));
        shadow.resize(op.arg(1), line);
        break;
      case "fallocate":
        {
          long off = op.arg(0);
          long len = op.arg(1);
          kernel.killers.fallocate(file, off, len, op.keepSize());
          if (!op.keepSize() && off + len > shadow.size) {
            shadow.resize(off + len, line);
          }
          break;
        }
      case "punch_hole":
        kernel.killers.punchHole(file, op.arg(0), op.arg(1));
        shadow.zero(op.arg(0), op.arg(0) + op.arg(1), line);
        break;
      case "zero_range":
        {
          long off = op.arg(0);
          long len = op.arg(1);
          kernel.killers.zeroRange(file, off, len, op.keepSize());
          if (!op.keepSize() && off + len > shadow.size) {
            shadow.resize(off + len, line);
          }
          shadow.zero(off, off + len, line);
          break;
        }
      case "collapse_range":
        kernel.killers.collapseRange(file, op.arg(0), op.arg(1));
        shadow.collapse(op.arg(0), op.arg(1));
        break;
      case "insert_range":
        kernel.killers.insertRange(file, op.arg(0), op.arg(1));
        shadow.insert(op.arg(0), op.arg(1), line);
        break;
      case "copy_range":
        {
          long src = op.arg(0);
          long len = op.arg(1);
          long dst = op.arg(2);
          byte[] d = shadow.read(src, len);
          kernel.killers.copyRange(file, src, len, dst);
          if (d.length > 0) {
            shadow.write(dst, d, line);
          }
          break;
        }
      case "fsync":
        kernel.writeback.fsync(file);
        break;
      default:
        throw new IllegalArgumentException(op + ": unsupported operation '" + op.op() + "'");
    }
  }

  private void check(FsxOp op, long offset, byte[] got, byte[] expected) {
    reads++;
    compare(op.toString(), got, expected, offset, op);
  }

  private void compare(String what, byte[] got, byte[] expected, long base, FsxOp op) {
    int n = Math.min(got.length, expected.length);
    for (int i = 0; i < n; i++) {
      if (got[i] != expected[i]) {
        int at = (int) (base + i);
        synchronized (problems) {
          problems.add(
              String.format(
                  "%s: first difference at offset 0x%x: got 0x%02x, expected 0x%02x (%s)",
                  what, at, got[i] & 0xff, expected[i] & 0xff, shadow.cause(at)));
        }
        return;
      }
    }
    if (got.length != expected.length) {
      synchronized (problems) {
        problems.add(what + ": length " + got.length + ", expected " + expected.length);
      }
    }
  }
}
