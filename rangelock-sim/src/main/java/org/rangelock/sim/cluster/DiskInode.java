package org.rangelock.sim.cluster;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The file's inode on the shared device, as far as the cluster family models it: its size. A node
 * reads it when it reloads its cached copy under a metadata hold it was granted after losing the
 * copy, and writes its cached copy to it when its metadata token is revoked (docs/sim-cluster.md,
 * "One file metadata"). The block map is not here: the nodes still share it atomically.
 */
final class DiskInode {
  private volatile long size;
  private final AtomicLong reads = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();

  DiskInode(long size) {
    this.size = size;
  }

  /** Reads the size from the device. */
  long read() {
    reads.incrementAndGet();
    return size;
  }

  /** Writes {@code newSize} to the device. */
  void write(long newSize) {
    writes.incrementAndGet();
    size = newSize;
  }

  /** The size on the device, for oracles and logs (no read counted). */
  long peek() {
    return size;
  }

  long reads() {
    return reads.get();
  }

  long writes() {
    return writes.get();
  }
}
