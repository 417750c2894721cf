package org.rangelock.sim.cluster;

/**
 * What the cluster cases share: a number, a title, and a file of old data on the shared device,
 * cached by neither node.
 */
abstract class BaseDfsCase implements DfsCase {
  private final int number;
  private final String title;
  private final int oldTag;

  BaseDfsCase(int number, String title, int oldTag) {
    this.number = number;
    this.title = title;
    this.oldTag = oldTag;
  }

  @Override
  public final int number() {
    return number;
  }

  @Override
  public final String title() {
    return title;
  }

  /** The file holds {@link DfsWorld#PAGES} pages of the old tag, on the device, in no cache. */
  @Override
  public void setUp(DfsWorld w) {
    w.populate(oldTag, DfsWorld.PAGES);
  }
}
