package org.rangelock.sim.fsx;

import java.util.Arrays;

/**
 * The replay's reference: the file as a byte array, with the log line that last wrote each byte (0
 * for never written, -line for zeroed by that line) so that a mismatch names its cause.
 * Single-threaded.
 */
final class Shadow {
  byte[] data = new byte[0];
  int[] writer = new int[0];
  int size;

  private void ensure(int n) {
    if (data.length < n) {
      int cap = Math.max(n, data.length * 2);
      data = Arrays.copyOf(data, cap);
      writer = Arrays.copyOf(writer, cap);
    }
  }

  void resize(long newSize, int line) {
    int ns = (int) newSize;
    ensure(ns);
    if (ns < size) {
      Arrays.fill(data, ns, size, (byte) 0);
      Arrays.fill(writer, ns, size, 0);
    } else {
      for (int i = size; i < ns; i++) {
        data[i] = 0;
        writer[i] = -line;
      }
    }
    size = ns;
  }

  void write(long offset, byte[] bytes, int line) {
    int end = (int) offset + bytes.length;
    if (end > size) {
      resize(end, line);
    }
    System.arraycopy(bytes, 0, data, (int) offset, bytes.length);
    Arrays.fill(writer, (int) offset, end, line);
  }

  void zero(long offset, long end, int line) {
    for (int i = (int) offset; i < Math.min(end, size); i++) {
      data[i] = 0;
      writer[i] = -line;
    }
  }

  byte[] read(long offset, long length) {
    int from = (int) Math.min(offset, size);
    int to = (int) Math.min(offset + length, size);
    return Arrays.copyOfRange(data, from, to);
  }

  void collapse(long offset, long length) {
    int o = (int) offset;
    int l = (int) length;
    System.arraycopy(data, o + l, data, o, size - o - l);
    System.arraycopy(writer, o + l, writer, o, size - o - l);
    Arrays.fill(data, size - l, size, (byte) 0);
    size -= l;
  }

  void insert(long offset, long length, int line) {
    int o = (int) offset;
    int l = (int) length;
    ensure(size + l);
    System.arraycopy(data, o, data, o + l, size - o);
    System.arraycopy(writer, o, writer, o + l, size - o);
    Arrays.fill(data, o, o + l, (byte) 0);
    Arrays.fill(writer, o, o + l, -line);
    size += l;
  }

  byte[] contents() {
    return Arrays.copyOf(data, size);
  }

  String cause(int offset) {
    return cause(writer, size, offset);
  }

  /** What {@code writers[offset]} says of that byte, for the first {@code size} entries. */
  static String cause(int[] writers, int size, int offset) {
    if (offset >= size) {
      return "beyond the end of the replayed file";
    }
    int w = writers[offset];
    return w == 0 ? "never written" : w > 0 ? "written by line " + w : "zeroed by line " + -w;
  }
}
