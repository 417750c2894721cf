package org.rangelock.bench.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The adversarial section passes on the real lock and says what it did. */
@Timeout(180)
class AdversaryTest {
  @Test
  void theRealLockSurvivesTheAdversarialSection() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    List<String> violations = new Adversary(42, 3_000, 2).run(out);
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(List.of(), violations, text);
    assertTrue(text.contains("crafted orders: "), text);
    assertTrue(text.contains("completion paths: "), text);
    assertTrue(text.contains("snapshot churn: "), text);
    assertTrue(!text.contains("completion paths: 0 rounds"), text);
  }
}
