package org.rangelock.sim.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.ViolationKind;

/**
 * Page frames: allocated, freed and reused (most recently freed first). Freeing bumps the frame's
 * generation; every access names the generation it expects and an access through a stale one is a
 * {@link ViolationKind#FRAME_USE_AFTER_FREE} (the access still happens, as it would on hardware).
 *
 * <p>Thread-safety: allocation and freeing hold this object's monitor; data copies hold the frame's
 * monitor, so a copy is atomic with respect to other copies of the same frame.
 */
public final class PhysicalMemory {
  public static final int PAGE = 4096;

  private static final class Frame {
    final byte[] data = new byte[PAGE];
    volatile int generation;
    volatile boolean free = true;
  }

  private final List<Frame> frames = new ArrayList<>();
  private final ArrayDeque<Integer> freeList = new ArrayDeque<>();
  private final Races races;
  private int inUse;

  PhysicalMemory(Races races) {
    this.races = races;
  }

  /** A zeroed frame. */
  public synchronized FrameRef allocate() {
    Integer pfn = freeList.poll();
    if (pfn == null) {
      pfn = frames.size();
      frames.add(new Frame());
    }
    Frame f = frames.get(pfn);
    java.util.Arrays.fill(f.data, (byte) 0);
    f.free = false;
    inUse++;
    return new FrameRef(pfn, f.generation);
  }

  public synchronized void free(FrameRef ref) {
    Frame f = frames.get(ref.pfn());
    if (f.free || f.generation != ref.generation()) {
      races.violation(ViolationKind.FRAME_USE_AFTER_FREE, "double free of " + ref);
      return;
    }
    f.free = true;
    f.generation++;
    inUse--;
    freeList.push(ref.pfn());
  }

  /** Frames currently allocated. */
  public synchronized int framesInUse() {
    return inUse;
  }

  /** Whether {@code ref} still names a live frame. */
  public synchronized boolean isLive(FrameRef ref) {
    Frame f = frames.get(ref.pfn());
    return !f.free && f.generation == ref.generation();
  }

  private Frame check(FrameRef ref, String how) {
    Frame f;
    synchronized (this) {
      f = frames.get(ref.pfn());
    }
    if (f.free || f.generation != ref.generation()) {
      races.violation(
          ViolationKind.FRAME_USE_AFTER_FREE,
          how
              + " through "
              + ref
              + " but the frame is now g"
              + f.generation
              + (f.free ? " (free)" : " (reused)"));
    }
    return f;
  }

  public void read(FrameRef ref, int offset, byte[] dst, int dstOffset, int length, String how) {
    Frame f = check(ref, how);
    synchronized (f) {
      System.arraycopy(f.data, offset, dst, dstOffset, length);
    }
  }

  public void write(FrameRef ref, int offset, byte[] src, int srcOffset, int length, String how) {
    Frame f = check(ref, how);
    synchronized (f) {
      System.arraycopy(src, srcOffset, f.data, offset, length);
    }
  }

  public void zero(FrameRef ref, int from, int to, String how) {
    Frame f = check(ref, how);
    synchronized (f) {
      java.util.Arrays.fill(f.data, from, to, (byte) 0);
    }
  }

  /** A copy of the whole frame. */
  public byte[] snapshot(FrameRef ref, String how) {
    byte[] copy = new byte[PAGE];
    read(ref, 0, copy, 0, PAGE, how);
    return copy;
  }
}
