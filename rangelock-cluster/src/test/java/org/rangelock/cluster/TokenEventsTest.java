package org.rangelock.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rangelock.Range;
import org.rangelock.ReadWriteMode;

class TokenEventsTest {

  /** Records every event it is told, prefixed with its name. */
  static TokenEvents<ReadWriteMode> recorder(String name, List<String> log) {
    return new TokenEvents<>() {
      @Override
      public void queued(String node, long id, Range range, ReadWriteMode mode) {
        log.add(name + " queued " + node + " " + id + " " + range + " " + mode);
      }

      @Override
      public void granted(String node, long id, Range range, ReadWriteMode mode) {
        log.add(name + " granted " + node + " " + id + " " + range + " " + mode);
      }

      @Override
      public void abandoned(String node, long id) {
        log.add(name + " abandoned " + node + " " + id);
      }

      @Override
      public void downgraded(String node, long id, ReadWriteMode mode) {
        log.add(name + " downgraded " + node + " " + id + " " + mode);
      }

      @Override
      public void released(String node, long id, Revocation.Reason reason) {
        log.add(name + " released " + node + " " + id + " " + reason);
      }

      @Override
      public void lost(String node, long id) {
        log.add(name + " lost " + node + " " + id);
      }
    };
  }

  @Test
  void andThenTellsBothInOrderForEveryEvent() {
    List<String> log = new ArrayList<>();
    TokenEvents<ReadWriteMode> both = recorder("1", log).andThen(recorder("2", log));
    Range r = Range.of(0, 10);
    both.queued("a", 7, r, ReadWriteMode.SHARED);
    both.granted("a", 7, r, ReadWriteMode.SHARED);
    both.abandoned("b", 8);
    both.downgraded("a", 7, ReadWriteMode.SHARED);
    both.released("a", 7, null);
    both.lost("a", 9);
    List<String> want = new ArrayList<>();
    for (String e :
        List.of(
            "queued a 7 [0, 10) SHARED",
            "granted a 7 [0, 10) SHARED",
            "abandoned b 8",
            "downgraded a 7 SHARED",
            "released a 7 null",
            "lost a 9")) {
      want.add("1 " + e);
      want.add("2 " + e);
    }
    assertEquals(want, log);
  }

  @Test
  void andThenRefusesNull() {
    TokenEvents<ReadWriteMode> none = new TokenEvents<>() {};
    NullPointerException e = assertThrows(NullPointerException.class, () -> none.andThen(null));
    assertTrue(e.getMessage().contains("next"), e.getMessage());
  }
}
