package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random sequences of acquireAsync / tryAcquire / close / cancel / downgrade, driven from one
 * thread (async requests never block it), checked after every step against {@link Model}: a
 * sequential reference that knows nothing about zones, trees or counts, only the rule "a request is
 * granted iff no earlier request still present (held or waiting) overlaps it with an incompatible
 * mode".
 *
 * <p>Every shipped table, on four zone layouts (the default, one zone, tiny granules so that every
 * request spans zones, and a layout where ranges wrap around the last zone). The seed of a failing
 * run is in the assertion message.
 */
class ModelBasedTest {

  static final int STEPS = 4_000;

  /** The reference: requests in arrival order; the grant rule recomputed from scratch. */
  static final class Model<M extends Enum<M>> {
    final ModeTable<M> table;
    final List<Req<M>> present = new ArrayList<>();

    Model(ModeTable<M> table) {
      this.table = table;
    }

    static final class Req<M> {
      final int id;
      final Range range;
      M mode;

      Req(int id, Range range, M mode) {
        this.id = id;
        this.range = range;
        this.mode = mode;
      }
    }

    boolean grantable(Req<M> r) {
      for (Req<M> e : present) {
        if (e == r) {
          return true;
        }
        if (e.range.overlaps(r.range) && !table.compatible(e.mode, r.mode)) {
          return false;
        }
      }
      throw new AssertionError("not present");
    }

    /** Whether a new request would be granted at once (what tryAcquire answers). */
    boolean wouldGrant(Range range, M mode) {
      for (Req<M> e : present) {
        if (e.range.overlaps(range) && !table.compatible(e.mode, mode)) {
          return false;
        }
      }
      return true;
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    String[] layouts = {"default", "one-zone", "tiny-granules", "wrapping"};
    for (String layout : layouts) {
      out.add(Arguments.of("readWrite", layout, 11L));
      out.add(Arguments.of("mapping", layout, 12L));
      out.add(Arguments.of("twoState", layout, 13L));
      out.add(Arguments.of("dlm", layout, 14L));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void lockAgreesWithSequentialModel(String tableName, String layout, long seed) {
    switch (tableName) {
      case "readWrite":
        run(ModeTable.readWrite(), layout, seed);
        break;
      case "mapping":
        run(ModeTable.mapping(), layout, seed);
        break;
      case "twoState":
        run(ModeTable.twoState(), layout, seed);
        break;
      default:
        run(ModeTable.dlm(), layout, seed);
    }
  }

  private static <M extends Enum<M>> void run(ModeTable<M> table, String layout, long seed) {
    RangeLock.Builder<M> b = RangeLock.builder(table);
    switch (layout) {
      case "one-zone":
        b.zones(1);
        break;
      case "tiny-granules":
        b.zones(4).granule(2);
        break;
      case "wrapping":
        b.zones(8).granule(4);
        break;
      default:
        b.granule(8); // the default 64 KiB granule would put this small space in one zone
    }
    RangeLock<M> lock = b.build();
    Model<M> model = new Model<>(table);
    M[] modes = table.modeClass().getEnumConstants();
    Random rnd = new Random(seed);
    Map<Integer, CompletableFuture<RangeHandle<M>>> futures = new HashMap<>();
    int nextId = 0;
    for (int step = 0; step < STEPS; step++) {
      String where = "seed " + seed + " step " + step + " (" + layout + ")";
      int op = rnd.nextInt(100);
      if (op < 45 || model.present.isEmpty()) {
        Range range = randomRange(rnd);
        M mode = modes[rnd.nextInt(modes.length)];
        if (rnd.nextInt(4) == 0) {
          boolean expect = model.wouldGrant(range, mode);
          RangeHandle<M> h = lock.tryAcquire(range, mode);
          assertEquals(expect, h != null, where + ": tryAcquire " + mode + " " + range);
          if (h != null) {
            Model.Req<M> r = new Model.Req<>(nextId++, range, mode);
            model.present.add(r);
            futures.put(r.id, CompletableFuture.completedFuture(h));
          }
        } else {
          Model.Req<M> r = new Model.Req<>(nextId++, range, mode);
          model.present.add(r);
          futures.put(r.id, lock.acquireAsync(range, mode));
        }
      } else {
        Model.Req<M> r = model.present.get(rnd.nextInt(model.present.size()));
        CompletableFuture<RangeHandle<M>> f = futures.get(r.id);
        if (f.isDone()) {
          RangeHandle<M> h = f.join();
          M weaker = weakerThan(table, r.mode, rnd);
          if (weaker != null && rnd.nextInt(3) == 0) {
            h.downgrade(weaker);
            r.mode = weaker;
          } else {
            h.close();
            model.present.remove(r);
            futures.remove(r.id);
          }
        } else {
          assertTrue(f.cancel(false), where);
          model.present.remove(r);
          futures.remove(r.id);
        }
      }
      check(lock, model, futures, where);
    }
    for (Model.Req<M> r : new ArrayList<>(model.present)) {
      CompletableFuture<RangeHandle<M>> f = futures.get(r.id);
      if (f.isDone()) {
        f.join().close();
      } else {
        f.cancel(false);
      }
    }
    assertTrue(lock.snapshot().isEmpty(), "seed " + seed + ": lock not empty at the end");
  }

  private static <M extends Enum<M>> void check(
      RangeLock<M> lock,
      Model<M> model,
      Map<Integer, CompletableFuture<RangeHandle<M>>> futures,
      String where) {
    List<String> held = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    for (Model.Req<M> r : model.present) {
      boolean granted = model.grantable(r);
      assertEquals(
          granted,
          futures.get(r.id).isDone(),
          where + ": request #" + r.id + " " + r.mode + " " + r.range + " granted?");
      (granted ? held : waiting).add(r.mode + " " + r.range);
    }
    LockSnapshot<M> snap = lock.snapshot();
    assertEquals(sorted(held), sorted(describe(snap.held())), where + ": held");
    assertEquals(sorted(waiting), sorted(describe(snap.waiting())), where + ": waiting");
  }

  private static <M extends Enum<M>> List<String> describe(List<LockSnapshot.Entry<M>> entries) {
    List<String> out = new ArrayList<>();
    for (LockSnapshot.Entry<M> e : entries) {
      out.add(e.mode() + " " + e.range());
    }
    return out;
  }

  private static List<String> sorted(List<String> l) {
    List<String> c = new ArrayList<>(l);
    c.sort(null);
    return c;
  }

  private static <M extends Enum<M>> M weakerThan(ModeTable<M> table, M mode, Random rnd) {
    List<M> weaker = new ArrayList<>();
    for (M m : table.modeClass().getEnumConstants()) {
      if (table.isWeaker(m, mode)) {
        weaker.add(m);
      }
    }
    return weaker.isEmpty() ? null : weaker.get(rnd.nextInt(weaker.size()));
  }

  /** Small space so overlaps are frequent, plus unbounded ranges now and then. */
  private static Range randomRange(Random rnd) {
    long start = rnd.nextInt(48);
    switch (rnd.nextInt(12)) {
      case 0:
        return Range.from(start);
      case 1:
        return Range.all();
      default:
        return Range.of(start, start + 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 12));
    }
  }
}
