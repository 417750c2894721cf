package org.rangelock.sim.kernel;

import java.util.ArrayDeque;
import java.util.Arrays;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.ViolationKind;

/**
 * A disk of fixed-size blocks with contents and an owner per block. The allocator hands out the
 * most recently freed block first, so a stale write into a freed block lands in whatever file got
 * it next, and the owner check catches it.
 *
 * <p>Thread-safety: every method is atomic (one monitor); a block read or write is the unit of
 * atomicity, as a sector write is for a real disk.
 */
public final class BlockDevice {
  public static final int BLOCK = 4096;
  public static final int FREE = -1;

  private final byte[][] blocks;
  private final int[] owner;
  private final ArrayDeque<Integer> free = new ArrayDeque<>();
  private final Races races;

  BlockDevice(int count, Races races) {
    this.blocks = new byte[count][]; // allocated on first write: an unwritten block reads zeros
    this.owner = new int[count];
    this.races = races;
    Arrays.fill(owner, FREE);
    for (int b = count - 1; b >= 0; b--) {
      free.push(b);
    }
  }

  /**
   * A device of {@code count} blocks to share between kernels ({@link Kernel#Kernel(Exclusion,
   * Races, BlockDevice)}): the nodes of a shared-disk cluster. Violations go to {@code races}.
   */
  public static BlockDevice shared(int count, Races races) {
    return new BlockDevice(count, races);
  }

  /** Allocates a block for {@code inode}; its old contents stay until written. */
  synchronized int allocate(int inode) {
    Integer b = free.poll();
    if (b == null) {
      throw new IllegalStateException("ENOSPC: all " + blocks.length + " blocks in use");
    }
    owner[b] = inode;
    return b;
  }

  /** Returns {@code block} of {@code inode} to the allocator, to be reused first. */
  synchronized void free(int block, int inode) {
    if (owner[block] != inode) {
      throw new IllegalStateException(
          "inode " + inode + " frees block " + block + " owned by " + owner[block]);
    }
    owner[block] = FREE;
    free.push(block);
  }

  public synchronized int owner(int block) {
    return owner[block];
  }

  /** Reads {@code block} into {@code dst} and returns its owner at that moment, in one step. */
  synchronized int readOwned(int block, byte[] dst) {
    read(block, dst);
    return owner[block];
  }

  /** How many blocks {@code inode} owns. */
  public synchronized int ownedBy(int inode) {
    int n = 0;
    for (int o : owner) {
      if (o == inode) {
        n++;
      }
    }
    return n;
  }

  synchronized void read(int block, byte[] dst) {
    if (blocks[block] == null) {
      java.util.Arrays.fill(dst, 0, BLOCK, (byte) 0);
    } else {
      System.arraycopy(blocks[block], 0, dst, 0, BLOCK);
    }
  }

  /**
   * A check a shared device makes atomically with every write (under the device's monitor), before
   * the data lands: the storage side of fencing in the cluster family (docs/sim-cluster.md, case
   * 107). It may also record what landed.
   */
  public interface WriteGate {
    /**
     * Whether the write of page {@code index} of file {@code inode} may land.
     *
     * @return false to refuse it: nothing is written
     */
    boolean admit(int inode, long index, String why);
  }

  private WriteGate gate;
  private boolean refusesSilently;

  /** From now on every write passes {@code gate} first (null: none). */
  public synchronized void gateWrites(WriteGate gate) {
    this.gate = gate;
  }

  /**
   * A broken device, for tests of the oracle that no fsync hides an IO error: from now on a write
   * its gate refuses still writes nothing, but the device reports it done.
   */
  public synchronized void refuseSilently() {
    this.refusesSilently = true;
  }

  /** Writes a whole block on behalf of {@code inode} with no page index (tests). */
  synchronized void write(int block, byte[] src, int inode, String why) {
    write(block, src, inode, -1, why);
  }

  /**
   * Writes a whole block on behalf of page {@code index} of {@code inode}, unless the device's
   * {@link WriteGate} refuses it (then nothing lands, and the write completes with an IO error). A
   * block owned by another file or by nobody is still written (the damage is real) and reported.
   *
   * @return false when the write completed with an IO error (refused)
   */
  synchronized boolean write(int block, byte[] src, int inode, long index, String why) {
    if (gate != null && !gate.admit(inode, index, why)) {
      races.log(
          "the device refused "
              + why
              + (refusesSilently ? " (fenced, reported done)" : " (fenced): EIO"));
      return refusesSilently;
    }
    if (owner[block] != inode) {
      races.violation(
          ViolationKind.BLOCK_OF_OTHER_FILE,
          why
              + ": inode "
              + inode
              + " wrote block "
              + block
              + " owned by "
              + (owner[block] == FREE ? "nobody (free)" : "inode " + owner[block]));
    }
    if (blocks[block] == null) {
      blocks[block] = new byte[BLOCK];
    }
    System.arraycopy(src, 0, blocks[block], 0, BLOCK);
    return true;
  }

  public int size() {
    return blocks.length;
  }
}
