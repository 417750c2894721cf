package org.rangelock.sim.fsx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One line of an fsx operation log ({@code fsx --record-ops}): the operation, its numbers and
 * flags, and its 1-based line number (which also seeds the data a write puts down).
 *
 * @param line the line number, skip lines counted
 * @param op the operation name as fsx writes it
 * @param args the numbers before the trailing size, in order
 * @param sizeBefore the file size fsx saw before the operation
 * @param keepSize whether {@code keep_size} was given
 */
public record FsxOp(int line, String op, long[] args, long sizeBefore, boolean keepSize) {
  /** Parses a log, dropping {@code skip} lines (they still count for numbering). */
  public static List<FsxOp> parse(Path file) throws IOException {
    return parse(Files.readAllLines(file));
  }

  public static List<FsxOp> parse(List<String> lines) {
    List<FsxOp> ops = new ArrayList<>();
    int n = 0;
    for (String raw : lines) {
      n++;
      String s = raw.trim();
      if (s.isEmpty() || s.startsWith("skip ") || s.startsWith("#")) {
        continue;
      }
      String[] t = s.split("\\s+");
      List<Long> nums = new ArrayList<>();
      boolean keep = false;
      for (int i = 1; i < t.length; i++) {
        if (t[i].startsWith("0x")) {
          nums.add(Long.parseUnsignedLong(t[i].substring(2), 16));
        } else if (t[i].equals("keep_size")) {
          keep = true;
        } else if (!t[i].equals("close_open") && !t[i].equals("unshare")) {
          throw new IllegalArgumentException("line " + n + ": unknown token '" + t[i] + "'");
        }
      }
      if (nums.isEmpty()) {
        throw new IllegalArgumentException("line " + n + ": no size in '" + s + "'");
      }
      long[] args = new long[nums.size() - 1];
      for (int i = 0; i < args.length; i++) {
        args[i] = nums.get(i);
      }
      ops.add(new FsxOp(n, t[0], args, nums.get(nums.size() - 1), keep));
    }
    return ops;
  }

  long arg(int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(
          "line " + line + ": " + op + " needs " + (i + 1) + " numbers");
    }
    return args[i];
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("line ").append(line).append(' ').append(op);
    for (long a : args) {
      b.append(" 0x").append(Long.toHexString(a));
    }
    return b.append(keepSize ? " keep_size" : "").toString();
  }
}
