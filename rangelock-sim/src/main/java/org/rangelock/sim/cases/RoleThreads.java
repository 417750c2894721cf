package org.rangelock.sim.cases;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.ViolationKind;

/**
 * The threads a trial runs its roles on, for both families: one daemon thread per role, named
 * {@code prefix-role}, that takes the role's name, waits for the start latch, runs the role (a
 * throw is a {@link ViolationKind#CRASH}), then tells the race control it finished and signals
 * {@code role:done}; and the watchdog's join with the stacks of the threads stuck past it.
 */
public final class RoleThreads {
  private RoleThreads() {}

  /** Starts a thread per role of {@code roles}; each waits for {@code start}. */
  public static List<Thread> start(
      List<Case.Role> roles, Races races, CountDownLatch start, String prefix) {
    List<Thread> threads = new ArrayList<>();
    for (Case.Role role : roles) {
      Thread t =
          new Thread(
              () -> {
                Races.role(role.name());
                try {
                  start.await();
                  role.body().run();
                  races.log("done");
                } catch (Throwable e) {
                  races.violation(ViolationKind.CRASH, role.name() + " threw " + e);
                } finally {
                  races.finished(role.name());
                  races.signal(role.name() + ":done");
                }
              },
              prefix + "-" + role.name());
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return threads;
  }

  /** Joins {@code threads} within {@code millis} in all; returns those still alive. */
  public static List<Thread> joinAll(List<Thread> threads, long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    List<Thread> stuck = new ArrayList<>();
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (t.isAlive()) {
        stuck.add(t);
      }
    }
    return stuck;
  }

  /** Each of {@code stuck}: its name, "stuck past {@code millis} ms:", and its stack. */
  public static String stacks(List<Thread> stuck, long millis) {
    StringBuilder b = new StringBuilder();
    for (Thread t : stuck) {
      b.append(t.getName()).append(" stuck past ").append(millis).append(" ms:");
      for (StackTraceElement e : t.getStackTrace()) {
        b.append("\n    at ").append(e);
      }
      b.append('\n');
    }
    return b.toString();
  }
}
