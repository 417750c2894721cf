package org.rangelock.sim.kernel;

/**
 * A present page-table entry. The frame and writability are fixed (a change installs a new entry
 * and shoots the old one down); accessed and dirty are set by the MMU on access.
 *
 * @see Mmu
 */
public final class Pte {
  final FrameRef frame;

  /** The file page this maps, or null for an anonymous (copied-on-write) frame. */
  final Page page;

  final boolean writable;
  volatile boolean accessed;
  volatile boolean dirty;

  Pte(FrameRef frame, Page page, boolean writable) {
    this.frame = frame;
    this.page = page;
    this.writable = writable;
  }

  public Page page() {
    return page;
  }

  public FrameRef frame() {
    return frame;
  }

  public boolean writable() {
    return writable;
  }

  @Override
  public String toString() {
    return (page == null ? "anon " : page + " ") + frame + (writable ? " rw" : " ro");
  }
}
