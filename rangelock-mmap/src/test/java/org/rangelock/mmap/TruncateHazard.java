package org.rangelock.mmap;

import java.io.EOFException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fault-vs-truncate hazard as a program, run by {@link TruncateHazardTest} in a forked JVM (a
 * crash then fails only that fork). A 1 MiB file is read at random 4 KiB pages by reader threads
 * while one thread truncates it to 4 KiB and grows it back, again and again. {@code raw}: through a
 * plain {@link MappedByteBuffer} of the whole file, as engines do without a lock; {@code locked}:
 * through {@link MappedFile}. Runs at least the given time, then until 10 faults (raw) or 100 EOFs
 * (locked) were counted, at most 20 times as long. Prints one line {@code accesses=N
 * internalErrors=E eofs=F truncates=T}.
 */
public final class TruncateHazard {
  static final int FILE = 1 << 20;
  static final int SMALL = 4096;
  static final int PAGE = 4096;

  /** Keeps the file shrunk for ~20 us, so that reads meet it often enough to count. */
  static void stayShrunk() {
    long until = System.nanoTime() + 20_000;
    while (System.nanoTime() < until) {
      Thread.onSpinWait();
    }
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    long millis = Long.parseLong(args[1]);
    int readers = Integer.parseInt(args[2]);
    Path path = Path.of(args[3]);
    Files.write(path, new byte[FILE]);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong accesses = new AtomicLong();
    AtomicLong internalErrors = new AtomicLong();
    AtomicLong eofs = new AtomicLong();
    AtomicLong truncates = new AtomicLong();
    Thread[] threads = new Thread[readers + 1];
    if (mode.equals("raw")) {
      RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw");
      MappedByteBuffer map = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, FILE);
      threads[0] =
          new Thread(
              () -> {
                try {
                  while (!stop.get()) {
                    raf.setLength(SMALL);
                    stayShrunk();
                    raf.setLength(FILE);
                    truncates.incrementAndGet();
                  }
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      for (int r = 1; r <= readers; r++) {
        threads[r] =
            new Thread(
                () -> {
                  byte[] dst = new byte[PAGE];
                  ThreadLocalRandom rnd = ThreadLocalRandom.current();
                  // HotSpot may deliver the fault asynchronously, at a later instruction of
                  // compiled code ("a fault occurred in a recent unsafe memory access"), so the
                  // whole loop is inside the handler and starts again after it.
                  while (!stop.get()) {
                    try {
                      while (!stop.get()) {
                        int page = rnd.nextInt(FILE / PAGE);
                        accesses.incrementAndGet();
                        map.get(page * PAGE, dst, 0, PAGE);
                      }
                    } catch (InternalError e) {
                      internalErrors.incrementAndGet();
                    }
                  }
                });
      }
    } else {
      MappedFile f = MappedFile.open(path);
      threads[0] =
          new Thread(
              () -> {
                try {
                  while (!stop.get()) {
                    f.truncate(SMALL);
                    stayShrunk();
                    f.truncate(FILE);
                    truncates.incrementAndGet();
                  }
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      for (int r = 1; r <= readers; r++) {
        threads[r] =
            new Thread(
                () -> {
                  byte[] dst = new byte[PAGE];
                  ThreadLocalRandom rnd = ThreadLocalRandom.current();
                  while (!stop.get()) {
                    int page = rnd.nextInt(FILE / PAGE);
                    try {
                      f.readFully((long) page * PAGE, dst, 0, PAGE);
                    } catch (EOFException e) {
                      eofs.incrementAndGet();
                    } catch (InternalError e) {
                      internalErrors.incrementAndGet();
                    } catch (Exception e) {
                      throw new RuntimeException(e);
                    }
                    accesses.incrementAndGet();
                  }
                });
      }
    }
    // A fault delivered at a bytecode outside the try (it happens: "at TruncateHazard.java:<the
    // loop's closing brace>") kills the thread; count those too.
    AtomicLong escaped = new AtomicLong();
    for (Thread t : threads) {
      t.setUncaughtExceptionHandler(
          (th, e) -> {
            if (e instanceof InternalError) {
              escaped.incrementAndGet();
            } else {
              e.printStackTrace();
            }
          });
      t.start();
    }
    // Run at least `millis`, then until the hazard (raw) or the shrunk file (locked) was met often
    // enough to count, at most 20 times `millis`: a loaded machine schedules the threads late.
    long start = System.nanoTime();
    Thread.sleep(millis);
    while (System.nanoTime() - start < 20 * millis * 1_000_000L
        && (mode.equals("raw") ? internalErrors.get() + escaped.get() < 10 : eofs.get() < 100)) {
      Thread.sleep(50);
    }
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    System.out.println(
        "accesses="
            + accesses.get()
            + " internalErrors="
            + internalErrors.get()
            + " eofs="
            + eofs.get()
            + " truncates="
            + truncates.get()
            + " escaped="
            + escaped.get());
  }
}
