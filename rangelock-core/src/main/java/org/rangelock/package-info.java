/**
 * rangelock: one lock over ranges of a {@code long} address space whose modes and their
 * compatibility are a table. Start at {@link org.rangelock.RangeLock}; ranges are {@link
 * org.rangelock.Range}, tables {@link org.rangelock.ModeTable}, holds {@link
 * org.rangelock.RangeHandle}.
 *
 * <p>Nullness: the package is {@code @NullMarked} (JSpecify): no parameter or result is null unless
 * marked {@code @Nullable}, as the results of the untimed and timed {@code tryAcquire} are. The
 * annotations are compile-time only; the module reads {@code org.jspecify} statically and has no
 * runtime dependency.
 */
@NullMarked
package org.rangelock;

import org.jspecify.annotations.NullMarked;
