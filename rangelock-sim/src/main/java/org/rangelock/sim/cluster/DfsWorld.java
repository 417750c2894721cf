package org.rangelock.sim.cluster;

import static org.rangelock.sim.kernel.PhysicalMemory.PAGE;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.rangelock.Range;
import org.rangelock.sim.cases.World;
import org.rangelock.sim.kernel.BlockDevice;
import org.rangelock.sim.kernel.Inode;
import org.rangelock.sim.kernel.Pte;
import org.rangelock.sim.kernel.SigBus;
import org.rangelock.sim.kernel.Vma;
import org.rangelock.sim.race.Races;
import org.rangelock.sim.race.ViolationKind;

/**
 * What one trial of the cluster family runs on: {@code n} nodes ({@link #DEFAULT_NODES} unless a
 * case or a measurement asks for more), named {@code A}, {@code B}, {@code C}, ..., each its own
 * kernel, on one shared block device; a file of {@link #PAGES} pages created on A and opened on
 * every other node (one block map, one cache per node, and once the nodes joined one cached copy of
 * the size per node kept coherent by the metadata token, with the size on the shared {@link
 * DiskInode}), each node with a shared mapping of it; the token ledger, the fence and the
 * stale-size oracle, which see every node. Helpers let a case act on a node by name and check what
 * every path of every node shows.
 */
public final class DfsWorld {
  /** Pages of the file at the start of every case. */
  public static final int PAGES = 4;

  /** Nodes of a trial unless a case asks for more: the two of the 2003 thread. */
  public static final int DEFAULT_NODES = 2;

  /**
   * The most nodes a world has: node names are single letters, and each node is a whole kernel with
   * a ZooKeeper client of its own on a 2-core machine.
   */
  public static final int MAX_NODES = 8;

  final Races races;
  private final TokenServer server;
  private volatile java.util.Set<Long> expiredTokens = java.util.Set.of();
  final DfsStrategy row;
  final TokenLedger ledger;
  final Fence fence;
  private final BlockDevice disk;

  /** The first two nodes, A and B (every case has them). */
  final Node a;

  final Node b;

  /** Every node, A first, in the order of their names. */
  final List<Node> nodes;

  /** The file as node A sees it (A created it), and as node B does. */
  final Inode fileA;

  final Inode fileB;

  /** Each node's view of the file, by node. */
  private final Map<Node, Inode> views = new IdentityHashMap<>();

  /** The file's inode on the shared device, and the stale-size oracle: from {@link #join} on. */
  volatile DiskInode dinode;

  volatile SizeHistory sizes;

  DfsWorld(TokenServer server, DfsStrategy row, Races races) {
    this(server, row, DfsRunner.Variant.AS_DESIGNED, races);
  }

  DfsWorld(TokenServer server, DfsStrategy row, DfsRunner.Variant variant, Races races) {
    this(server, row, variant, DEFAULT_NODES, races);
  }

  /**
   * A world of {@code nodeCount} nodes, {@link #DEFAULT_NODES} to {@link #MAX_NODES}.
   *
   * @throws IllegalArgumentException naming the count, if it is out of that range
   */
  DfsWorld(
      TokenServer server, DfsStrategy row, DfsRunner.Variant variant, int nodeCount, Races races) {
    checkNodeCount(nodeCount);
    this.races = races;
    this.server = server;
    this.row = row;
    this.ledger = new TokenLedger(races);
    this.fence = new Fence(ledger, races, row.fencesWrites());
    this.disk = BlockDevice.shared(256, races);
    List<Node> all = new ArrayList<>();
    for (int i = 0; i < nodeCount; i++) {
      all.add(new Node(nodeName(i), row, variant.upgrade(), variant.flush(), races, disk, server));
    }
    if (variant.deviceRefusesSilently()) {
      disk.refuseSilently();
    }
    this.nodes = List.copyOf(all);
    this.a = nodes.get(0);
    this.b = nodes.get(1);
    this.fileA = a.k.fs.create();
    views.put(a, fileA);
    for (Node n : nodes.subList(1, nodeCount)) {
      views.put(n, n.k.fs.openShared(fileA));
    }
    this.fileB = views.get(b);
    for (Node n : nodes) {
      n.map(views.get(n), PAGES + 1);
    }
  }

  /**
   * Checks a node count: at least {@link #DEFAULT_NODES} (a cluster of one is the single-node
   * family), at most {@link #MAX_NODES}.
   *
   * @throws IllegalArgumentException naming {@code nodeCount}, if it is out of that range
   */
  public static int checkNodeCount(int nodeCount) {
    if (nodeCount < DEFAULT_NODES || nodeCount > MAX_NODES) {
      throw new IllegalArgumentException(
          "a cluster has "
              + DEFAULT_NODES
              + " to "
              + MAX_NODES
              + " nodes, was asked for "
              + nodeCount);
    }
    return nodeCount;
  }

  /** The name of node {@code i}: A, B, C, ... */
  public static String nodeName(int i) {
    return String.valueOf((char) ('A' + i));
  }

  /** Node {@code i} (0 is A). */
  Node node(int i) {
    return nodes.get(i);
  }

  /** Node {@code n}'s view of the file. */
  Inode file(Node n) {
    return views.get(n);
  }

  /** Sets every node's minimum token hold (before {@link #join}); see {@link Node#minHold}. */
  void minHold(Duration d) {
    for (Node n : nodes) {
      n.minHold = d;
    }
  }

  /** Joins every node to the file's token lock at a fresh path: tokens from now on. */
  void join(TokenServer server) {
    String path = server.freshPath() + "/inode-" + fileA.id();
    fileA.cacheSizePerView();
    dinode = new DiskInode(fileA.size());
    sizes = new SizeHistory(races, fileA.size());
    for (Node n : nodes) {
      sizes.watch(file(n), n.name);
    }
    for (Node n : nodes) {
      n.join(file(n), path, ledger, fence, dinode, sizes);
    }
    disk.gateWrites(fence);
  }

  /** Node {@code n}'s {@code stat} of the file: its size, under a metadata hold. */
  long stat(Node n) {
    return n.exclusion.stat(file(n));
  }

  /** A page of {@code tag} bytes with the page index in its first byte. */
  static byte[] page(int tag, int index) {
    byte[] p = new byte[PAGE];
    Arrays.fill(p, (byte) tag);
    p[0] = (byte) index;
    return p;
  }

  static byte[] overlay(byte[] base, byte[] patch, int at) {
    byte[] p = base.clone();
    System.arraycopy(patch, 0, p, at, patch.length);
    return p;
  }

  /** Writes {@code pages} pages of {@code tag} on node A, syncs them and drops A's cache. */
  void populate(int tag, int pages) {
    for (int i = 0; i < pages; i++) {
      a.k.io.write(fileA, (long) i * PAGE, page(tag, i));
    }
    a.k.writeback.fsync(fileA);
    a.k.reclaim.shrink(fileA);
  }

  // ---- operations on a node ---------------------------------------------------------------

  /** Page {@code index} loaded through node {@code n}'s mapping, or null on SIGBUS. */
  byte[] load(Node n, int index) {
    byte[] p = new byte[PAGE];
    try {
      n.k.mmu.load(n.mm, n.mapping(file(n)).address((long) index * PAGE), p, 0, PAGE);
      return p;
    } catch (SigBus e) {
      return null;
    }
  }

  /** Stores {@code bytes} at the start of page {@code index} through {@code n}'s mapping. */
  boolean store(Node n, int index, byte[] bytes) {
    try {
      n.k.mmu.store(n.mm, n.mapping(file(n)).address((long) index * PAGE), bytes, 0, bytes.length);
      return true;
    } catch (SigBus e) {
      return false;
    }
  }

  /** Page {@code index} read by node {@code n}'s buffered path (zeros past EOF). */
  byte[] read(Node n, int index) {
    return Arrays.copyOf(n.k.io.read(file(n), (long) index * PAGE, PAGE), PAGE);
  }

  /** Page {@code index} read by node {@code n} with direct IO (zeros past EOF). */
  byte[] directRead(Node n, int index) {
    return Arrays.copyOf(n.k.direct.read(file(n), (long) index * PAGE, PAGE), PAGE);
  }

  void write(Node n, int index, byte[] data) {
    n.k.io.write(file(n), (long) index * PAGE, data);
  }

  /**
   * Node {@code n}'s direct write of page {@code index}; false is {@code EIO}. Checks that it does
   * not return success although the device refused one of its blocks ({@link
   * ViolationKind#UNREPORTED_IO_ERROR}), from the fence's own count of this thread's refused
   * writes.
   */
  boolean directWrite(Node n, int index, byte[] data) {
    long before = Fence.refusedOnThisThread();
    boolean ok = n.k.direct.write(file(n), (long) index * PAGE, data);
    long refused = Fence.refusedOnThisThread() - before;
    if (!ok) {
      races.log(n.name + "'s direct write of page " + index + " returned EIO");
    } else if (refused > 0) {
      races.violation(
          ViolationKind.UNREPORTED_IO_ERROR,
          n.name
              + "'s direct write of page "
              + index
              + " returned success although the device refused "
              + refused
              + " of its block writes");
    }
    return ok;
  }

  /**
   * Node {@code n}'s fsync of the file; false is {@code EIO}. Checks that it does not return
   * success for data the device refused ({@link ViolationKind#UNREPORTED_IO_ERROR}): the fence
   * counts refused writes per node and per thread, apart from the kernel's error reporting. A write
   * refused while the fsync runs, on another thread, may be reported by this fsync or the next
   * (errseq), so only the fsync's own refused writes and those refused between the node's previous
   * fsync and this one count.
   */
  boolean fsync(Node n) {
    long before = fence.refusedOf(n.name);
    long sincePrevious = before - refusedAtLastFsync.getOrDefault(n.name, 0L);
    long ownBefore = Fence.refusedOnThisThread();
    boolean ok = n.k.writeback.fsync(file(n));
    long own = Fence.refusedOnThisThread() - ownBefore;
    refusedAtLastFsync.put(n.name, fence.refusedOf(n.name));
    if (!ok) {
      races.log(n.name + "'s fsync returned EIO");
    } else if (own > 0 || sincePrevious > 0) {
      races.violation(
          ViolationKind.UNREPORTED_IO_ERROR,
          n.name
              + "'s fsync returned success although the device refused "
              + (own > 0 ? own + " of its own writes" : "")
              + (own > 0 && sincePrevious > 0 ? " and " : "")
              + (sincePrevious > 0
                  ? sincePrevious + " write(s) of the node's since its previous fsync"
                  : ""));
    }
    return ok;
  }

  private final java.util.Map<String, Long> refusedAtLastFsync =
      new java.util.concurrent.ConcurrentHashMap<>();

  void truncate(Node n, long size) {
    n.k.killers.truncate(file(n), size);
  }

  /**
   * Expires node {@code n}'s ZooKeeper session: its tokens go on the server at once, and the node
   * learns it later, when its client next talks to the server.
   */
  void expire(Node n) {
    ledger.expiring(n.name);
    server.expire(n.name);
    expiredTokens = ledger.expired(n.name);
  }

  /**
   * Waits (up to 20 s) until node {@code n}'s lock has reported every token of its expired session
   * lost and its LOST callbacks have finished; false on timeout.
   */
  boolean lostHandled(Node n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!ledger.holdsAny(expiredTokens) && n.lostHandled() >= ledger.lostCount(n.name)) {
        return true;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    return false;
  }

  // ---- checks -----------------------------------------------------------------------------

  /** Reports {@code kind} unless {@code got} equals one of {@code allowed}. */
  boolean expectOneOf(ViolationKind kind, String what, byte[] got, byte[]... allowed) {
    for (byte[] x : allowed) {
      if (Arrays.equals(got, x)) {
        return true;
      }
    }
    StringBuilder b = new StringBuilder();
    for (byte[] x : allowed) {
      b.append(b.length() == 0 ? "" : " or ").append(describe(x));
    }
    races.violation(kind, what + " shows " + describe(got) + "; allowed: " + b);
    return false;
  }

  /**
   * Page {@code index} through every path of every node — the mapping, the buffered read, the
   * direct read, in that order, node by node from A — must be one of {@code allowed} (a null is
   * SIGBUS).
   */
  void everyPathShows(ViolationKind kind, int index, byte[]... allowed) {
    for (Node n : nodes) {
      expectOneOf(kind, "page " + index + " loaded on " + n.name, load(n, index), allowed);
      expectOneOf(kind, "page " + index + " read on " + n.name, read(n, index), nonNull(allowed));
      expectOneOf(
          kind,
          "page " + index + " read direct on " + n.name,
          directRead(n, index),
          nonNull(allowed));
    }
  }

  /** A read (not a load) past EOF shows zeros where a load raises SIGBUS. */
  private static byte[][] nonNull(byte[][] allowed) {
    byte[][] out = allowed.clone();
    for (int i = 0; i < out.length; i++) {
      if (out[i] == null) {
        out[i] = new byte[PAGE];
      }
    }
    return out;
  }

  /**
   * The cross-node quiescent oracle: every page a node caches, and every page its PTEs map, lies
   * inside a token the node holds in a mode that allows it (a read token for a clean page, a write
   * token for a dirty page or a writable PTE).
   */
  void pagesInsideTokens() {
    for (Node n : nodes) {
      Inode f = file(n);
      for (long i = 0; i < PAGES + 2; i++) {
        var p = f.cache().get(i);
        Range r = Range.of(i * PAGE, (i + 1) * PAGE);
        if (p != null && !p.isRemoved() && !ledger.covers(n.name, f.id(), r, p.isDirty())) {
          races.violation(
              ViolationKind.PAGE_OUTSIDE_TOKEN,
              n.name + " caches " + p + " outside its tokens " + ledger.describe());
        }
      }
      Vma vma = n.mapping(f);
      for (var e : n.mm.entries().entrySet()) {
        long vpn = e.getKey();
        Pte pte = e.getValue();
        if (pte.page() == null || vpn < vma.startVpn() || vpn >= vma.startVpn() + vma.pages()) {
          continue;
        }
        long index = vma.pgoff() + (vpn - vma.startVpn());
        Range r = Range.of(index * PAGE, (index + 1) * PAGE);
        if (!ledger.covers(n.name, f.id(), r, pte.writable())) {
          races.violation(
              ViolationKind.PAGE_OUTSIDE_TOKEN,
              n.name
                  + " maps page "
                  + index
                  + (pte.writable() ? " writable" : " read-only")
                  + " ("
                  + pte
                  + ") outside its tokens "
                  + ledger.describe());
        }
      }
    }
  }

  /** Waits for {@code latch} as a role does for another role's event; false on timeout. */
  static boolean await(CountDownLatch latch) {
    try {
      return latch.await(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static String describe(byte[] p) {
    return World.describe(p);
  }
}
