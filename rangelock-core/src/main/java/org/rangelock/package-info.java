/**
 * A range lock whose modes and their compatibility are a table.
 *
 * <p>A {@link org.rangelock.RangeLock} guards ranges of a {@code long} address space (a file's
 * bytes, say). Each request names a {@link org.rangelock.Range}, half-open {@code [start, end)},
 * and a mode; two holds conflict if and only if their ranges overlap and their modes are
 * incompatible in the lock's {@link org.rangelock.ModeTable}. Four tables ship:
 *
 * <ul>
 *   <li>{@link org.rangelock.ReadWriteMode} ({@link org.rangelock.ModeTable#readWrite()}): shared
 *       and exclusive, a range reader/writer lock;
 *   <li>{@link org.rangelock.MappingMode} ({@link org.rangelock.ModeTable#mapping()}): page fault,
 *       buffered read and write, direct IO, writeback and invalidation, the seven exclusions a
 *       file's page cache needs as one table (see {@code docs/design.md} in the repository);
 *   <li>{@link org.rangelock.TwoStateMode} ({@link org.rangelock.ModeTable#twoState()}): add and
 *       block, each shared among itself;
 *   <li>{@link org.rangelock.DlmMode} ({@link org.rangelock.ModeTable#dlm()}): the six modes of the
 *       VMS/Lustre distributed lock manager.
 * </ul>
 *
 * <p>Any other enum can be given a table with {@link org.rangelock.ModeTable#builder(Class)}. Every
 * acquire returns a {@link org.rangelock.RangeHandle}, an {@link AutoCloseable} whose {@code
 * close()} releases the hold; {@link org.rangelock.LockSnapshot} describes what is held and waited
 * for. The guarantees (exclusion, FIFO among conflicting requests, no lost or leaked grants,
 * memory-consistency effects) are stated on {@link org.rangelock.RangeLock}.
 *
 * <pre>{@code
 * RangeLock<MappingMode> lock = RangeLock.create(ModeTable.mapping());
 * try (RangeHandle<MappingMode> h = lock.acquire(Range.from(newSize), MappingMode.INVALIDATE)) {
 *   // truncate: no fault, read, write, direct IO or writeback overlaps [newSize, end)
 * }
 * }</pre>
 */
package org.rangelock;
