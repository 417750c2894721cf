package org.rangelock.sim.kernel;

/** Package-private kernel state that tests of other packages need to break on purpose. */
public final class TestHooks {
  private TestHooks() {}

  public static void setSize(Inode inode, long size) {
    synchronized (inode.mapLock) {
      inode.size = size;
    }
  }

  /** Sets {@code inode}'s reference count to zero without evicting it. */
  public static void dropReferencesWithoutEviction(Inode inode) {
    inode.refs.set(0);
  }

  /** Replaces page {@code index}'s contents with {@code data} and marks it dirty and uptodate. */
  public static void dirtyPage(Kernel k, Inode inode, long index, byte[] data) {
    Page p = k.fs.getPage(inode, index, false, false, null);
    try {
      k.memory.write(p.frame, 0, data, 0, data.length, "test");
      p.uptodate = true;
      p.dirty = true;
    } finally {
      k.fs.release(p);
    }
  }

  /**
   * Frees the block behind page {@code index} of {@code inode} and hands it to {@code thief}, while
   * {@code inode}'s block map still names it: the state a read racing a punch and a reuse meets.
   */
  public static int giveBlockAway(Kernel k, Inode inode, long index, Inode thief) {
    int block = inode.blockOf(index);
    k.device.free(block, inode.id);
    int again = k.device.allocate(thief.id);
    if (again != block) {
      throw new IllegalStateException("allocator did not reuse block " + block + ": " + again);
    }
    return block;
  }

  /**
   * Overwrites page {@code index}'s frame with {@code data} leaving its flags (clean) as they are.
   */
  public static void scribble(Kernel k, Inode inode, long index, byte[] data) {
    Page p = inode.cache.get(index);
    k.memory.write(p.frame, 0, data, 0, data.length, "test");
  }

  /** Takes a reference on cached page {@code index} and never drops it. */
  public static void leakReference(Inode inode, long index) {
    if (!inode.cache.get(index).tryGet()) {
      throw new IllegalStateException("page " + index + " is going");
    }
  }

  /** Allocates a block for {@code inode} that no block map names. */
  public static void leakBlock(Kernel k, Inode inode) {
    k.device.allocate(inode.id);
  }

  /**
   * {@code unmap_mapping_range} of pages {@code [from, to)} with {@code even_cows}: what a punch
   * that dropped private copies would do.
   */
  public static void unmapEvenCows(Kernel k, Inode inode, long from, long to) {
    k.mmu.unmapMappingRange(inode, from, to, true);
  }
}
