package org.rangelock.sim.cli;

/** Placeholder until the simulator lands: prints what the jar will do. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println("rangelock-sim: the simulator is not built yet");
  }
}
