package org.rangelock.sim.kernel;

/**
 * A physical frame number with the generation it had when the reference was taken. Every PTE, TLB
 * entry and page carries one, so an access after the frame was freed (and perhaps reused) is
 * detected by {@link PhysicalMemory}.
 */
public record FrameRef(int pfn, int generation) {
  @Override
  public String toString() {
    return "frame " + pfn + "/g" + generation;
  }
}
