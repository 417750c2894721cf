package org.rangelock.sim.cases;

/** What the seven cases share: a number, a title, and a file of old data, synced, not cached. */
abstract class BaseCase implements Case {
  private final int number;
  private final String title;
  private final int oldTag;

  BaseCase(int number, String title, int oldTag) {
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

  /** The file holds {@link World#PAGES} pages of the old tag, synced, with the cache dropped. */
  @Override
  public void setUp(World w) {
    w.populate(oldTag, World.PAGES);
  }
}
