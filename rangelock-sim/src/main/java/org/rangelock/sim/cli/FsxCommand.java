package org.rangelock.sim.cli;

import org.rangelock.sim.fsx.FsxMain;

/** {@code fsx}: replays an fsx operation log; see {@link FsxMain}. */
final class FsxCommand {
  private FsxCommand() {}

  static int run(String[] args) throws Exception {
    try {
      return FsxMain.run(args);
    } catch (IllegalArgumentException e) {
      System.err.println("fsx: " + e.getMessage());
      return 2;
    } catch (java.nio.file.NoSuchFileException e) {
      System.err.println("fsx: no such file: " + e.getFile());
      return 2;
    }
  }
}
