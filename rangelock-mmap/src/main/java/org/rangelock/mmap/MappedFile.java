package org.rangelock.mmap;

import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.rangelock.MappingMode;
import org.rangelock.ModeTable;
import org.rangelock.Range;
import org.rangelock.RangeHandle;
import org.rangelock.RangeLock;

/**
 * A file on a real file system, read and written through shared memory mappings, through its {@link
 * FileChannel} and with direct IO, and resized, punched and zeroed, where every operation takes
 * {@link ModeTable#mapping()} on the bytes it touches. A mapped access beyond the current end of
 * the file fails with an {@link EOFException} naming position and size, whatever runs concurrently:
 * never a {@code SIGBUS}, an {@link InternalError} ("a fault occurred in an unsafe memory access
 * operation") or a JVM crash, which is what a plain {@link MappedByteBuffer} gives when another
 * thread truncates the file under it.
 *
 * <h2>Which mode each operation takes</h2>
 *
 * <table>
 *   <caption>Operations and the mode they hold on their range</caption>
 *   <tr><th>operation</th><th>mode</th><th>range</th></tr>
 *   <tr><td>mapped reads and writes: {@link #readFully}, {@link #write(long, byte[], int, int)},
 *       {@link #read(long, ByteBuffer)}, {@link #write(long, ByteBuffer)}, the primitive
 *       accessors, a {@link #view view} while it is open</td>
 *       <td>{@code FAULT}</td><td>the bytes accessed</td></tr>
 *   <tr><td>{@link #readBuffered} ({@code pread})</td><td>{@code READ}</td><td>the bytes read</td></tr>
 *   <tr><td>{@link #writeBuffered} ({@code pwrite}), {@link #allocate}</td><td>{@code WRITE}</td>
 *       <td>the bytes written or allocated</td></tr>
 *   <tr><td>{@link #readDirect}, {@link #writeDirect} ({@code O_DIRECT})</td><td>{@code DIRECT}</td>
 *       <td>the bytes transferred</td></tr>
 *   <tr><td>{@link #force(long, long)}, {@link #force()}</td><td>{@code WRITEBACK}</td>
 *       <td>the range; the whole file</td></tr>
 *   <tr><td>{@link #truncate}</td><td>{@code INVALIDATE}</td><td>from the new size on</td></tr>
 *   <tr><td>{@link #punchHole}, {@link #zeroRange}</td><td>{@code INVALIDATE}</td>
 *       <td>the range</td></tr>
 *   <tr><td>{@link #collapseRange}, {@link #insertRange}</td><td>{@code INVALIDATE}</td>
 *       <td>from the offset on (later bytes move)</td></tr>
 *   <tr><td>{@link #close}</td><td>{@code INVALIDATE}</td><td>everything</td></tr>
 * </table>
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>No fault past the end.</b> Every access checks the size while it holds its range, and a
 *       size change that would cut into a held range needs {@code INVALIDATE} over it, which
 *       conflicts with every mode. An access that passes the end throws {@link EOFException} before
 *       touching memory; one that does not pass it cannot be cut short.
 *   <li><b>Page killers are atomic to every cached path.</b> A read through the mapping or the
 *       channel that overlaps a truncate, punch or zero range sees the file entirely before or
 *       entirely after it.
 *   <li><b>Direct IO is coherent with the cached paths.</b> {@code DIRECT} conflicts with {@code
 *       FAULT}, {@code READ} and {@code WRITE}: once {@link #writeDirect} returns, mapped and
 *       buffered readers of the range see the new data, and a direct read returns what completed
 *       mapped or buffered writes put there. The kernel alone guarantees less (see below).
 *   <li><b>Buffered writes are atomic to mapped readers.</b> {@code WRITE} conflicts with {@code
 *       FAULT}: a mapped read never sees half of an overlapping {@link #writeBuffered}.
 *   <li><b>What is not ordered.</b> As in the table, {@code FAULT} is compatible with {@code
 *       FAULT}: mapped reads and mapped writes of overlapping bytes run concurrently and a read may
 *       see part of a concurrent mapped write, as with any shared memory. {@code READ} and {@code
 *       WRITE} are compatible too (POSIX read/write atomicity is a coarser lock's job). Order those
 *       with your own locks where you need it.
 * </ul>
 *
 * <p><b>What the kernel does and does not guarantee without this lock.</b> Linux serializes a
 * truncate against page faults on the same file (the page lock and {@code i_size} rechecks, and
 * since 5.15 {@code invalidate_lock}), but that only decides <i>who</i> gets {@code SIGBUS}: an
 * access past the new end through a live mapping always faults, and in the JVM that is an {@code
 * InternalError} or, in native copy paths, a crash. For direct IO, the kernel writes back and
 * invalidates the cached pages of the range before a direct write and invalidates them again after
 * it; nothing stops a mapped or buffered reader from faulting the old block contents back into the
 * cache between the two, and if the second invalidation fails (a page dirtied or busy) the kernel
 * only logs "Page cache invalidation failure on direct I/O" and keeps the stale page. A direct read
 * concurrent with a mapped store may read the old or new bytes or a mix. Under this class's lock
 * none of these interleavings can happen on overlapping ranges. See {@code docs/mmap.md}.
 *
 * <p><b>Memory consistency effects.</b> Actions in a thread before an operation returns
 * <i>happen-before</i> actions in another thread after it starts a conflicting operation on an
 * overlapping range that is granted later (the lock's release/acquire edge). The size is published
 * with volatile semantics: a size change happens-before any access that observes it.
 *
 * <p><b>Blocking.</b> Operations wait for conflicting ones on overlapping ranges, first come first
 * served (a truncate is not starved by a stream of reads). An open {@link MappedView} holds {@code
 * FAULT} until closed: a truncate into its range, and {@link #close()}, wait for it. A thread that
 * would wait for a view it holds itself gets an {@link IllegalStateException} instead of hanging.
 *
 * <p><b>Bad input</b> (a negative position, a length that is not positive where one is needed, an
 * array or buffer range out of bounds, unaligned direct IO) throws {@link IllegalArgumentException}
 * or {@link IndexOutOfBoundsException} naming the values, before anything is locked or changed.
 *
 * <p><b>Byte order.</b> The primitive accessors are big-endian, like {@link ByteBuffer} and {@link
 * java.io.DataInput}.
 *
 * <p><b>Platform.</b> Mapping, buffered IO and truncate are plain JDK 17 APIs. Direct IO needs a
 * file system that accepts {@code O_DIRECT} (tmpfs refuses it: the direct methods then throw {@link
 * UnsupportedOperationException}). {@link #punchHole}, {@link #zeroRange}, {@link #collapseRange},
 * {@link #insertRange}, {@link #allocate} and {@link #allocatedBytes} call {@code fallocate}/{@code
 * fstat} through the FFM API: on JDK 22+ on Linux (the jar is multi-release); elsewhere they throw
 * {@link UnsupportedOperationException} naming what is needed, before anything is locked or
 * changed.
 */
public final class MappedFile implements AutoCloseable {
  /*
   * Implementation notes.
   *
   * Mappings. The file is mapped in chunks of 2^chunkShift bytes (1 GiB by default: a
   * MappedByteBuffer is int-indexed). chunks[i] maps [i << chunkShift, ...) for as much of the
   * chunk as the file covered when it was mapped; it is replaced by a longer mapping when an access
   * needs bytes past it, never by a shorter one (a shrunk file keeps its mappings: bytes past the
   * end are never touched because every access checks size first). FileChannel.map extends a
   * read-write file that is shorter than the mapping, so a mapping is only ever made under the
   * resize mutex, no longer than size, and every change of the file's length happens under that
   * same mutex with size updated alongside: under the mutex, size == the file's length. A replaced
   * mapping is unmapped by the GC once no thread references it, so a reader that still uses an old
   * buffer (it holds its range, so those bytes are within the file) is never unmapped under its
   * feet: the JDK 17 API gives no explicit unmap, and none is needed.
   *
   * Size. size is volatile, written only under the resize mutex, after the length change it
   * describes (setLength / fallocate), so a reader that sees the new size sees the new length. It
   * is read by accesses while they hold their range. A shrink or a collapse holds INVALIDATE from
   * its new end (collapse: from its offset) while it changes the size, so it cannot overlap a held
   * access into the bytes it removes. A growth (truncate up, an extending write, insert range)
   * needs no exclusion against accesses beyond the old end: they found EOF before and find zeros
   * (or the inserted hole) after, since the length changed before size did. Concurrent growths are
   * max()-merged under the mutex, a growth and a shrink are ordered by it.
   *
   * Extending writes first grow the file to the end of the write (setLength, under the mutex),
   * then write while holding their range, so the write's bytes never lie past size.
   *
   * Lock order: the range lock, then the resize mutex; nothing waits on the range lock while
   * holding the mutex.
   */

  /** The default chunk: 1 GiB, so a chunk index fits an int for files up to 2^61 bytes. */
  static final int DEFAULT_CHUNK_SHIFT = 30;

  private final Path path;
  private final RandomAccessFile file;
  private final FileChannel channel;
  private final RangeLock<MappingMode> lock;
  private final int chunkShift;
  private final long chunkMask;
  private final ReentrantLock resize = new ReentrantLock();

  private volatile long size;
  private volatile MappedByteBuffer[] chunks = new MappedByteBuffer[0];
  private volatile boolean closed;

  /** Opened on first use, under {@link #resize}. */
  private FileChannel direct;

  private String directRefusal;
  private FileSpace space;

  private MappedFile(Path path, int chunkShift) throws IOException {
    this.path = path;
    this.file = new RandomAccessFile(path.toFile(), "rw");
    this.channel = file.getChannel();
    this.lock = RangeLock.create(ModeTable.mapping());
    this.chunkShift = chunkShift;
    this.chunkMask = (1L << chunkShift) - 1;
    this.size = channel.size();
  }

  /**
   * Opens {@code path} for reading and writing, creating it (empty) if absent.
   *
   * @param path the file to open; its parent directory must exist
   * @return the open file, its size the file's current length
   * @throws NullPointerException if {@code path} is null
   * @throws UnsupportedOperationException if {@code path} is not on the default file system
   * @throws IOException if the file cannot be opened or created
   */
  public static MappedFile open(Path path) throws IOException {
    return open(path, DEFAULT_CHUNK_SHIFT);
  }

  /** Package-private: tests use small chunks to exercise accesses across mappings. */
  static MappedFile open(Path path, int chunkShift) throws IOException {
    Objects.requireNonNull(path, "path");
    if (chunkShift < 12 || chunkShift > 30) {
      throw new IllegalArgumentException("chunkShift must be in [12, 30], was " + chunkShift);
    }
    return new MappedFile(path, chunkShift);
  }

  /**
   * The path this file was opened with.
   *
   * @return the {@code path} given to {@link #open}, as given (not made absolute)
   */
  public Path path() {
    return path;
  }

  /**
   * The current size in bytes. It can change as soon as it is read: a later access finds out for
   * itself, checking the size while it holds its range.
   *
   * @return the file's length in bytes, at least 0
   */
  public long size() {
    return size;
  }

  // ---------------------------------------------------------------------------------------------
  // Mapped reads and writes (FAULT)

  /**
   * Reads {@code length} bytes at {@code position} through the mapping into {@code dst[offset ..
   * offset + length)}, holding {@code FAULT} on them.
   *
   * @param position the file offset of the first byte to read, at least 0
   * @param dst the array to copy the bytes into
   * @param offset the index in {@code dst} of the first byte copied
   * @param length how many bytes to read, at least 0 (0 reads nothing and takes no lock)
   * @throws EOFException naming position, length and size if {@code position + length} passes the
   *     end of the file; {@code dst} is unchanged
   * @throws IllegalArgumentException if {@code position} is negative or {@code position + length}
   *     overflows
   * @throws IndexOutOfBoundsException if {@code offset}/{@code length} are out of {@code dst}'s
   *     bounds
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if mapping the bytes fails
   */
  public void readFully(long position, byte[] dst, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, dst.length);
    checkPosition(position);
    if (length == 0) {
      return;
    }
    try (RangeHandle<MappingMode> h = hold(position, length, MappingMode.FAULT)) {
      checkWithin(position, length);
      copyOut(position, dst, offset, length);
    }
  }

  /**
   * Reads {@code dst.remaining()} bytes at {@code position} through the mapping into {@code dst},
   * advancing its position, holding {@code FAULT} on them.
   *
   * @param position the file offset of the first byte to read, at least 0
   * @param dst the buffer to fill, from its position to its limit; nothing happens if it has no
   *     bytes remaining
   * @throws EOFException naming position, length and size if the bytes pass the end of the file;
   *     {@code dst} is unchanged
   * @throws IllegalArgumentException if {@code position} is negative, {@code dst} is read-only, or
   *     {@code position + dst.remaining()} overflows
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if mapping the bytes fails
   */
  public void read(long position, ByteBuffer dst) throws IOException {
    checkPosition(position);
    int length = dst.remaining();
    if (length == 0) {
      return;
    }
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("dst is read-only");
    }
    try (RangeHandle<MappingMode> h = hold(position, length, MappingMode.FAULT)) {
      checkWithin(position, length);
      int at = dst.position();
      long p = position;
      int left = length;
      while (left > 0) {
        int n = pieceLength(p, left);
        MappedByteBuffer b = chunk(p, n);
        dst.put(at, b, inChunk(p), n);
        at += n;
        p += n;
        left -= n;
      }
      dst.position(at);
    }
  }

  /**
   * Writes {@code src[offset .. offset + length)} at {@code position} through the mapping, holding
   * {@code FAULT} on the bytes written, extending the file first if they pass its end (the gap, if
   * any, reads as zeros).
   *
   * @param position the file offset of the first byte to write, at least 0
   * @param src the array holding the bytes to write
   * @param offset the index in {@code src} of the first byte written
   * @param length how many bytes to write, at least 0 (0 writes nothing and does not extend)
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if extending or mapping the file fails (a full file system, for one)
   * @throws IllegalArgumentException if {@code position} is negative or {@code position + length}
   *     overflows
   * @throws IndexOutOfBoundsException if {@code offset}/{@code length} are out of {@code src}'s
   *     bounds
   */
  public void write(long position, byte[] src, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, src.length);
    checkPosition(position);
    if (length == 0) {
      return;
    }
    try (RangeHandle<MappingMode> h = hold(position, length, MappingMode.FAULT)) {
      ensureOpen();
      extendTo(position + length);
      copyIn(position, src, offset, length);
    }
  }

  /**
   * Writes {@code src.remaining()} bytes at {@code position} through the mapping, advancing {@code
   * src}'s position, holding {@code FAULT} on them and extending the file as needed (the gap, if
   * any, reads as zeros).
   *
   * @param position the file offset of the first byte to write, at least 0
   * @param src the bytes to write, from its position to its limit; nothing happens if it has no
   *     bytes remaining
   * @throws IllegalArgumentException if {@code position} is negative or {@code position +
   *     src.remaining()} overflows
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if extending or mapping the file fails (a full file system, for one)
   */
  public void write(long position, ByteBuffer src) throws IOException {
    checkPosition(position);
    int length = src.remaining();
    if (length == 0) {
      return;
    }
    try (RangeHandle<MappingMode> h = hold(position, length, MappingMode.FAULT)) {
      ensureOpen();
      extendTo(position + length);
      int at = src.position();
      long p = position;
      int left = length;
      while (left > 0) {
        int n = pieceLength(p, left);
        chunk(p, n).put(inChunk(p), src, at, n);
        at += n;
        p += n;
        left -= n;
      }
      src.position(at);
    }
  }

  /**
   * Reads the byte at {@code position} through the mapping, holding {@code FAULT} on it.
   *
   * @param position the file offset of the byte, at least 0
   * @return the byte at {@code position}
   * @throws EOFException if {@code position} is at or past the end of the file
   * @throws IllegalArgumentException if {@code position} is negative
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if mapping the byte fails
   */
  public byte getByte(long position) throws IOException {
    checkPosition(position);
    try (RangeHandle<MappingMode> h = hold(position, 1, MappingMode.FAULT)) {
      checkWithin(position, 1);
      return chunk(position, 1).get(inChunk(position));
    }
  }

  /**
   * Reads the big-endian {@code int} at {@code position} through the mapping, holding {@code FAULT}
   * on its 4 bytes. No alignment is needed; it may span two mappings.
   *
   * @param position the file offset of the value's first (most significant) byte, at least 0
   * @return the 4 bytes at {@code position} as a big-endian {@code int}
   * @throws EOFException if {@code position + 4} passes the end of the file
   * @throws IllegalArgumentException if {@code position} is negative or {@code position + 4}
   *     overflows
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if mapping the bytes fails
   */
  public int getInt(long position) throws IOException {
    return (int) getBigEndian(position, Integer.BYTES);
  }

  /**
   * Reads the big-endian {@code long} at {@code position} through the mapping, holding {@code
   * FAULT} on its 8 bytes. No alignment is needed; it may span two mappings.
   *
   * @param position the file offset of the value's first (most significant) byte, at least 0
   * @return the 8 bytes at {@code position} as a big-endian {@code long}
   * @throws EOFException if {@code position + 8} passes the end of the file
   * @throws IllegalArgumentException if {@code position} is negative or {@code position + 8}
   *     overflows
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if mapping the bytes fails
   */
  public long getLong(long position) throws IOException {
    return getBigEndian(position, Long.BYTES);
  }

  /**
   * Writes {@code value} at {@code position} through the mapping, holding {@code FAULT} on it and
   * extending the file to {@code position + 1} if shorter.
   *
   * @param position the file offset to write, at least 0
   * @param value the byte to store
   * @throws IllegalArgumentException if {@code position} is negative
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if extending or mapping the file fails
   */
  public void putByte(long position, byte value) throws IOException {
    putBigEndian(position, value, 1);
  }

  /**
   * Writes the big-endian {@code value} at {@code position} through the mapping, holding {@code
   * FAULT} on its 4 bytes and extending the file to {@code position + 4} if shorter. No alignment
   * is needed.
   *
   * @param position the file offset of the value's first (most significant) byte, at least 0
   * @param value the {@code int} to store
   * @throws IllegalArgumentException if {@code position} is negative or {@code position + 4}
   *     overflows
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if extending or mapping the file fails
   */
  public void putInt(long position, int value) throws IOException {
    putBigEndian(position, value, Integer.BYTES);
  }

  /**
   * Writes the big-endian {@code value} at {@code position} through the mapping, holding {@code
   * FAULT} on its 8 bytes and extending the file to {@code position + 8} if shorter. No alignment
   * is needed.
   *
   * @param position the file offset of the value's first (most significant) byte, at least 0
   * @param value the {@code long} to store
   * @throws IllegalArgumentException if {@code position} is negative or {@code position + 8}
   *     overflows
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if extending or mapping the file fails
   */
  public void putLong(long position, long value) throws IOException {
    putBigEndian(position, value, Long.BYTES);
  }

  private long getBigEndian(long position, int width) throws IOException {
    checkPosition(position);
    try (RangeHandle<MappingMode> h = hold(position, width, MappingMode.FAULT)) {
      checkWithin(position, width);
      return loadBigEndian(position, width);
    }
  }

  private void putBigEndian(long position, long value, int width) throws IOException {
    checkPosition(position);
    try (RangeHandle<MappingMode> h = hold(position, width, MappingMode.FAULT)) {
      ensureOpen();
      extendTo(position + width);
      storeBigEndian(position, value, width);
    }
  }

  /** Loads without locking: the caller holds the range and checked it against the size. */
  long loadBigEndian(long position, int width) throws IOException {
    int i = inChunk(position);
    if (pieceLength(position, width) == width) {
      MappedByteBuffer b = chunk(position, width);
      switch (width) {
        case 1:
          return b.get(i);
        case 4:
          return b.getInt(i);
        case 8:
          return b.getLong(i);
        default:
          break;
      }
    }
    byte[] bytes = new byte[width];
    copyOut(position, bytes, 0, width);
    long v = 0;
    for (byte x : bytes) {
      v = (v << 8) | (x & 0xff);
    }
    return width == 4 ? (int) v : v;
  }

  /** Stores without locking: the caller holds the range and the file covers it. */
  void storeBigEndian(long position, long value, int width) throws IOException {
    int i = inChunk(position);
    if (pieceLength(position, width) == width) {
      MappedByteBuffer b = chunk(position, width);
      switch (width) {
        case 1:
          b.put(i, (byte) value);
          return;
        case 4:
          b.putInt(i, (int) value);
          return;
        case 8:
          b.putLong(i, value);
          return;
        default:
          break;
      }
    }
    byte[] bytes = new byte[width];
    for (int k = width - 1; k >= 0; k--) {
      bytes[k] = (byte) value;
      value >>>= 8;
    }
    copyIn(position, bytes, 0, width);
  }

  /**
   * Opens a view of {@code [position, position + length)} that holds {@code FAULT} on it until
   * {@linkplain MappedView#close() closed}: its accessors take no lock and cannot fault, and no
   * truncate, punch or direct IO can touch the range meanwhile. Use it in try-with-resources.
   *
   * @param position the file offset of the view's first byte (its index 0), at least 0
   * @param length the view's size in bytes, at least 1
   * @param extend whether to extend the file to cover the view (for writing); if false and the
   *     range passes the end, {@link EOFException}
   * @return an open view holding {@code FAULT} on {@code [position, position + length)}; the caller
   *     must close it
   * @throws EOFException if {@code extend} is false and {@code position + length} passes the end of
   *     the file; nothing is held
   * @throws IllegalArgumentException if {@code position} is negative or {@code length} is not
   *     positive
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if extending or mapping the file fails; nothing is held
   */
  public MappedView view(long position, int length, boolean extend) throws IOException {
    checkPosition(position);
    if (length <= 0) {
      throw new IllegalArgumentException("view length must be positive, was " + length);
    }
    RangeHandle<MappingMode> h = hold(position, length, MappingMode.FAULT);
    try {
      if (extend) {
        ensureOpen();
        extendTo(position + length);
      } else {
        checkWithin(position, length);
      }
      ByteBuffer[] pieces =
          new ByteBuffer
              [1 + (int) (((position + length - 1) >>> chunkShift) - (position >>> chunkShift))];
      int k = 0;
      for (long p = position; p < position + length; k++) {
        int n = pieceLength(p, (int) (position + length - p));
        pieces[k] = chunk(p, n).slice(inChunk(p), n);
        p += n;
      }
      return new MappedView(h, position, length, pieces, 1 << chunkShift);
    } catch (IOException | RuntimeException | Error e) {
      h.close();
      throw e;
    }
  }

  /**
   * A view of existing bytes: {@code view(position, length, false)}.
   *
   * @param position the file offset of the view's first byte (its index 0), at least 0
   * @param length the view's size in bytes, at least 1
   * @return an open view holding {@code FAULT} on {@code [position, position + length)}; the caller
   *     must close it
   * @throws EOFException if {@code position + length} passes the end of the file; nothing is held
   * @throws IllegalArgumentException if {@code position} is negative or {@code length} is not
   *     positive
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if mapping the bytes fails; nothing is held
   */
  public MappedView view(long position, int length) throws IOException {
    return view(position, length, false);
  }

  // ---------------------------------------------------------------------------------------------
  // Buffered IO through the channel (READ / WRITE)

  /**
   * Reads {@code dst.remaining()} bytes at {@code position} with {@code pread} (the page cache, not
   * the mapping), holding {@code READ} on them.
   *
   * @param position the file offset of the first byte to read, at least 0
   * @param dst the buffer to fill, from its position to its limit (its position advances); nothing
   *     happens if it has no bytes remaining
   * @throws EOFException naming position, length and size if they pass the end of the file
   * @throws IllegalArgumentException if {@code position} is negative or {@code position +
   *     dst.remaining()} overflows
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if the read fails
   */
  public void readBuffered(long position, ByteBuffer dst) throws IOException {
    checkPosition(position);
    int length = dst.remaining();
    if (length == 0) {
      return;
    }
    try (RangeHandle<MappingMode> h = hold(position, length, MappingMode.READ)) {
      checkWithin(position, length);
      long p = position;
      while (dst.hasRemaining()) {
        int n = channel.read(dst, p);
        if (n < 0) {
          throw new IllegalStateException("file shorter than size " + size + " at " + p);
        }
        p += n;
      }
    }
  }

  /**
   * Writes {@code src.remaining()} bytes at {@code position} with {@code pwrite}, holding {@code
   * WRITE} on them, extending the file as needed (the gap, if any, reads as zeros).
   *
   * @param position the file offset of the first byte to write, at least 0
   * @param src the bytes to write, from its position to its limit (its position advances); nothing
   *     happens if it has no bytes remaining
   * @throws IllegalArgumentException if {@code position} is negative or {@code position +
   *     src.remaining()} overflows
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if extending the file or the write fails (a full file system, for one)
   */
  public void writeBuffered(long position, ByteBuffer src) throws IOException {
    checkPosition(position);
    int length = src.remaining();
    if (length == 0) {
      return;
    }
    try (RangeHandle<MappingMode> h = hold(position, length, MappingMode.WRITE)) {
      ensureOpen();
      extendTo(position + length);
      long p = position;
      while (src.hasRemaining()) {
        p += channel.write(src, p);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Direct IO (DIRECT)

  /**
   * The alignment direct IO needs here: the file store's block size. Positions, lengths and buffer
   * addresses of {@link #readDirect} and {@link #writeDirect} must be multiples of it.
   *
   * @return the block size in bytes of the file store holding the file, as the JDK reports it
   *     (typically 4096)
   * @throws IOException if the file store cannot be queried (the file was deleted, for one)
   */
  public int directAlignment() throws IOException {
    return (int) Files.getFileStore(path).getBlockSize();
  }

  /**
   * A direct buffer of {@code capacity} bytes whose address is {@link #directAlignment} aligned.
   *
   * @param capacity the buffer's capacity and limit in bytes, at least 0; a multiple of {@link
   *     #directAlignment} to be usable whole by direct IO
   * @return a new direct buffer, position 0, limit and capacity {@code capacity}, its first byte on
   *     an alignment boundary
   * @throws IllegalArgumentException if {@code capacity} is negative
   * @throws IOException if the file store cannot be queried for its block size
   */
  public ByteBuffer allocateDirectBuffer(int capacity) throws IOException {
    int a = directAlignment();
    return ByteBuffer.allocateDirect(capacity + a - 1).alignedSlice(a).limit(capacity);
  }

  /**
   * Whether the file system accepts {@code O_DIRECT} for this file (opens it once to find out; the
   * answer, and the direct channel, are kept).
   *
   * @return true if {@link #readDirect} and {@link #writeDirect} can run; false if the file system
   *     refuses {@code O_DIRECT} (tmpfs, for one)
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if, once {@code O_DIRECT} is refused, the file store cannot be queried for
   *     the refusal's message
   */
  public boolean supportsDirectIo() throws IOException {
    resize.lock();
    try {
      ensureOpen();
      openDirect();
      return direct != null;
    } finally {
      resize.unlock();
    }
  }

  /**
   * Reads into {@code dst} at {@code position} with {@code O_DIRECT}, bypassing the page cache,
   * holding {@code DIRECT} on the range. Reads {@code dst.remaining()} bytes, fewer only at the end
   * of the file; returns the count ({@code -1} if {@code position} is at or past the end).
   *
   * @param position the file offset to read from, at least 0 and a multiple of {@link
   *     #directAlignment()}
   * @param dst a direct buffer (see {@link #allocateDirectBuffer}) whose position is aligned and
   *     whose remaining bytes, at least one, are a multiple of the alignment; its position advances
   *     by the count read
   * @return the number of bytes read, short only at the end of the file, or {@code -1} if {@code
   *     position} is at or past the end
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if the read fails
   * @throws IllegalArgumentException if {@code dst} is not direct, or position, remaining or the
   *     buffer address are not {@link #directAlignment()} aligned (naming them)
   * @throws UnsupportedOperationException if the file system refuses {@code O_DIRECT}
   */
  public int readDirect(long position, ByteBuffer dst) throws IOException {
    checkPosition(position);
    checkAligned(position, dst);
    FileChannel d = directChannel();
    try (RangeHandle<MappingMode> h = hold(position, dst.remaining(), MappingMode.DIRECT)) {
      ensureOpen();
      long end = size;
      if (position >= end) {
        return -1;
      }
      int total = 0;
      long p = position;
      while (dst.hasRemaining() && p < end) {
        int n = d.read(dst, p);
        if (n <= 0) {
          break;
        }
        total += n;
        p += n;
      }
      return total;
    }
  }

  /**
   * Writes {@code src} at {@code position} with {@code O_DIRECT}, holding {@code DIRECT} on the
   * range, extending the file as needed. When it returns, mapped and buffered reads of the range
   * return the new bytes.
   *
   * @param position the file offset to write at, at least 0 and a multiple of {@link
   *     #directAlignment()}
   * @param src a direct buffer (see {@link #allocateDirectBuffer}) whose position is aligned and
   *     whose remaining bytes, at least one, are a multiple of the alignment; all of them are
   *     written and its position advances to its limit
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if extending the file or the write fails
   * @throws IllegalArgumentException if {@code position} is negative, or {@code src} is not direct,
   *     empty or not aligned (naming the values)
   * @throws UnsupportedOperationException if the file system refuses {@code O_DIRECT}
   */
  public void writeDirect(long position, ByteBuffer src) throws IOException {
    checkPosition(position);
    checkAligned(position, src);
    FileChannel d = directChannel();
    try (RangeHandle<MappingMode> h = hold(position, src.remaining(), MappingMode.DIRECT)) {
      ensureOpen();
      extendTo(position + src.remaining());
      long p = position;
      while (src.hasRemaining()) {
        p += d.write(src, p);
      }
    }
  }

  private void checkAligned(long position, ByteBuffer b) throws IOException {
    int a = directAlignment();
    if (!b.isDirect()) {
      throw new IllegalArgumentException("direct IO needs a direct buffer (allocateDirectBuffer)");
    }
    if (b.remaining() <= 0) {
      throw new IllegalArgumentException("direct IO length must be positive, was 0");
    }
    if (position % a != 0 || b.remaining() % a != 0 || b.alignmentOffset(b.position(), a) != 0) {
      throw new IllegalArgumentException(
          "direct IO needs position, length and buffer address aligned to "
              + a
              + ": position "
              + position
              + ", length "
              + b.remaining()
              + ", address offset "
              + b.alignmentOffset(b.position(), a));
    }
  }

  private FileChannel directChannel() throws IOException {
    resize.lock();
    try {
      ensureOpen();
      openDirect();
      if (direct == null) {
        throw new UnsupportedOperationException(
            "O_DIRECT refused for " + path + " by its file system: " + directRefusal);
      }
      return direct;
    } finally {
      resize.unlock();
    }
  }

  /** Under {@link #resize}. */
  private void openDirect() throws IOException {
    if (direct != null || directRefusal != null) {
      return;
    }
    try {
      direct =
          FileChannel.open(
              path,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE,
              com.sun.nio.file.ExtendedOpenOption.DIRECT);
    } catch (UnsupportedOperationException | IOException e) {
      directRefusal = e.toString() + " (file store " + Files.getFileStore(path).type() + ")";
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writeback (WRITEBACK)

  /**
   * Writes the dirty pages of {@code [position, position + length)} (clamped to the size) to
   * storage and waits for it ({@code msync(MS_SYNC)} of the mapped range, which on Linux syncs that
   * range of the file, page-cache writes through the channel included), holding {@code WRITEBACK}:
   * it runs alongside every access and excludes only the page killers.
   *
   * @param position the file offset of the first byte to write back, at least 0
   * @param length how many bytes from {@code position} to write back, at least 1; the part past the
   *     end of the file is ignored
   * @throws IllegalArgumentException if {@code position} is negative, {@code length} is not
   *     positive or {@code position + length} overflows
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if mapping the range fails
   * @throws java.io.UncheckedIOException if {@code msync} reports an error (as {@link
   *     MappedByteBuffer#force(int, int)} does)
   */
  public void force(long position, long length) throws IOException {
    checkPosition(position);
    if (length <= 0) {
      throw new IllegalArgumentException("force length must be positive, was " + length);
    }
    try (RangeHandle<MappingMode> h =
        lock.acquire(Range.ofLength(position, length), MappingMode.WRITEBACK)) {
      ensureOpen();
      long end = Math.min(size, position + length);
      for (long p = position; p < end; ) {
        int n = pieceLength(p, (int) Math.min(Integer.MAX_VALUE, end - p));
        chunk(p, n).force(inChunk(p), n);
        p += n;
      }
    }
  }

  /**
   * Writes all dirty data and metadata of the file to storage ({@code fsync}), holding {@code
   * WRITEBACK} on the whole file.
   *
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if {@code fsync} fails
   */
  public void force() throws IOException {
    try (RangeHandle<MappingMode> h = lock.acquire(Range.all(), MappingMode.WRITEBACK)) {
      ensureOpen();
      channel.force(true);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Page killers (INVALIDATE)

  /**
   * Sets the size to {@code newSize}: shrinking drops the bytes from {@code newSize} on, growing
   * adds zeros. Holds {@code INVALIDATE} from {@code newSize} to the end of the address space, so
   * it waits for every access to bytes it removes, and those that follow find the new end.
   *
   * @param newSize the size in bytes the file has after the call, in {@code [0, Long.MAX_VALUE)}
   * @throws IllegalArgumentException if {@code newSize} is negative or {@code Long.MAX_VALUE}
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if changing the file's length fails; the size is unchanged
   */
  public void truncate(long newSize) throws IOException {
    if (newSize < 0 || newSize == Long.MAX_VALUE) {
      throw new IllegalArgumentException("newSize must be in [0, Long.MAX_VALUE), was " + newSize);
    }
    Range from = Range.from(newSize);
    try (RangeHandle<MappingMode> h = lock.acquire(from, MappingMode.INVALIDATE)) {
      ensureOpen();
      resize.lock();
      try {
        file.setLength(newSize);
        size = newSize;
      } finally {
        resize.unlock();
      }
    }
  }

  /**
   * Deallocates {@code [position, position + length)} clamped to the size, which then reads as
   * zeros through every path; the size does not change ({@code fallocate(PUNCH_HOLE|KEEP_SIZE)}).
   * Holds {@code INVALIDATE} on the range. JDK 22+ on Linux.
   *
   * @param position the file offset of the first byte to deallocate, at least 0
   * @param length how many bytes to deallocate, at least 1; the part past the end of the file is
   *     ignored. The file system frees only whole blocks and zeroes the partial ones at the edges
   * @throws IllegalArgumentException if {@code position} is negative, {@code length} is not
   *     positive or {@code position + length} overflows
   * @throws UnsupportedOperationException naming the JDK or platform needed, or if the file system
   *     cannot punch holes; nothing was changed
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if {@code fallocate} fails, naming its error
   */
  public void punchHole(long position, long length) throws IOException {
    killRange("punchHole", position, length, FileSpace.PUNCH_HOLE | FileSpace.KEEP_SIZE);
  }

  /**
   * Zeroes {@code [position, position + length)} clamped to the size, keeping it allocated ({@code
   * fallocate(ZERO_RANGE|KEEP_SIZE)}); the size does not change. Holds {@code INVALIDATE} on the
   * range. JDK 22+ on Linux.
   *
   * @param position the file offset of the first byte to zero, at least 0
   * @param length how many bytes to zero, at least 1; the part past the end of the file is ignored
   * @throws IllegalArgumentException if {@code position} is negative, {@code length} is not
   *     positive or {@code position + length} overflows
   * @throws UnsupportedOperationException naming the JDK or platform needed, or if the file system
   *     cannot zero ranges; nothing was changed
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if {@code fallocate} fails, naming its error
   */
  public void zeroRange(long position, long length) throws IOException {
    killRange("zeroRange", position, length, FileSpace.ZERO_RANGE | FileSpace.KEEP_SIZE);
  }

  private void killRange(String op, long position, long length, int mode) throws IOException {
    Range r = Range.ofLength(position, length);
    FileSpace fs = space(op);
    try (RangeHandle<MappingMode> h = lock.acquire(r, MappingMode.INVALIDATE)) {
      ensureOpen();
      long end = Math.min(size, r.end());
      if (position < end) {
        fs.fallocate(mode, position, end - position);
      }
    }
  }

  /**
   * Removes {@code [position, position + length)}; the bytes after it move down and the size
   * shrinks by {@code length} ({@code fallocate(COLLAPSE_RANGE)}; the file system wants both
   * multiples of its block size and the range to end before the end of the file). Holds {@code
   * INVALIDATE} from {@code position} on. JDK 22+ on Linux.
   *
   * @param position the file offset of the first byte removed, at least 0, a multiple of the file
   *     system's block size
   * @param length how many bytes to remove, at least 1, a multiple of the block size; {@code
   *     position + length} must be before the end of the file
   * @throws IllegalArgumentException if {@code position} is negative, {@code length} is not
   *     positive or {@code position + length} overflows
   * @throws UnsupportedOperationException naming the JDK or platform needed, or if the file system
   *     cannot collapse ranges; nothing was changed
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if {@code fallocate} fails (an unaligned or too long range gives {@code
   *     EINVAL}), naming its error; the size is unchanged
   */
  public void collapseRange(long position, long length) throws IOException {
    shiftRange("collapseRange", position, length, FileSpace.COLLAPSE_RANGE, -length);
  }

  /**
   * Inserts {@code length} zero bytes at {@code position}; the bytes after it move up and the size
   * grows by {@code length} ({@code fallocate(INSERT_RANGE)}; block-aligned, {@code position}
   * before the end). Holds {@code INVALIDATE} from {@code position} on. JDK 22+ on Linux.
   *
   * @param position the file offset where the zeros go, at least 0, a multiple of the file system's
   *     block size and before the end of the file
   * @param length how many zero bytes to insert, at least 1, a multiple of the block size
   * @throws IllegalArgumentException if {@code position} is negative, {@code length} is not
   *     positive or {@code position + length} overflows
   * @throws UnsupportedOperationException naming the JDK or platform needed, or if the file system
   *     cannot insert ranges; nothing was changed
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if {@code fallocate} fails (an unaligned range or one at or past the end
   *     gives {@code EINVAL}), naming its error; the size is unchanged
   */
  public void insertRange(long position, long length) throws IOException {
    shiftRange("insertRange", position, length, FileSpace.INSERT_RANGE, length);
  }

  private void shiftRange(String op, long position, long length, int mode, long delta)
      throws IOException {
    Range.ofLength(position, length); // validates
    FileSpace fs = space(op);
    try (RangeHandle<MappingMode> h = lock.acquire(Range.from(position), MappingMode.INVALIDATE)) {
      ensureOpen();
      resize.lock();
      try {
        fs.fallocate(mode, position, length);
        size = size + delta;
      } finally {
        resize.unlock();
      }
    }
  }

  /**
   * Allocates storage for {@code [position, position + length)} ({@code fallocate}, mode 0 or
   * {@code KEEP_SIZE}): later writes there cannot fail for lack of space. Unless {@code keepSize},
   * the size grows to {@code position + length} if smaller. The data does not change; holds {@code
   * WRITE} on the range (it changes the block map, as a write does). JDK 22+ on Linux.
   *
   * @param position the file offset of the first byte to allocate, at least 0
   * @param length how many bytes to allocate, at least 1
   * @param keepSize true to leave the size as it is (storage past the end is allocated but not part
   *     of the file's content), false to grow it to {@code position + length} if smaller
   * @throws IllegalArgumentException if {@code position} is negative, {@code length} is not
   *     positive or {@code position + length} overflows
   * @throws UnsupportedOperationException naming the JDK or platform needed, or if the file system
   *     cannot preallocate; nothing was changed
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if {@code fallocate} fails ({@code ENOSPC} when the space is not there),
   *     naming its error; the size is unchanged
   */
  public void allocate(long position, long length, boolean keepSize) throws IOException {
    Range r = Range.ofLength(position, length);
    FileSpace fs = space("allocate");
    try (RangeHandle<MappingMode> h = lock.acquire(r, MappingMode.WRITE)) {
      ensureOpen();
      resize.lock();
      try {
        fs.fallocate(keepSize ? FileSpace.KEEP_SIZE : 0, position, length);
        if (!keepSize && r.end() > size) {
          size = r.end();
        }
      } finally {
        resize.unlock();
      }
    }
  }

  /**
   * The bytes the file system has allocated to the file ({@code st_blocks * 512} from {@code
   * fstat}): less than the size for a sparse file, and it drops after {@link #punchHole}. Holds
   * {@code WRITEBACK} on the whole file. JDK 22+ on Linux.
   *
   * @return the allocated bytes, a multiple of 512, at least 0
   * @throws UnsupportedOperationException naming the JDK or platform needed
   * @throws ClosedChannelException if the file is closed
   * @throws IOException if {@code fstat} fails, naming its error
   */
  public long allocatedBytes() throws IOException {
    FileSpace fs = space("allocatedBytes");
    // WRITEBACK on everything: no page killer changes the allocation meanwhile, and close (which
    // closes the descriptor fstat uses) waits.
    try (RangeHandle<MappingMode> h = lock.acquire(Range.all(), MappingMode.WRITEBACK)) {
      ensureOpen();
      return fs.allocatedBytes();
    }
  }

  /**
   * Whether {@link #punchHole}, {@link #zeroRange}, {@link #collapseRange}, {@link #insertRange},
   * {@link #allocate} and {@link #allocatedBytes} can run on this JDK and platform (the file system
   * may still refuse an operation).
   *
   * @return true on JDK 22 or later on Linux x86_64 or aarch64 once {@code fallocate} and {@code
   *     fstat} were linked from the C library; false otherwise, and those operations throw {@link
   *     UnsupportedOperationException} naming what is missing
   */
  public static boolean supportsFileSpaceOperations() {
    return FileSpace.available();
  }

  private FileSpace space(String op) throws IOException {
    if (!FileSpace.available()) {
      throw new UnsupportedOperationException(op + " " + FileSpace.unavailableReason());
    }
    resize.lock();
    try {
      ensureOpen();
      if (space == null) {
        space = FileSpace.open(path, op);
      }
      return space;
    } finally {
      resize.unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Close

  /**
   * Waits for every operation and open view to finish (holding {@code INVALIDATE} on everything),
   * then closes the file. Later operations throw {@link ClosedChannelException}; closing again does
   * nothing. The mappings are unmapped by the garbage collector once unreachable.
   *
   * @throws IllegalStateException if the calling thread holds an open {@link MappedView} of this
   *     file (closing would wait for it forever)
   * @throws IOException if closing a descriptor fails; the file counts as closed all the same
   */
  @Override
  public void close() throws IOException {
    try (RangeHandle<MappingMode> h = lock.acquire(Range.all(), MappingMode.INVALIDATE)) {
      if (closed) {
        return;
      }
      resize.lock();
      try {
        closed = true;
        chunks = new MappedByteBuffer[0];
        try {
          if (space != null) {
            space.close();
          }
          if (direct != null) {
            direct.close();
          }
        } finally {
          file.close();
        }
      } finally {
        resize.unlock();
      }
    }
  }

  @Override
  public String toString() {
    return "MappedFile[" + path + ", size " + size + (closed ? ", closed]" : "]");
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  private RangeHandle<MappingMode> hold(long position, int length, MappingMode mode) {
    return lock.acquire(Range.ofLength(position, length), mode);
  }

  private static void checkPosition(long position) {
    if (position < 0) {
      throw new IllegalArgumentException("position must be non-negative, was " + position);
    }
  }

  private void ensureOpen() throws ClosedChannelException {
    if (closed) {
      throw new ClosedChannelException();
    }
  }

  /** Under a hold of the range: fails unless the file covers it. */
  void checkWithin(long position, long length) throws IOException {
    ensureOpen();
    long s = size;
    if (position + length > s) {
      throw new EOFException(
          "position "
              + position
              + " + length "
              + length
              + " passes the end of "
              + path
              + " (size "
              + s
              + ")");
    }
  }

  /** Under a hold of [.., end): grows the file to {@code end} if shorter. */
  private void extendTo(long end) throws IOException {
    if (end <= size) {
      return;
    }
    resize.lock();
    try {
      if (end > size) {
        file.setLength(end);
        size = end;
      }
    } finally {
      resize.unlock();
    }
  }

  private int inChunk(long position) {
    return (int) (position & chunkMask);
  }

  /** How many of {@code length} bytes from {@code position} lie in position's chunk. */
  private int pieceLength(long position, int length) {
    long room = (chunkMask + 1) - (position & chunkMask);
    return (int) Math.min(length, room);
  }

  /**
   * The mapping of position's chunk, covering at least {@code [position, position + n)}, which the
   * caller holds and the file covers.
   */
  MappedByteBuffer chunk(long position, int n) throws IOException {
    int index = (int) (position >>> chunkShift);
    long needed = (position & chunkMask) + n;
    MappedByteBuffer[] cs = chunks;
    if (index < cs.length) {
      MappedByteBuffer b = cs[index];
      if (b != null && b.capacity() >= needed) {
        return b;
      }
    }
    return remap(index, needed);
  }

  private MappedByteBuffer remap(int index, long needed) throws IOException {
    resize.lock();
    try {
      ensureOpen();
      MappedByteBuffer[] cs = chunks;
      if (index < cs.length && cs[index] != null && cs[index].capacity() >= needed) {
        return cs[index];
      }
      long start = (long) index << chunkShift;
      // size == the file's length under the mutex, and >= start + needed (the caller's hold).
      long length = Math.min(chunkMask + 1, size - start);
      if (length < needed) {
        throw new IllegalStateException(
            "mapping " + needed + " bytes of chunk " + index + " but the file has " + size);
      }
      MappedByteBuffer b = channel.map(FileChannel.MapMode.READ_WRITE, start, length);
      MappedByteBuffer[] next = Arrays.copyOf(cs, Math.max(cs.length, index + 1));
      next[index] = b;
      chunks = next;
      return b;
    } finally {
      resize.unlock();
    }
  }

  /** Copies out without locking: the caller holds the range and checked the size. */
  void copyOut(long position, byte[] dst, int offset, int length) throws IOException {
    long p = position;
    int off = offset;
    int left = length;
    while (left > 0) {
      int n = pieceLength(p, left);
      chunk(p, n).get(inChunk(p), dst, off, n);
      p += n;
      off += n;
      left -= n;
    }
  }

  /** Copies in without locking: the caller holds the range and the file covers it. */
  void copyIn(long position, byte[] src, int offset, int length) throws IOException {
    long p = position;
    int off = offset;
    int left = length;
    while (left > 0) {
      int n = pieceLength(p, left);
      chunk(p, n).put(inChunk(p), src, off, n);
      p += n;
      off += n;
      left -= n;
    }
  }
}
