package org.rangelock.sim.kernel;

/** Package-private kernel state that tests of other packages need to break on purpose. */
public final class TestHooks {
  private TestHooks() {}

  public static void setSize(Inode inode, long size) {
    synchronized (inode.mapLock) {
      inode.size = size;
    }
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
}
