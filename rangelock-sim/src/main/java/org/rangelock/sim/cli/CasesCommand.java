package org.rangelock.sim.cli;

/** {@code cases}: the seven-case report. Placeholder until the case checker lands. */
final class CasesCommand {
  private CasesCommand() {}

  static int run(String[] args) {
    System.err.println("cases: not built yet");
    return 2;
  }
}
