package org.rangelock.mmap;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.rangelock.MappingMode;
import org.rangelock.RangeHandle;

/**
 * A window on {@code [position(), position() + length())} of a {@link MappedFile} that holds {@code
 * FAULT} on it from {@link MappedFile#view} until {@link #close()}. While it is open no truncate,
 * punch, zero/collapse/insert range or direct IO can touch those bytes, so its accessors take no
 * lock and never fault: this is the cheap way to do many small accesses to one record or page.
 * Indexes are relative to the view's start; primitives are big-endian.
 *
 * <p>Hold it briefly, in try-with-resources: a page killer or direct write on an overlapping range
 * waits for it, and so does everything queued behind that (FIFO). A view is meant for the thread
 * that opened it; its accessors are not synchronized (concurrent views of overlapping bytes behave
 * like shared memory). After {@link #close()} every accessor throws {@link IllegalStateException}.
 */
public final class MappedView implements AutoCloseable {
  /*
   * Implementation notes. pieces are slices of the file's chunk mappings, one per chunk the view
   * crosses (usually one), taken at open; pieceSize is the chunk size, so piece k starts at view
   * index k * pieceSize - (position mod pieceSize) for k > 0. The slices keep their mappings
   * reachable while the view is open, and the FAULT hold keeps the file covering them.
   */
  private final RangeHandle<MappingMode> hold;
  private final long position;
  private final int length;
  private final ByteBuffer[] pieces;
  private final int firstPiece;
  private final int pieceSize;
  private boolean open = true;

  MappedView(
      RangeHandle<MappingMode> hold,
      long position,
      int length,
      ByteBuffer[] pieces,
      int pieceSize) {
    this.hold = hold;
    this.position = position;
    this.length = length;
    this.pieces = pieces;
    this.firstPiece = pieces[0].capacity();
    this.pieceSize = pieceSize;
  }

  /**
   * The file offset of the view's first byte.
   *
   * @return the {@code position} the view was opened at; index 0 of the view is this byte
   */
  public long position() {
    return position;
  }

  /**
   * The number of bytes in the view.
   *
   * @return the {@code length} the view was opened with, at least 1; valid indexes are {@code [0,
   *     length())}
   */
  public int length() {
    return length;
  }

  /**
   * The byte at {@code index}.
   *
   * @param index the byte's offset from the view's start, in {@code [0, length())}
   * @return the byte at file offset {@code position() + index}
   * @throws IllegalStateException if the view is closed
   * @throws IndexOutOfBoundsException if {@code index} is outside {@code [0, length())}
   */
  public byte get(int index) {
    check(index, 1);
    return piece(index).get(offsetIn(index));
  }

  /**
   * The big-endian {@code int} at {@code index}. No alignment is needed.
   *
   * @param index the offset of the value's first (most significant) byte from the view's start
   * @return the 4 bytes at {@code index} as a big-endian {@code int}
   * @throws IllegalStateException if the view is closed
   * @throws IndexOutOfBoundsException if {@code index} is negative or {@code index + 4} passes
   *     {@link #length()}
   */
  public int getInt(int index) {
    check(index, Integer.BYTES);
    if (inOnePiece(index, Integer.BYTES)) {
      return piece(index).getInt(offsetIn(index));
    }
    return (int) assemble(index, Integer.BYTES);
  }

  /**
   * The big-endian {@code long} at {@code index}. No alignment is needed.
   *
   * @param index the offset of the value's first (most significant) byte from the view's start
   * @return the 8 bytes at {@code index} as a big-endian {@code long}
   * @throws IllegalStateException if the view is closed
   * @throws IndexOutOfBoundsException if {@code index} is negative or {@code index + 8} passes
   *     {@link #length()}
   */
  public long getLong(int index) {
    check(index, Long.BYTES);
    if (inOnePiece(index, Long.BYTES)) {
      return piece(index).getLong(offsetIn(index));
    }
    return assemble(index, Long.BYTES);
  }

  /**
   * Copies {@code dst.length} bytes from {@code index} into {@code dst}.
   *
   * @param index the offset from the view's start of the first byte copied
   * @param dst the array to fill, all of it
   * @throws IllegalStateException if the view is closed
   * @throws IndexOutOfBoundsException if {@code index} is negative or {@code index + dst.length}
   *     passes {@link #length()}
   */
  public void get(int index, byte[] dst) {
    get(index, dst, 0, dst.length);
  }

  /**
   * Copies {@code n} bytes from {@code index} into {@code dst[offset .. offset + n)}.
   *
   * @param index the offset from the view's start of the first byte copied
   * @param dst the array to copy into
   * @param offset the index in {@code dst} of the first byte copied
   * @param n how many bytes to copy, at least 0
   * @throws IllegalStateException if the view is closed
   * @throws IndexOutOfBoundsException if {@code offset}/{@code n} are out of {@code dst}'s bounds,
   *     or {@code index}/{@code n} out of the view's
   */
  public void get(int index, byte[] dst, int offset, int n) {
    Objects.checkFromIndexSize(offset, n, dst.length);
    check(index, n);
    while (n > 0) {
      int k = Math.min(n, room(index));
      piece(index).get(offsetIn(index), dst, offset, k);
      index += k;
      offset += k;
      n -= k;
    }
  }

  /**
   * Stores {@code value} at {@code index}.
   *
   * @param index the byte's offset from the view's start, in {@code [0, length())}
   * @param value the byte to store at file offset {@code position() + index}
   * @throws IllegalStateException if the view is closed
   * @throws IndexOutOfBoundsException if {@code index} is outside {@code [0, length())}
   */
  public void put(int index, byte value) {
    check(index, 1);
    piece(index).put(offsetIn(index), value);
  }

  /**
   * Stores the big-endian {@code value} at {@code index}. No alignment is needed.
   *
   * @param index the offset of the value's first (most significant) byte from the view's start
   * @param value the {@code int} to store in the 4 bytes from {@code index}
   * @throws IllegalStateException if the view is closed
   * @throws IndexOutOfBoundsException if {@code index} is negative or {@code index + 4} passes
   *     {@link #length()}
   */
  public void putInt(int index, int value) {
    check(index, Integer.BYTES);
    if (inOnePiece(index, Integer.BYTES)) {
      piece(index).putInt(offsetIn(index), value);
    } else {
      scatter(index, value, Integer.BYTES);
    }
  }

  /**
   * Stores the big-endian {@code value} at {@code index}. No alignment is needed.
   *
   * @param index the offset of the value's first (most significant) byte from the view's start
   * @param value the {@code long} to store in the 8 bytes from {@code index}
   * @throws IllegalStateException if the view is closed
   * @throws IndexOutOfBoundsException if {@code index} is negative or {@code index + 8} passes
   *     {@link #length()}
   */
  public void putLong(int index, long value) {
    check(index, Long.BYTES);
    if (inOnePiece(index, Long.BYTES)) {
      piece(index).putLong(offsetIn(index), value);
    } else {
      scatter(index, value, Long.BYTES);
    }
  }

  /**
   * Copies {@code src[offset .. offset + n)} to {@code index}.
   *
   * @param index the offset from the view's start where the first byte goes
   * @param src the array holding the bytes
   * @param offset the index in {@code src} of the first byte copied
   * @param n how many bytes to copy, at least 0
   * @throws IllegalStateException if the view is closed
   * @throws IndexOutOfBoundsException if {@code offset}/{@code n} are out of {@code src}'s bounds,
   *     or {@code index}/{@code n} out of the view's
   */
  public void put(int index, byte[] src, int offset, int n) {
    Objects.checkFromIndexSize(offset, n, src.length);
    check(index, n);
    while (n > 0) {
      int k = Math.min(n, room(index));
      piece(index).put(offsetIn(index), src, offset, k);
      index += k;
      offset += k;
      n -= k;
    }
  }

  /**
   * Whether the view is still open (holding its range).
   *
   * @return true until {@link #close()} is called
   */
  public boolean isOpen() {
    return open;
  }

  /**
   * Releases the range. Closing twice is an {@link IllegalStateException}, as for the lock's
   * handles: a double release is never silent.
   *
   * @throws IllegalStateException if the view is already closed
   */
  @Override
  public void close() {
    if (!open) {
      throw new IllegalStateException("view " + this + " already closed");
    }
    open = false;
    hold.close();
  }

  @Override
  public String toString() {
    return "MappedView[" + position + ", +" + length + (open ? "]" : ", closed]");
  }

  private void check(int index, int n) {
    if (!open) {
      throw new IllegalStateException("view " + this + " is closed");
    }
    Objects.checkFromIndexSize(index, n, length);
  }

  private int pieceIndex(int index) {
    return index < firstPiece ? 0 : 1 + (index - firstPiece) / pieceSize;
  }

  private ByteBuffer piece(int index) {
    return pieces[pieceIndex(index)];
  }

  private int offsetIn(int index) {
    return index < firstPiece ? index : (index - firstPiece) % pieceSize;
  }

  private int room(int index) {
    return pieces[pieceIndex(index)].capacity() - offsetIn(index);
  }

  private boolean inOnePiece(int index, int n) {
    return room(index) >= n;
  }

  private long assemble(int index, int n) {
    long v = 0;
    for (int i = 0; i < n; i++) {
      v = (v << 8) | (piece(index + i).get(offsetIn(index + i)) & 0xff);
    }
    return v;
  }

  private void scatter(int index, long value, int n) {
    for (int i = n - 1; i >= 0; i--) {
      piece(index + i).put(offsetIn(index + i), (byte) value);
      value >>>= 8;
    }
  }
}
