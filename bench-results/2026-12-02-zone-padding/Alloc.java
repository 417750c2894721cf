import org.rangelock.*;
import java.lang.management.ManagementFactory;

public class Alloc {
  public static void main(String[] a) {
    RangeLock<ReadWriteMode> lock = RangeLock.create(ModeTable.readWrite());
    Range r = Range.of(8 * 4096, 9 * 4096);
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    for (int round = 0; round < 5; round++) {
      long b0 = mx.getThreadAllocatedBytes(id);
      int n = 2_000_000;
      for (int i = 0; i < n; i++) {
        lock.acquire(r, ReadWriteMode.EXCLUSIVE).close();
      }
      long b1 = mx.getThreadAllocatedBytes(id);
      for (int i = 0; i < n; i++) {
        lock.acquire(Range.of(8 * 4096, 9 * 4096), ReadWriteMode.EXCLUSIVE).close();
      }
      long b2 = mx.getThreadAllocatedBytes(id);
      System.out.printf("round %d: reused Range %.1f B/op, fresh Range %.1f B/op%n",
          round, (b1 - b0) / (double) n, (b2 - b1) / (double) n);
    }
  }
}
