package org.rangelock.bench.mmap;

import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.rangelock.mmap.MappedFile;

/**
 * Issue 16's benchmark: 4 KiB mapped reads at random offsets of a real 64 MiB file by 2 and 8
 * threads, while a churn thread shrinks the file by its last 1 MiB and grows it back every
 * millisecond. {@code rangelock-mmap}: {@link MappedFile#readFully} and {@link MappedFile#truncate}
 * (FAULT on the 4 KiB read, INVALIDATE from the new end). {@code rwlock}: what engines do today,
 * one {@code MappedByteBuffer} of the file guarded by one {@link ReentrantReadWriteLock} (read lock
 * around each read and its size check, write lock around each truncate). Reads past the current end
 * count as {@code eofs} (both check the size under their lock); {@code errors} counts anything else
 * thrown (an {@code InternalError} from a fault), which must stay zero. Throughput is reads of all
 * reader threads per microsecond.
 *
 * <p>{@code floor}: the same reads from one {@code MappedByteBuffer} with no lock <em>and no churn
 * thread</em> (without a lock it could not survive the truncates). Not a competitor: the ceiling
 * every variant is under on this machine, which says how much of a read's cost is the lock's.
 *
 * <p>The file lives in {@code java.io.tmpdir} (override with {@code -Drangelock.bench.dir=DIR}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class MappedTailChurnBench {
  static final int FILE = 64 << 20;
  static final int TAIL = 1 << 20;
  static final int READ = 4096;
  static final long PERIOD_NANOS = 1_000_000;

  @Param({"rangelock-mmap", "rwlock", "rwlock-fair", "floor"})
  public String impl;

  Path path;
  Reader reader;
  Thread churn;
  volatile boolean stop;
  final AtomicLong churnCycles = new AtomicLong();
  final AtomicLong churnErrors = new AtomicLong();

  /** One implementation of "read 4 KiB at an offset" and "set the size". */
  interface Reader {
    /** Reads READ bytes at {@code position} into {@code dst}; false if past the end. */
    boolean read(long position, byte[] dst) throws IOException;

    void setSize(long size) throws IOException;

    void close() throws IOException;
  }

  /** MappedFile: the mapping table on the bytes each call touches. */
  static final class Ours implements Reader {
    final MappedFile file;

    Ours(Path p) throws IOException {
      file = MappedFile.open(p);
    }

    @Override
    public boolean read(long position, byte[] dst) throws IOException {
      try {
        file.readFully(position, dst, 0, READ);
        return true;
      } catch (EOFException e) {
        return false;
      }
    }

    @Override
    public void setSize(long size) throws IOException {
      file.truncate(size);
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }

  /** One MappedByteBuffer and one ReentrantReadWriteLock for the whole file. */
  static final class WholeFileLock implements Reader {
    final RandomAccessFile raf;
    final MappedByteBuffer map;
    final ReentrantReadWriteLock lock;
    volatile long size;

    WholeFileLock(Path p, boolean fair) throws IOException {
      lock = new ReentrantReadWriteLock(fair);
      raf = new RandomAccessFile(p.toFile(), "rw");
      size = raf.length();
      map = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
    }

    @Override
    public boolean read(long position, byte[] dst) {
      ReentrantReadWriteLock.ReadLock r = lock.readLock();
      r.lock();
      try {
        if (position + READ > size) {
          return false;
        }
        map.get((int) position, dst, 0, READ);
        return true;
      } finally {
        r.unlock();
      }
    }

    @Override
    public void setSize(long newSize) throws IOException {
      ReentrantReadWriteLock.WriteLock w = lock.writeLock();
      w.lock();
      try {
        raf.setLength(newSize);
        size = newSize;
      } finally {
        w.unlock();
      }
    }

    @Override
    public void close() throws IOException {
      raf.close();
    }
  }

  /** No lock, for the {@code floor} row only: it runs without the churn thread. */
  static final class Unlocked implements Reader {
    final RandomAccessFile raf;
    final MappedByteBuffer map;

    Unlocked(Path p) throws IOException {
      raf = new RandomAccessFile(p.toFile(), "rw");
      map = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, raf.length());
    }

    @Override
    public boolean read(long position, byte[] dst) {
      map.get((int) position, dst, 0, READ);
      return true;
    }

    @Override
    public void setSize(long size) {
      throw new UnsupportedOperationException("the floor row runs without churn");
    }

    @Override
    public void close() throws IOException {
      raf.close();
    }
  }

  @Setup(Level.Trial)
  public void setup() throws IOException {
    Path dir =
        Path.of(System.getProperty("rangelock.bench.dir", System.getProperty("java.io.tmpdir")));
    path = Files.createTempFile(dir, "mapped-tail-churn", ".bin");
    byte[] chunk = new byte[1 << 20];
    new SplittableRandom(1).nextBytes(chunk);
    try (FileChannel ch = FileChannel.open(path, java.nio.file.StandardOpenOption.WRITE)) {
      for (int i = 0; i < FILE / chunk.length; i++) {
        ch.write(java.nio.ByteBuffer.wrap(chunk));
      }
    }
    switch (impl) {
      case "rangelock-mmap":
        reader = new Ours(path);
        break;
      case "rwlock":
        reader = new WholeFileLock(path, false);
        break;
      case "rwlock-fair":
        reader = new WholeFileLock(path, true);
        break;
      case "floor":
        reader = new Unlocked(path);
        churn = null;
        return;
      default:
        throw new IllegalArgumentException("unknown impl " + impl);
    }
    stop = false;
    churn =
        new Thread(
            () -> {
              long next = System.nanoTime();
              while (!stop) {
                try {
                  reader.setSize(FILE - TAIL);
                  reader.setSize(FILE);
                  churnCycles.incrementAndGet();
                } catch (Throwable e) {
                  churnErrors.incrementAndGet();
                }
                next += PERIOD_NANOS;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                  LockSupport.parkNanos(wait);
                } else {
                  next = System.nanoTime(); // behind schedule: do not burst to catch up
                }
              }
            },
            "tail-churn");
    churn.setDaemon(true);
    churn.start();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    stop = true;
    if (churn == null) {
      reader.close();
      Files.deleteIfExists(path);
      return;
    }
    churn.join();
    System.out.printf(
        "%n%s: churn cycles %d (shrink+grow, target one per ms), churn errors %d%n",
        impl, churnCycles.get(), churnErrors.get());
    reader.close();
    Files.deleteIfExists(path);
    if (churnErrors.get() != 0) {
      throw new IllegalStateException("the churn thread failed " + churnErrors.get() + " times");
    }
  }

  /** Per-thread counts, reported by JMH beside the throughput. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Counts {
    public long eofs;
    public long errors;
    final SplittableRandom rnd = new SplittableRandom(Thread.currentThread().getId());
    final byte[] dst = new byte[READ];
  }

  long readOnce(Counts c, Blackhole bh) {
    long position = c.rnd.nextInt(FILE - READ + 1);
    try {
      if (!reader.read(position, c.dst)) {
        c.eofs++;
      }
    } catch (Throwable e) {
      c.errors++;
    }
    bh.consume(c.dst[(int) (position & (READ - 1))]);
    return position;
  }

  @Benchmark
  @Threads(2)
  public long read2(Counts c, Blackhole bh) {
    return readOnce(c, bh);
  }

  @Benchmark
  @Threads(8)
  public long read8(Counts c, Blackhole bh) {
    return readOnce(c, bh);
  }
}
