/**
 * rangelock: a range lock whose modes and their compatibility are a table.
 *
 * <p>The whole public API is in package {@link org.rangelock}. The module has no dependency outside
 * the JDK: it reads {@code jdk.jfr} (a JDK module, for the {@code org.rangelock.Wait} Flight
 * Recorder event) and, at compile time only, {@code org.jspecify} for nullness annotations.
 */
module org.rangelock {
  requires jdk.jfr;
  requires static org.jspecify;

  exports org.rangelock;
}
