package org.rangelock;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The modes of a {@link RangeLock} and which of them may hold overlapping ranges at once: a
 * symmetric compatibility relation over the constants of an enum.
 *
 * <p>A table is built with {@link #builder(Class)} and checked when built: every ordered pair of
 * modes must be declared (directly, or through a {@link Builder#row row}), and the relation must be
 * symmetric. A table is immutable and safe to share between threads and locks.
 *
 * <p>Mode {@code b} is <em>weaker</em> than mode {@code a} when every mode compatible with {@code
 * a} is also compatible with {@code b}, and {@code b != a}; a held range may be {@linkplain
 * RangeHandle#downgrade downgraded} to a weaker mode without being released.
 *
 * @param <M> the enum of modes
 */
public final class ModeTable<M extends Enum<M>> {
  /*
   * Implementation notes: compatibility is one long bitmask per mode, indexed by ordinal, so
   * compatible(a, b) is a shift and a mask on the lock's hot path. That limits a table to 64
   * modes, which the builder checks.
   */

  private final Class<M> modeClass;
  private final M[] modes;
  private final long[] compatMask;

  private ModeTable(Class<M> modeClass, long[] compatMask) {
    this.modeClass = modeClass;
    this.modes = modeClass.getEnumConstants();
    this.compatMask = compatMask;
  }

  /**
   * Starts a table over the constants of {@code modeClass}.
   *
   * @param <M> the mode enum
   * @param modeClass the enum whose constants are the modes, 1 to 64 of them
   * @return a builder in which no pair of modes is declared yet
   * @throws NullPointerException if {@code modeClass} is null
   * @throws IllegalArgumentException if the enum has no constants or more than 64
   */
  public static <M extends Enum<M>> Builder<M> builder(Class<M> modeClass) {
    Objects.requireNonNull(modeClass, "modeClass");
    M[] constants = modeClass.getEnumConstants();
    if (constants == null) {
      throw new IllegalArgumentException(modeClass.getName() + " is not an enum class");
    }
    if (constants.length == 0 || constants.length > 64) {
      throw new IllegalArgumentException(
          "a mode table needs 1 to 64 modes, " + modeClass.getName() + " has " + constants.length);
    }
    return new Builder<>(modeClass, constants);
  }

  /**
   * The enum whose constants are the modes of this table.
   *
   * @return the class given to {@link #builder}; its constants, in ordinal order, are the rows
   */
  public Class<M> modeClass() {
    return modeClass;
  }

  /**
   * Whether a hold in mode {@code a} and a hold in mode {@code b} may overlap.
   *
   * @param a the mode of one hold or request
   * @param b the mode of the other (the relation is symmetric, so the order does not matter)
   * @return true if the two may be held on overlapping ranges at once
   * @throws NullPointerException if either mode is null
   * @throws IllegalArgumentException if a mode is not of this table's enum (only possible through
   *     raw types)
   */
  public boolean compatible(M a, M b) {
    return (compatMask[checkMode(a).ordinal()] & (1L << checkMode(b).ordinal())) != 0;
  }

  /**
   * Whether {@code weaker} is strictly weaker than {@code stronger}: every mode compatible with
   * {@code stronger} is compatible with {@code weaker}, and the two differ.
   *
   * @param weaker the mode a hold would move to (as in {@link RangeHandle#downgrade})
   * @param stronger the mode it holds now
   * @return true if {@code weaker} conflicts with a subset of what {@code stronger} conflicts with
   *     and is a different mode
   * @throws NullPointerException if either mode is null
   * @throws IllegalArgumentException if a mode is not of this table's enum (only possible through
   *     raw types)
   */
  public boolean isWeaker(M weaker, M stronger) {
    long w = compatMask[checkMode(weaker).ordinal()];
    long s = compatMask[checkMode(stronger).ordinal()];
    return weaker != stronger && (s & ~w) == 0;
  }

  /** Checks that {@code mode} is a non-null constant of this table's enum, and returns it. */
  M checkMode(M mode) {
    if (mode == null) {
      throw new NullPointerException("mode is null (table over " + modeClass.getSimpleName() + ")");
    }
    // getClass() is the enum itself unless the constant has a body; that test is the cheap one.
    if (mode.getClass() != modeClass && mode.getDeclaringClass() != modeClass) {
      throw new IllegalArgumentException(
          "mode "
              + mode
              + " of "
              + mode.getDeclaringClass().getName()
              + " is not a mode of this table over "
              + modeClass.getName());
    }
    return mode;
  }

  /** The compatibility bitmask of {@code ordinal}: bit {@code j} set iff compatible with j. */
  long maskOf(int ordinal) {
    return compatMask[ordinal];
  }

  M modeOf(int ordinal) {
    return modes[ordinal];
  }

  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder("ModeTable<").append(modeClass.getSimpleName()).append(">");
    for (M a : modes) {
      sb.append("\n  ").append(a).append(':');
      for (M b : modes) {
        if (compatible(a, b)) {
          sb.append(' ').append(b);
        }
      }
    }
    return sb.toString();
  }

  /**
   * {@link ReadWriteMode}: {@code SHARED} is compatible with itself, {@code EXCLUSIVE} with none.
   *
   * @return the shared read/write table (one instance)
   */
  public static ModeTable<ReadWriteMode> readWrite() {
    return Shipped.READ_WRITE;
  }

  /**
   * {@link MappingMode}: the table of {@code docs/design.md} §3 (see {@link MappingMode}).
   *
   * @return the shared page-cache mapping table (one instance)
   */
  public static ModeTable<MappingMode> mapping() {
    return Shipped.MAPPING;
  }

  /**
   * {@link TwoStateMode}: each state shares with itself and excludes the other.
   *
   * @return the shared two-state table (one instance)
   */
  public static ModeTable<TwoStateMode> twoState() {
    return Shipped.TWO_STATE;
  }

  /**
   * {@link DlmMode}: the classic VMS DLM matrix.
   *
   * @return the shared six-mode DLM table (one instance)
   */
  public static ModeTable<DlmMode> dlm() {
    return Shipped.DLM;
  }

  /** Holder class so the shipped tables are built once, on first use. */
  private static final class Shipped {
    static final ModeTable<ReadWriteMode> READ_WRITE =
        builder(ReadWriteMode.class)
            .row(ReadWriteMode.SHARED, ReadWriteMode.SHARED)
            .row(ReadWriteMode.EXCLUSIVE)
            .build();

    static final ModeTable<MappingMode> MAPPING;

    static {
      MappingMode fault = MappingMode.FAULT;
      MappingMode read = MappingMode.READ;
      MappingMode write = MappingMode.WRITE;
      MappingMode direct = MappingMode.DIRECT;
      MappingMode writeback = MappingMode.WRITEBACK;
      MAPPING =
          builder(MappingMode.class)
              .row(fault, fault, read, writeback)
              .row(read, fault, read, write, writeback)
              .row(write, read, write, writeback)
              .row(direct, direct, writeback)
              .row(writeback, fault, read, write, direct, writeback)
              .row(MappingMode.INVALIDATE)
              .build();
    }

    static final ModeTable<TwoStateMode> TWO_STATE =
        builder(TwoStateMode.class)
            .row(TwoStateMode.ADD, TwoStateMode.ADD)
            .row(TwoStateMode.BLOCK, TwoStateMode.BLOCK)
            .build();

    static final ModeTable<DlmMode> DLM =
        builder(DlmMode.class)
            .row(DlmMode.NL, DlmMode.values())
            .row(DlmMode.CR, DlmMode.NL, DlmMode.CR, DlmMode.CW, DlmMode.PR, DlmMode.PW)
            .row(DlmMode.CW, DlmMode.NL, DlmMode.CR, DlmMode.CW)
            .row(DlmMode.PR, DlmMode.NL, DlmMode.CR, DlmMode.PR)
            .row(DlmMode.PW, DlmMode.NL, DlmMode.CR)
            .row(DlmMode.EX, DlmMode.NL)
            .build();
  }

  /**
   * Declares a table cell by cell; {@link #build()} checks it is complete and symmetric. Not
   * thread-safe.
   *
   * @param <M> the enum of modes
   */
  public static final class Builder<M extends Enum<M>> {
    private final Class<M> modeClass;
    private final M[] modes;
    // cells.get(a).get(b): declared compatibility of the ordered pair (a, b); absent = undeclared.
    private final Map<M, Map<M, Boolean>> cells;

    private Builder(Class<M> modeClass, M[] modes) {
      this.modeClass = modeClass;
      this.modes = modes;
      this.cells = new EnumMap<>(modeClass);
      for (M m : modes) {
        cells.put(m, new EnumMap<>(modeClass));
      }
    }

    /**
     * Declares the whole row of {@code mode}: compatible with exactly {@code compatibleWith}, in
     * conflict with every other mode. The other rows must agree (the table must be symmetric).
     *
     * @param mode the mode whose row this is
     * @param compatibleWith every mode that may overlap a hold in {@code mode} (may include {@code
     *     mode} itself); the modes left out conflict with it
     * @return this builder
     * @throws IllegalArgumentException if a cell of the row was already declared otherwise
     */
    @SafeVarargs
    public final Builder<M> row(M mode, M... compatibleWith) {
      check(mode);
      Objects.requireNonNull(compatibleWith, "compatibleWith");
      long set = 0;
      for (M m : compatibleWith) {
        set |= 1L << check(m).ordinal();
      }
      for (M other : modes) {
        declare(mode, other, (set & (1L << other.ordinal())) != 0);
      }
      return this;
    }

    /**
     * Declares {@code a} and {@code b} compatible, both ways.
     *
     * @param a one mode
     * @param b the other mode, or {@code a} again to make a mode share with itself
     * @return this builder
     * @throws IllegalArgumentException if the pair was already declared in conflict
     */
    public Builder<M> compatible(M a, M b) {
      declare(check(a), check(b), true);
      declare(b, a, true);
      return this;
    }

    /**
     * Declares {@code a} and {@code b} in conflict, both ways.
     *
     * @param a one mode
     * @param b the other mode, or {@code a} again to make a mode exclude itself
     * @return this builder
     * @throws IllegalArgumentException if the pair was already declared compatible
     */
    public Builder<M> incompatible(M a, M b) {
      declare(check(a), check(b), false);
      declare(b, a, false);
      return this;
    }

    /**
     * Checks the table and builds it.
     *
     * @return the table, immutable: later calls on this builder do not change it
     * @throws IllegalArgumentException naming the first pair that is undeclared, or declared
     *     compatible one way and in conflict the other way
     */
    public ModeTable<M> build() {
      long[] masks = new long[modes.length];
      for (M a : modes) {
        for (M b : modes) {
          Boolean ab = cells.get(a).get(b);
          if (ab == null) {
            throw new IllegalArgumentException(
                "incomplete mode table over "
                    + modeClass.getSimpleName()
                    + ": the pair ("
                    + a
                    + ", "
                    + b
                    + ") is not declared");
          }
          Boolean ba = cells.get(b).get(a);
          if (ba != null && !ab.equals(ba)) {
            throw new IllegalArgumentException(
                "asymmetric mode table over "
                    + modeClass.getSimpleName()
                    + ": ("
                    + a
                    + ", "
                    + b
                    + ") is "
                    + (ab ? "compatible" : "in conflict")
                    + " but ("
                    + b
                    + ", "
                    + a
                    + ") is "
                    + (ba ? "compatible" : "in conflict"));
          }
          if (ab) {
            masks[a.ordinal()] |= 1L << b.ordinal();
          }
        }
      }
      return new ModeTable<>(modeClass, masks);
    }

    private void declare(M a, M b, boolean compatible) {
      Boolean old = cells.get(a).put(b, compatible);
      if (old != null && old != compatible) {
        cells.get(a).put(b, old);
        throw new IllegalArgumentException(
            "the pair ("
                + a
                + ", "
                + b
                + ") is declared both compatible and in conflict in the table over "
                + modeClass.getSimpleName());
      }
    }

    private M check(M mode) {
      if (mode == null) {
        throw new NullPointerException(
            "mode is null (table over " + modeClass.getSimpleName() + ")");
      }
      if (mode.getDeclaringClass() != modeClass) {
        throw new IllegalArgumentException(
            "mode " + mode + " is not a constant of " + modeClass.getName());
      }
      return mode;
    }
  }
}
