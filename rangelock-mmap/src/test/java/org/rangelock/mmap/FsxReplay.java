package org.rangelock.mmap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Replays an xfstests {@code fsx} operation log (format: src/test/resources/fsx-sample/README.md)
 * through a {@link MappedFile}, checking every read against a shadow copy and the size before every
 * operation against the log. {@code write} goes through {@link MappedFile#writeBuffered}, {@code
 * mapwrite} through the mapping, {@code read}/{@code mapread} likewise, {@code truncate} through
 * {@link MappedFile#truncate}, {@code fsync} through {@link MappedFile#force()}, {@code copy_range}
 * as a mapped read then a mapped write. The page killers ({@code punch_hole}, {@code zero_range},
 * {@code collapse_range}, {@code insert_range}) and {@code fallocate} go through fallocate when
 * {@code nativeSpace} (JDK 22+), else they are composed from the module's reads, writes and
 * truncates (counted as such).
 */
final class FsxReplay {
  final Map<String, Integer> applied = new TreeMap<>();
  final Map<String, Integer> composed = new TreeMap<>();
  final Map<String, Integer> skipped = new TreeMap<>();
  int readsChecked;

  private final MappedFile file;
  private final byte[] pattern;
  private final boolean nativeSpace;
  private byte[] shadow = new byte[0];
  private int size;

  FsxReplay(MappedFile file, byte[] pattern, boolean nativeSpace) {
    this.file = file;
    this.pattern = pattern;
    this.nativeSpace = nativeSpace;
  }

  byte[] shadow() {
    return Arrays.copyOf(shadow, size);
  }

  void replay(byte[] log) throws IOException {
    String[] lines = new String(log, StandardCharsets.US_ASCII).split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].trim();
      if (!line.isEmpty()) {
        step(i + 1, line);
      }
    }
  }

  private void step(int n, String line) throws IOException {
    String[] t = line.split("\\s+");
    if (t[0].equals("skip")) {
      count(skipped, t[1]);
      return;
    }
    String op = t[0];
    List<Long> nums = new ArrayList<>();
    List<String> flags = new ArrayList<>();
    for (int i = 1; i < t.length; i++) {
      if (t[i].startsWith("0x")) {
        nums.add(Long.parseLong(t[i].substring(2), 16));
      } else {
        flags.add(t[i]);
      }
    }
    long sizeBefore = nums.get(nums.size() - 1);
    if (sizeBefore != size || file.size() != size) {
      throw new AssertionError(
          "line "
              + n
              + " ("
              + line
              + "): size before is "
              + file.size()
              + ", shadow "
              + size
              + ", log "
              + sizeBefore);
    }
    boolean keepSize = flags.contains("keep_size");
    int a = nums.size() > 1 ? (int) (long) nums.get(0) : 0;
    int b = nums.size() > 2 ? (int) (long) nums.get(1) : 0;
    switch (op) {
      case "write":
      case "mapwrite":
        {
          byte[] data = data(n, a, b);
          if (op.equals("write")) {
            file.writeBuffered(a, ByteBuffer.wrap(data));
          } else {
            file.write(a, data, 0, b);
          }
          shadowWrite(a, data);
          count(applied, op);
          break;
        }
      case "read":
      case "mapread":
        {
          int len = Math.max(0, Math.min(b, size - a));
          byte[] got = new byte[len];
          if (op.equals("read")) {
            file.readBuffered(a, ByteBuffer.wrap(got));
          } else {
            file.readFully(a, got, 0, len);
          }
          byte[] want = Arrays.copyOfRange(shadow, a, a + len);
          if (!Arrays.equals(got, want)) {
            throw new AssertionError(
                "line "
                    + n
                    + " ("
                    + line
                    + "): first difference at offset "
                    + (a + Arrays.mismatch(got, want)));
          }
          readsChecked++;
          count(applied, op);
          break;
        }
      case "truncate":
        file.truncate(b);
        shadowResize(b);
        count(applied, op);
        break;
      case "fsync":
        file.force();
        count(applied, op);
        break;
      case "copy_range":
        {
          int dst = (int) (long) nums.get(2);
          int len = Math.max(0, Math.min(b, size - a));
          byte[] buf = new byte[len];
          file.readFully(a, buf, 0, len);
          file.write(dst, buf, 0, len);
          shadowWrite(dst, buf);
          count(composed, op);
          break;
        }
      case "fallocate":
        if (nativeSpace) {
          file.allocate(a, b, keepSize);
          count(applied, op);
        } else {
          if (!keepSize && a + b > size) {
            file.truncate(a + b);
          }
          count(composed, op);
        }
        if (!keepSize && a + b > size) {
          shadowResize(a + b);
        }
        break;
      case "punch_hole":
      case "zero_range":
        {
          if (op.equals("zero_range") && !keepSize && a + b > size) {
            file.truncate(a + b);
            shadowResize(a + b);
          }
          int end = Math.min(size, a + b);
          if (nativeSpace) {
            if (op.equals("punch_hole")) {
              file.punchHole(a, b);
            } else {
              file.zeroRange(a, b);
            }
            count(applied, op);
          } else {
            if (end > a) {
              file.writeBuffered(a, ByteBuffer.wrap(new byte[end - a]));
            }
            count(composed, op);
          }
          if (end > a) {
            shadowWrite(a, new byte[end - a]);
          }
          break;
        }
      case "collapse_range":
        {
          byte[] tail = Arrays.copyOfRange(shadow, a + b, size);
          if (nativeSpace) {
            file.collapseRange(a, b);
            count(applied, op);
          } else {
            byte[] got = new byte[tail.length];
            file.readFully(a + b, got, 0, got.length);
            file.write(a, got, 0, got.length);
            file.truncate(size - b);
            count(composed, op);
          }
          shadowWrite(a, tail);
          shadowResize(size - b);
          break;
        }
      case "insert_range":
        {
          byte[] tail = Arrays.copyOfRange(shadow, a, size);
          if (nativeSpace) {
            file.insertRange(a, b);
            count(applied, op);
          } else {
            byte[] got = new byte[tail.length];
            file.readFully(a, got, 0, got.length);
            file.truncate(size + b);
            file.write(a + b, got, 0, got.length);
            file.writeBuffered(a, ByteBuffer.wrap(new byte[b]));
            count(composed, op);
          }
          shadowResize(size + b);
          shadowWrite(a + b, tail);
          shadowWrite(a, new byte[b]);
          break;
        }
      default:
        count(skipped, op);
    }
  }

  private byte[] data(int n, int offset, int length) {
    byte[] d = new byte[length];
    for (int k = 0; k < length; k++) {
      int i = offset + k;
      d[k] = (byte) (n + ((i & 1) != 0 ? pattern[i] : 0));
    }
    return d;
  }

  private void shadowWrite(int offset, byte[] data) {
    if (offset + data.length > size) {
      shadowResize(offset + data.length);
    }
    System.arraycopy(data, 0, shadow, offset, data.length);
  }

  private void shadowResize(int newSize) {
    if (newSize > shadow.length) {
      shadow = Arrays.copyOf(shadow, Math.max(newSize, shadow.length * 2));
    }
    if (newSize < size) {
      Arrays.fill(shadow, newSize, size, (byte) 0);
    }
    size = newSize;
  }

  private static void count(Map<String, Integer> m, String op) {
    m.merge(op, 1, Integer::sum);
  }

  @Override
  public String toString() {
    return "applied "
        + applied
        + ", composed from reads/writes/truncates "
        + composed
        + ", skipped "
        + skipped
        + ", reads checked "
        + readsChecked;
  }
}
