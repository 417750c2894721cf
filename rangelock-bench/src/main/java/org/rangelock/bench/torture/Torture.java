package org.rangelock.bench.torture;

/** {@code torture}: placeholder until the torture runner lands. */
public final class Torture {
  private Torture() {}

  public static int run(String[] args) {
    System.err.println("torture: not built yet");
    return 2;
  }
}
