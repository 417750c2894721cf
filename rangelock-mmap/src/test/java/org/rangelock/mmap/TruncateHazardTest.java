package org.rangelock.mmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's evidence of the hazard: the same truncate/grow churn against mapped 4 KiB reads, in a
 * forked JVM each, without the lock (a plain MappedByteBuffer) and with MappedFile. Without it the
 * reads fault ({@code InternalError}, or the fork dies of SIGBUS in a native copy); with it they
 * get {@code EOFException} and never fault.
 */
class TruncateHazardTest {
  private static final Pattern RESULT =
      Pattern.compile(
          "accesses=(\\d+) internalErrors=(\\d+) eofs=(\\d+) truncates=(\\d+) escaped=(\\d+)");

  record Run(
      int exit,
      String out,
      long accesses,
      long internalErrors,
      long eofs,
      long truncates,
      long escaped) {}

  static Run fork(String mode) throws Exception {
    Path file = TestFiles.fresh("hazard-" + mode + ".bin");
    Path out = TestFiles.fresh("hazard-" + mode + ".out");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "-XX:ErrorFile=" + out.getParent().resolve("hs_err_" + mode + "_%p.log"),
                TruncateHazard.class.getName(),
                mode,
                "1500",
                "2",
                file.toString()));
    pb.redirectErrorStream(true);
    pb.redirectOutput(out.toFile());
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("forked " + mode + " run hung; output: " + Files.readString(out));
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    Matcher m = RESULT.matcher(text);
    if (!m.find()) {
      return new Run(p.exitValue(), text, -1, -1, -1, -1, -1);
    }
    return new Run(
        p.exitValue(),
        text,
        Long.parseLong(m.group(1)),
        Long.parseLong(m.group(2)),
        Long.parseLong(m.group(3)),
        Long.parseLong(m.group(4)),
        Long.parseLong(m.group(5)));
  }

  @Test
  void withoutTheLockMappedReadsFaultUnderTruncate() throws Exception {
    Run raw = fork("raw");
    System.out.println("raw MappedByteBuffer, forked JVM (exit " + raw.exit() + "): " + raw.out());
    if (raw.accesses() < 0) {
      // No result line: the fork died (SIGBUS in a native copy); that is the hazard too.
      assertTrue(raw.exit() != 0, "fork printed no result but exited 0:\n" + raw.out());
      return;
    }
    assertTrue(raw.truncates() > 0, "the truncator never ran: " + raw.out());
    assertTrue(
        raw.internalErrors() + raw.escaped() > 0,
        "expected InternalErrors from reads of truncated pages through a plain mapping: "
            + raw.out());
  }

  @Test
  void withTheLockTheSameWorkloadNeverFaults() throws Exception {
    Run locked = fork("locked");
    System.out.println("MappedFile, forked JVM (exit " + locked.exit() + "): " + locked.out());
    assertEquals(0, locked.exit(), locked.out());
    assertTrue(locked.truncates() > 0 && locked.accesses() > 0, locked.out());
    assertEquals(0, locked.internalErrors() + locked.escaped(), locked.out());
    assertTrue(locked.eofs() > 0, "no read ever met the shrunk file: " + locked.out());
  }
}
