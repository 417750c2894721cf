package org.rangelock.sim.kernel;

import java.util.ArrayList;
import java.util.List;
import org.jctools.maps.NonBlockingHashMapLong;

/**
 * A file's mapping tree: page index to page. Only the single-structure atomicity a kernel's xarray
 * gives (insert if absent, remove if still the same page) — nothing here excludes operations from
 * each other.
 *
 * <p>Thread-safety: lock-free, any thread ({@link NonBlockingHashMapLong}).
 */
public final class PageCache {
  private final NonBlockingHashMapLong<Page> pages = new NonBlockingHashMapLong<>();

  public Page get(long index) {
    return pages.get(index);
  }

  /** Inserts {@code page}; returns the page already there instead, or null if inserted. */
  Page insertIfAbsent(Page page) {
    return pages.putIfAbsent(page.index, page);
  }

  /** Puts {@code fresh} where {@code old} is; false (and nothing changed) if {@code old} is not. */
  boolean replace(Page old, Page fresh) {
    return pages.replace(old.index, old, fresh);
  }

  boolean remove(Page page) {
    return pages.remove(page.index, page);
  }

  /** The pages with index in {@code [from, to)}, in index order (a snapshot). */
  public List<Page> pagesIn(long from, long to) {
    List<Page> out = new ArrayList<>();
    for (Page p : pages.values()) {
      if (p.index >= from && p.index < to) {
        out.add(p);
      }
    }
    out.sort((a, b) -> Long.compare(a.index, b.index));
    return out;
  }

  public List<Page> all() {
    return pagesIn(0, Long.MAX_VALUE);
  }

  public int size() {
    return pages.size();
  }

  public boolean isEmpty() {
    return pages.isEmpty();
  }
}
