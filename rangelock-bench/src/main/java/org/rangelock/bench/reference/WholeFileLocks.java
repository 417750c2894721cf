package org.rangelock.bench.reference;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;

/** The two whole-file baselines: what Linux's {@code invalidate_lock} and an rwsem are. */
final class WholeFileLocks {
  private WholeFileLocks() {}

  /** Tokens; constants, so these locks allocate nothing per acquire. */
  static final Object SHARED = new Object();

  static final Object EXCLUSIVE = new Object();

  /** {@code rwlock}: one non-fair {@link ReentrantReadWriteLock}. */
  static final class RwLock implements RangeExclusion {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    @Override
    public String name() {
      return "rwlock";
    }

    @Override
    public Object lock(long start, long end, boolean shared) {
      if (shared) {
        lock.readLock().lock();
        return SHARED;
      }
      lock.writeLock().lock();
      return EXCLUSIVE;
    }

    @Override
    public Object tryLock(long start, long end, boolean shared) {
      if (shared) {
        return lock.readLock().tryLock() ? SHARED : null;
      }
      return lock.writeLock().tryLock() ? EXCLUSIVE : null;
    }

    @Override
    public void unlock(Object token) {
      if (token == SHARED) {
        lock.readLock().unlock();
      } else if (token == EXCLUSIVE) {
        lock.writeLock().unlock();
      } else {
        throw new IllegalArgumentException("not a token of this lock: " + token);
      }
    }

    @Override
    public boolean rangeAware() {
      return false;
    }
  }

  /**
   * {@code stamped}: one {@link StampedLock}. Released with {@code tryUnlockRead/Write}, which need
   * no stamp, so that the token needs no boxing.
   */
  static final class Stamped implements RangeExclusion {
    private final StampedLock lock = new StampedLock();

    @Override
    public String name() {
      return "stamped";
    }

    @Override
    public Object lock(long start, long end, boolean shared) {
      if (shared) {
        lock.readLock();
        return SHARED;
      }
      lock.writeLock();
      return EXCLUSIVE;
    }

    @Override
    public Object tryLock(long start, long end, boolean shared) {
      if (shared) {
        return lock.tryReadLock() != 0L ? SHARED : null;
      }
      return lock.tryWriteLock() != 0L ? EXCLUSIVE : null;
    }

    @Override
    public void unlock(Object token) {
      boolean ok;
      if (token == SHARED) {
        ok = lock.tryUnlockRead();
      } else if (token == EXCLUSIVE) {
        ok = lock.tryUnlockWrite();
      } else {
        throw new IllegalArgumentException("not a token of this lock: " + token);
      }
      if (!ok) {
        throw new IllegalMonitorStateException("stamped: released what was not held");
      }
    }

    @Override
    public boolean rangeAware() {
      return false;
    }
  }
}
