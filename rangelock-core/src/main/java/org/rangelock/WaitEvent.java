package org.rangelock;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import org.jspecify.annotations.Nullable;

/**
 * JDK Flight Recorder event {@code org.rangelock.Wait}: a thread waited for a {@link RangeLock}
 * grant (in {@code acquire}, {@code acquireInterruptibly} or a timed {@code tryAcquire}) at least
 * as long as the event's threshold, 10 ms unless the recording's settings say otherwise. It carries
 * the range and mode asked for, how the wait ended, and what the request waited behind: the oldest
 * earlier conflicting request at the moment the wait began (its mode, range, whether it was held or
 * itself waiting, and its owner's name), with the number of other blockers. Enabled by default,
 * like the JDK's own lock events, so a recording with the default settings shows long waits; a lock
 * whose waits JFR does not record pays one small allocation per wait and nothing on the paths that
 * do not wait. Async requests are not recorded (no thread waits for them).
 */
@Name("org.rangelock.Wait")
@Label("Range Lock Wait")
@Category({"Java Application", "rangelock"})
@Description("A thread waited for a range lock grant")
@Enabled(true)
@Threshold("10 ms")
@StackTrace(true)
final class WaitEvent extends Event {
  @Label("Lock")
  @Description("Identity of the RangeLock")
  @Nullable String lock;

  @Label("Range Start")
  long rangeStart;

  @Label("Range End")
  @Description("Exclusive end of the range")
  long rangeEnd;

  @Label("Mode")
  @Nullable String mode;

  @Label("Waited Behind")
  @Description("The oldest earlier conflicting request when the wait began, and how many more")
  @Nullable String waitedBehind;

  @Label("Outcome")
  @Description("granted, timed out or interrupted")
  @Nullable String outcome;
}
