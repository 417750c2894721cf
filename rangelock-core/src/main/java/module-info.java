/**
 * rangelock: a range lock whose modes and their compatibility are a table.
 *
 * <p>The whole public API is in package {@link org.rangelock}; the module has no dependencies
 * beyond {@code java.base}.
 */
module org.rangelock {
  exports org.rangelock;
}
