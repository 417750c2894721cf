package org.rangelock.sim.cli;

/** {@code fsx}: replays an fsx operation log. Placeholder until the replayer lands. */
final class FsxCommand {
  private FsxCommand() {}

  static int run(String[] args) {
    System.err.println("fsx: not built yet");
    return 2;
  }
}
