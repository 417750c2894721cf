package org.rangelock.cluster;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.drivers.TracerDriver;
import org.apache.curator.framework.CuratorFramework;

/**
 * Counts the ZooKeeper operations a Curator client performs, from Curator's own tracing hook: every
 * foreground or background operation of the framework (create, delete, exists, getData, setData,
 * getChildren, ...) ends in one trace named {@code <Builder>-Foreground} or {@code -Background}.
 * Installed with {@link #install(CuratorFramework)}, it replaces the client's tracer driver.
 */
public final class ZooKeeperOperationCount implements TracerDriver {
  private final AtomicLong operations = new AtomicLong();
  // Per thread: a foreground operation is traced on the thread that made it.
  private final ThreadLocal<long[]> byThread = ThreadLocal.withInitial(() -> new long[1]);
  private final TracerDriver next;

  private ZooKeeperOperationCount(TracerDriver next) {
    this.next = next;
  }

  /**
   * Installs a counter on {@code client}, keeping the previous driver as a delegate. Operations
   * before the call are not counted.
   *
   * @param client the Curator client to count; its tracer driver is replaced by the counter
   * @return the counter, starting at 0
   */
  public static ZooKeeperOperationCount install(CuratorFramework client) {
    ZooKeeperOperationCount c =
        new ZooKeeperOperationCount(client.getZookeeperClient().getTracerDriver());
    client.getZookeeperClient().setTracerDriver(c);
    return c;
  }

  /**
   * Operations counted so far.
   *
   * @return the number of foreground and background ZooKeeper operations the client completed since
   *     {@link #install}
   */
  public long operations() {
    return operations.get();
  }

  /**
   * Operations counted so far that the calling thread made itself. Curator traces a foreground
   * (synchronous) operation on the thread that called it, and a background one on its event thread;
   * so this counts exactly what the calling thread asked ZooKeeper for, and nothing that watches
   * and worker threads did meanwhile.
   *
   * @return the number of operations traced on the calling thread since {@link #install}
   */
  public long operationsOnThisThread() {
    return byThread.get()[0];
  }

  @Override
  public void addTrace(String name, long time, TimeUnit unit) {
    if (name.endsWith("-Foreground") || name.endsWith("-Background")) {
      operations.incrementAndGet();
      byThread.get()[0]++;
    }
    if (next != null) {
      next.addTrace(name, time, unit);
    }
  }

  @Override
  public void addCount(String name, int increment) {
    if (next != null) {
      next.addCount(name, increment);
    }
  }
}
