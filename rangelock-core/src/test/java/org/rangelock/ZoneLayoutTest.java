package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * The zone padding pads, on the JDK that runs the test: every field a zone's operations touch lies
 * at least 128 bytes from both ends of the object, so from any other object's data, whatever
 * HotSpot's field layout does with declaration order (issue 11: the old padding put the hot word in
 * the last 8 bytes of the object). Offsets are read with {@code Unsafe.objectFieldOffset}.
 */
class ZoneLayoutTest {
  static final int DISTANCE = 128;

  @Test
  void everyZoneFieldIsAtLeast128BytesFromOtherObjects() throws Exception {
    // Through reflection: the test is compiled into module org.rangelock, which does not (and
    // must not) read jdk.unsupported.
    Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
    Field f = unsafeClass.getDeclaredField("theUnsafe");
    f.setAccessible(true);
    Object theUnsafe = f.get(null);
    Method offset = unsafeClass.getMethod("objectFieldOffset", Field.class);
    ToLongFunction<Field> unsafe =
        x -> {
          try {
            return (long) offset.invoke(theUnsafe, x);
          } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
          }
        };
    long end = 0;
    List<Field> all = new ArrayList<>();
    for (Class<?> c = RangeLock.Zone.class; c != Object.class; c = c.getSuperclass()) {
      for (Field x : c.getDeclaredFields()) {
        if (!Modifier.isStatic(x.getModifiers())) {
          all.add(x);
          end = Math.max(end, unsafe.applyAsLong(x) + size(x.getType()));
        }
      }
    }
    long objectSize = (end + 7) & ~7L; // HotSpot's default 8-byte object alignment
    int checked = 0;
    StringBuilder layout = new StringBuilder();
    for (Field x : all) {
      layout.append(x.getName()).append('@').append(unsafe.applyAsLong(x)).append(' ');
    }
    for (Field x : RangeLock.ZoneFields.class.getDeclaredFields()) {
      if (Modifier.isStatic(x.getModifiers())) {
        continue;
      }
      long off = unsafe.applyAsLong(x);
      long after = objectSize - (off + size(x.getType()));
      assertTrue(
          off >= DISTANCE,
          x.getName() + " at " + off + ": too close to the object before; " + layout);
      assertTrue(
          after >= DISTANCE,
          x.getName() + " ends " + after + " bytes before the next object; " + layout);
      checked++;
    }
    assertEquals(11, checked, "ZoneFields changed: review which fields need padding");
    // the pads are really all there is outside ZoneFields
    for (Field x : all) {
      Class<?> c = x.getDeclaringClass();
      if (c != RangeLock.ZoneFields.class) {
        assertTrue(
            c == RangeLock.ZonePadBefore.class || c == RangeLock.ZonePadAfter.class,
            "a field outside the padded class: " + x);
      }
    }
  }

  private static long size(Class<?> t) {
    if (t == long.class || t == double.class) {
      return 8;
    }
    if (t == int.class || t == float.class) {
      return 4;
    }
    if (t == short.class || t == char.class) {
      return 2;
    }
    if (t == byte.class || t == boolean.class) {
      return 1;
    }
    return 8; // a reference: 4 with compressed oops, 8 without; assume the larger
  }
}
