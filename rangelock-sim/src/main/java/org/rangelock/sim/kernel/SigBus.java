package org.rangelock.sim.kernel;

/** SIGBUS as the faulting thread sees it: an access through a mapping beyond EOF. */
public final class SigBus extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SigBus(String message) {
    super(message, null, false, false);
  }
}
