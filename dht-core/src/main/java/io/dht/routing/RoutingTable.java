package io.dht.routing;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.id.NodeIdSecurity;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * BEP 5 k-buckets around our own id. Bucket {@code i} (for {@code i < depth - 1}) holds nodes whose id shares
 * exactly {@code i} leading bits with ours; the last bucket holds all nodes sharing at least {@code depth - 1}
 * bits, and it alone may split (it is the one that covers our id).
 *
 * <p>Only nodes that answered one of our queries are inserted ({@link #onReply}); a full bucket that cannot split
 * keeps newcomers in a bounded replacement cache and asks the caller to ping its questionable entries
 * (ping-before-evict); an entry that fails {@code failuresBeforeBad} queries in a row, or fails once while a
 * replacement is waiting, is replaced. At most one entry per IP, and at most {@code maxPerSubnet} per /24 (IPv4)
 * or /64 (IPv6) within one bucket. Owned by the node's loop; not thread-safe.
 *
 * <p>Memory layout: no object per entry. The live entries sit in flat primitive arrays ({@link Slots}), bucket
 * {@code b} in slots {@code [b * k, b * k + count[b])} in insertion order; an id is two longs and an int, an IPv4
 * address an int, the port a char, the two times longs and the failure count a short (44 bytes per slot). IPv6
 * addresses, rare in a table, live in a side array of {@code InetAddress} created with the first one. There is no
 * index: a by-id search scans the id's bucket (at most k entries), a by-IP search scans the table (a few hundred
 * ints at most). The replacement caches share one more set of arrays, in order of arrival, each slot tagged with
 * its bucket. {@link Contact}s are built on the way out.
 */
public final class RoutingTable {
  private static final long NEVER = Long.MIN_VALUE;

  private final NodeId self;
  private final long selfHi;
  private final long selfMid;
  private final int selfLo;
  private final int k;
  private final int replacementSize;
  private final int maxPerSubnet;
  private final boolean onePerIp;
  private final long questionableAfterNanos;
  private final int failuresBeforeBad;

  private int bucketCount = 1;
  /** Live entries per bucket. */
  private int[] counts = new int[1];
  private long[] lastChangedNanos;
  /** Live entries: bucket b in slots [b * k, b * k + counts[b]). */
  private final Slots live = new Slots();
  /** Replacement caches of all buckets, oldest first; {@code spareBucket[i]} is slot i's bucket. */
  private final Slots spares = new Slots();
  private byte[] spareBucket = EMPTY_BYTES;
  private int spareCount;
  private int size;
  /** Scratch for turning a {@link NodeId} into longs and back (the table is owned by one thread). */
  private final byte[] idBytes = new byte[NodeId.LENGTH];
  /** The id of the last {@link #readId} call. */
  private long idHi;
  private long idMid;
  private int idLo;

  private static final byte[] EMPTY_BYTES = new byte[0];

  public RoutingTable(
      NodeId self,
      int k,
      int replacementSize,
      int maxPerSubnet,
      boolean onePerIp,
      long questionableAfterNanos,
      int failuresBeforeBad,
      long nowNanos) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be positive, got " + k);
    }
    this.self = self;
    this.k = k;
    this.replacementSize = replacementSize;
    this.maxPerSubnet = maxPerSubnet;
    this.onePerIp = onePerIp;
    this.questionableAfterNanos = questionableAfterNanos;
    this.failuresBeforeBad = failuresBeforeBad;
    this.lastChangedNanos = new long[] {nowNanos};
    readId(self);
    this.selfHi = idHi;
    this.selfMid = idMid;
    this.selfLo = idLo;
  }

  /** Health of an entry by BEP 5's rules. */
  public enum State {
    GOOD,
    QUESTIONABLE,
    BAD
  }

  /**
   * Parallel arrays of entries: id, address, port, last reply and last query (nanos, {@code NEVER} when none) and
   * consecutive failures. Grown on demand; empty until the first entry.
   */
  static final class Slots {
    private static final long[] NO_LONGS = new long[0];
    private static final int[] NO_INTS = new int[0];
    private static final char[] NO_CHARS = new char[0];
    private static final short[] NO_SHORTS = new short[0];

    long[] hi = NO_LONGS;
    long[] mid = NO_LONGS;
    int[] lo = NO_INTS;
    /** The IPv4 address; for an IPv6 slot, its address's hash (the address itself is in {@link #v6}). */
    int[] ip = NO_INTS;
    char[] port = NO_CHARS;
    long[] lastReply = NO_LONGS;
    long[] lastQuery = NO_LONGS;
    short[] failures = NO_SHORTS;
    /** IPv6 addresses by slot, null for IPv4 slots; null until the first IPv6 slot. */
    InetAddress[] v6;

    int capacity() {
      return hi.length;
    }

    void ensure(int capacity) {
      if (capacity <= hi.length) {
        return;
      }
      hi = Arrays.copyOf(hi, capacity);
      mid = Arrays.copyOf(mid, capacity);
      lo = Arrays.copyOf(lo, capacity);
      ip = Arrays.copyOf(ip, capacity);
      port = Arrays.copyOf(port, capacity);
      lastReply = Arrays.copyOf(lastReply, capacity);
      lastQuery = Arrays.copyOf(lastQuery, capacity);
      failures = Arrays.copyOf(failures, capacity);
      if (v6 != null) {
        v6 = Arrays.copyOf(v6, capacity);
      }
    }

    void set(int s, long h, long m, int l, Endpoint endpoint, long reply, long query, int failed) {
      hi[s] = h;
      mid[s] = m;
      lo[s] = l;
      InetAddress a = endpoint.address();
      if (a instanceof Inet4Address) {
        ip[s] = ipv4(a);
        if (v6 != null) {
          v6[s] = null;
        }
      } else {
        if (v6 == null) {
          v6 = new InetAddress[hi.length];
        }
        v6[s] = a;
        ip[s] = a.hashCode();
      }
      port[s] = (char) endpoint.port();
      lastReply[s] = reply;
      lastQuery[s] = query;
      failures[s] = (short) Math.min(failed, Short.MAX_VALUE);
    }

    /** Copies slot {@code from} into slot {@code to} of {@code dst} (which may be this). */
    void copy(int from, Slots dst, int to) {
      dst.hi[to] = hi[from];
      dst.mid[to] = mid[from];
      dst.lo[to] = lo[from];
      dst.ip[to] = ip[from];
      dst.port[to] = port[from];
      dst.lastReply[to] = lastReply[from];
      dst.lastQuery[to] = lastQuery[from];
      dst.failures[to] = failures[from];
      InetAddress a = v6 == null ? null : v6[from];
      if (a != null && dst.v6 == null) {
        dst.v6 = new InetAddress[dst.hi.length];
      }
      if (dst.v6 != null) {
        dst.v6[to] = a;
      }
    }

    /** Forgets slot {@code s}'s IPv6 address (so that a freed slot keeps no object alive). */
    void clear(int s) {
      if (v6 != null) {
        v6[s] = null;
      }
    }

    boolean isV6(int s) {
      return v6 != null && v6[s] != null;
    }

    boolean hasId(int s, long h, long m, int l) {
      return hi[s] == h && mid[s] == m && lo[s] == l;
    }

    /** {@code a} is the address and {@code key} its {@link #addressKey}. */
    boolean hasAddress(int s, InetAddress a, int key) {
      if (ip[s] != key) {
        return false;
      }
      return a instanceof Inet4Address ? !isV6(s) : isV6(s) && v6[s].equals(a);
    }

    InetAddress address(int s) {
      if (isV6(s)) {
        return v6[s];
      }
      int v = ip[s];
      try {
        return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
      } catch (java.net.UnknownHostException e) {
        throw new AssertionError(e);
      }
    }

    Endpoint endpoint(int s) {
      return new Endpoint(address(s), port[s]);
    }

    /** Same /24 (IPv4) or /64 (IPv6) as {@code a}. */
    boolean sameSubnet(int s, InetAddress a, byte[] aBytes) {
      if (a instanceof Inet4Address) {
        return !isV6(s) && (ip[s] >>> 8) == (ipv4(aBytes) >>> 8);
      }
      return isV6(s) && Arrays.equals(aBytes, 0, 8, v6[s].getAddress(), 0, 8);
    }

    long lastSeen(int s) {
      return Math.max(lastReply[s], lastQuery[s]);
    }
  }

  static int ipv4(InetAddress a) {
    return ipv4(a.getAddress());
  }

  static int ipv4(byte[] b) {
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }

  /** What {@link Slots#ip} holds for {@code a}. */
  static int addressKey(InetAddress a) {
    return a instanceof Inet4Address ? ipv4(a) : a.hashCode();
  }

  // ------------------------------------------------------------------ ids as longs

  /** Sets {@link #idHi}, {@link #idMid}, {@link #idLo} to {@code id}. */
  private void readId(NodeId id) {
    id.writeTo(idBytes, 0);
    idHi = readLong(idBytes, 0);
    idMid = readLong(idBytes, 8);
    idLo = readInt(idBytes, 16);
  }

  private NodeId idOf(Slots s, int slot) {
    writeLong(idBytes, 0, s.hi[slot]);
    writeLong(idBytes, 8, s.mid[slot]);
    int l = s.lo[slot];
    idBytes[16] = (byte) (l >>> 24);
    idBytes[17] = (byte) (l >>> 16);
    idBytes[18] = (byte) (l >>> 8);
    idBytes[19] = (byte) l;
    return NodeId.of(idBytes, 0);
  }

  private Contact contactOf(Slots s, int slot) {
    return new Contact(idOf(s, slot), s.endpoint(slot));
  }

  private static long readLong(byte[] b, int o) {
    return ((long) readInt(b, o) << 32) | (readInt(b, o + 4) & 0xffffffffL);
  }

  private static int readInt(byte[] b, int o) {
    return (b[o] & 0xff) << 24 | (b[o + 1] & 0xff) << 16 | (b[o + 2] & 0xff) << 8 | (b[o + 3] & 0xff);
  }

  private static void writeLong(byte[] b, int o, long v) {
    for (int i = 7; i >= 0; i--) {
      b[o + i] = (byte) v;
      v >>>= 8;
    }
  }

  /** Leading bits the id (h, m, l) shares with ours. */
  private int commonPrefix(long h, long m, int l) {
    long x = h ^ selfHi;
    if (x != 0) {
      return Long.numberOfLeadingZeros(x);
    }
    x = m ^ selfMid;
    if (x != 0) {
      return 64 + Long.numberOfLeadingZeros(x);
    }
    int y = l ^ selfLo;
    return y != 0 ? 128 + Integer.numberOfLeadingZeros(y) : NodeId.BITS;
  }

  private int bucketOf(long h, long m, int l) {
    return Math.min(commonPrefix(h, m, l), bucketCount - 1);
  }

  private int bucketOfSlot(Slots s, int slot) {
    return bucketOf(s.hi[slot], s.mid[slot], s.lo[slot]);
  }

  // ------------------------------------------------------------------ searches

  /** The live slot holding the id last read by {@link #readId}, or -1. */
  private int findId() {
    int b = bucketOf(idHi, idMid, idLo);
    for (int s = b * k, end = s + counts[b]; s < end; s++) {
      if (live.hasId(s, idHi, idMid, idLo)) {
        return s;
      }
    }
    return -1;
  }

  private int find(NodeId id) {
    readId(id);
    return findId();
  }

  /** The first live slot (in bucket order) with address {@code a}, or -1. */
  private int findAddress(InetAddress a) {
    int key = addressKey(a);
    for (int b = 0; b < bucketCount; b++) {
      for (int s = b * k, end = s + counts[b]; s < end; s++) {
        if (live.hasAddress(s, a, key)) {
          return s;
        }
      }
    }
    return -1;
  }

  private int findEndpoint(Endpoint endpoint) {
    InetAddress a = endpoint.address();
    int key = addressKey(a);
    int port = endpoint.port();
    for (int b = 0; b < bucketCount; b++) {
      for (int s = b * k, end = s + counts[b]; s < end; s++) {
        if (live.port[s] == port && live.hasAddress(s, a, key)) {
          return s;
        }
      }
    }
    return -1;
  }

  private boolean hasEndpoint(Slots s, int slot, Endpoint endpoint) {
    InetAddress a = endpoint.address();
    return s.port[slot] == endpoint.port() && s.hasAddress(slot, a, addressKey(a));
  }

  // ------------------------------------------------------------------ public API

  public NodeId self() {
    return self;
  }

  /** Live entries over all buckets. */
  public int size() {
    return size;
  }

  /** Number of buckets (the table's depth). */
  public int bucketCount() {
    return bucketCount;
  }

  /** Entries waiting in the replacement caches of all buckets. */
  public int replacementCount() {
    return spareCount;
  }

  /** The entry that holds {@code address}, if any (one entry per IP). */
  public Optional<Contact> contactAt(InetAddress address) {
    int s = findAddress(address);
    return s < 0 ? Optional.empty() : Optional.of(contactOf(live, s));
  }

  public boolean contains(NodeId id) {
    return find(id) >= 0;
  }

  int bucketIndex(NodeId id) {
    return Math.min(self.commonPrefixLength(id), bucketCount - 1);
  }

  /** Health of a known entry. */
  public Optional<State> state(NodeId id, long now) {
    int s = find(id);
    return s < 0 ? Optional.empty() : Optional.of(stateOf(live, s, now));
  }

  private State stateOf(Slots e, int s, long now) {
    if (e.failures[s] >= failuresBeforeBad) {
      return State.BAD;
    }
    if (e.failures[s] == 0
        && (now - e.lastReply[s] < questionableAfterNanos
            || (e.lastQuery[s] != NEVER && now - e.lastQuery[s] < questionableAfterNanos))) {
      return State.GOOD;
    }
    return State.QUESTIONABLE;
  }

  /**
   * {@code contact} answered one of our queries. Inserts or refreshes it. When its bucket is full of live nodes
   * the contact waits in the replacement cache and the result lists questionable entries the caller should ping;
   * their failures make room.
   */
  public List<Contact> onReply(Contact contact, long now) {
    NodeId id = contact.id();
    Endpoint endpoint = contact.endpoint();
    readId(id);
    long h = idHi;
    long m = idMid;
    int l = idLo;
    if (h == selfHi && m == selfMid && l == selfLo) {
      return List.of();
    }
    int known = findId();
    if (known >= 0) {
      if (hasEndpoint(live, known, endpoint)) {
        live.lastReply[known] = now;
        live.failures[known] = 0;
        lastChangedNanos[bucketOf(h, m, l)] = now;
        return List.of();
      }
      if (live.failures[known] == 0) {
        return List.of(); // same id from another address: keep the entry we verified while it answers
      }
      removeLive(known); // the old address stopped answering: the node moved (e.g. restarted on a new port)
    }
    if (onePerIp) {
      int sameIp = findAddress(endpoint.address());
      if (sameIp >= 0) {
        if (stateOf(live, sameIp, now) != State.BAD) {
          return List.of(); // one entry per IP; a new id from a known IP is not believed
        }
        removeLive(sameIp);
      }
    }
    while (true) {
      int index = bucketOf(h, m, l);
      if (counts[index] < k) {
        if (subnetCount(index, endpoint) >= maxPerSubnet) {
          return List.of();
        }
        addLive(index, h, m, l, endpoint, now, NEVER, 0, now);
        removeSpare(index, h, m, l);
        return List.of();
      }
      if (index == bucketCount - 1 && bucketCount < NodeId.BITS) {
        split();
        continue;
      }
      if (subnetCount(index, endpoint) >= maxPerSubnet) {
        return List.of();
      }
      int first = index * k;
      int end = first + counts[index];
      for (int s = first; s < end; s++) {
        if (stateOf(live, s, now) == State.BAD) {
          removeLive(s);
          addLive(index, h, m, l, endpoint, now, NEVER, 0, now);
          return List.of();
        }
      }
      if (NodeIdSecurity.isValid(id, endpoint.address())) {
        // BEP 42: prefer verified ids; a conforming newcomer displaces a non-conforming entry
        for (int s = first; s < end; s++) {
          if (!conforms(live, s)) {
            int spare = appendSpare(index);
            live.copy(s, spares, spare);
            trimSpares(index, spare);
            removeLive(s);
            addLive(index, h, m, l, endpoint, now, NEVER, 0, now);
            return List.of();
          }
        }
      }
      addSpare(index, h, m, l, endpoint, now);
      // questionable entries, least recently seen first (ties in bucket order)
      int[] order = new int[end - first];
      int n = 0;
      for (int s = first; s < end; s++) {
        if (stateOf(live, s, now) == State.QUESTIONABLE) {
          int i = n++;
          while (i > 0 && live.lastSeen(order[i - 1]) > live.lastSeen(s)) {
            order[i] = order[i - 1];
            i--;
          }
          order[i] = s;
        }
      }
      List<Contact> toPing = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        toPing.add(contactOf(live, order[i]));
      }
      return toPing;
    }
  }

  /** A known node sent us a query: it is alive (BEP 5's "good" also counts queries from nodes that answered). */
  public void onQuery(Contact contact, long now) {
    int s = find(contact.id());
    if (s >= 0 && hasEndpoint(live, s, contact.endpoint())) {
      live.lastQuery[s] = now;
    }
  }

  /**
   * Whether a querier would get a place, or get its place back, if it answered a ping: an unknown node whose bucket
   * has room or can split, or a known node that has failed a query since it last answered, from its own address (a
   * node restarted on the same port: its answer clears the failures) or from another (the node moved). The node
   * uses it to decide whether to ping a querier.
   */
  public boolean wouldAccept(Contact contact, long now) {
    NodeId id = contact.id();
    if (id.equals(self)) {
      return false;
    }
    int known = find(id);
    if (known >= 0) {
      return live.failures[known] > 0;
    }
    long h = idHi;
    long m = idMid;
    int l = idLo;
    if (onePerIp) {
      int sameIp = findAddress(contact.endpoint().address());
      if (sameIp >= 0 && stateOf(live, sameIp, now) != State.BAD) {
        return false;
      }
    }
    int index = bucketOf(h, m, l);
    int[] bucket = slotsOf(index);
    if (index == bucketCount - 1 && bucket.length >= k) {
      bucket = bucketAfterSplits(bucket, commonPrefix(h, m, l), index);
    }
    if (subnetCount(bucket, contact.endpoint()) >= maxPerSubnet) {
      return false;
    }
    if (bucket.length < k) {
      return true;
    }
    boolean newcomerConforms = NodeIdSecurity.isValid(id, contact.endpoint().address());
    for (int s : bucket) {
      if (stateOf(live, s, now) == State.BAD || (newcomerConforms && !conforms(live, s))) {
        return true;
      }
    }
    return false;
  }

  private int[] slotsOf(int bucket) {
    int[] out = new int[counts[bucket]];
    for (int i = 0; i < out.length; i++) {
      out[i] = bucket * k + i;
    }
    return out;
  }

  /**
   * The slots that would share the newcomer's bucket once the full last bucket (at {@code index}) has split as far
   * as {@link #onReply} would split it: splitting goes on while the newcomer's side is full and can split.
   */
  private int[] bucketAfterSplits(int[] last, int newcomerDepth, int index) {
    int[] side = last;
    for (int depth = index; bucketCount + (depth - index) < NodeId.BITS; depth++) {
      int[] next = new int[side.length];
      int n = 0;
      for (int s : side) {
        int d = commonPrefix(live.hi[s], live.mid[s], live.lo[s]);
        if (newcomerDepth == depth ? d == depth : d > depth) {
          next[n++] = s;
        }
      }
      side = Arrays.copyOf(next, n);
      if (newcomerDepth == depth || side.length < k) {
        return side;
      }
    }
    return side;
  }

  /**
   * A query to {@code endpoint} got no reply. The entry's failure count grows; a bad entry, or one that failed
   * while a replacement waits, is replaced by the freshest replacement.
   */
  public void onTimeout(Endpoint endpoint, long now) {
    int s = findEndpoint(endpoint);
    if (s < 0) {
      return;
    }
    live.failures[s] = (short) Math.min(live.failures[s] + 1, Short.MAX_VALUE);
    int b = s / k;
    boolean bad = stateOf(live, s, now) == State.BAD;
    if (bad || sparesIn(b) > 0) {
      if (takeSpare(b)) {
        removeLive(s);
        int slot = b * k + counts[b];
        growLive();
        spares.copy(spares.capacity() - 1, live, slot);
        spares.clear(spares.capacity() - 1);
        counts[b]++;
        size++;
        lastChangedNanos[b] = now;
      } else if (bad && live.failures[s] >= failuresBeforeBad * 4) {
        removeLive(s); // long dead and nothing better: free the slot
      }
    }
  }

  // ------------------------------------------------------------------ live slots

  private void growLive() {
    live.ensure(bucketCount * k);
  }

  private void addLive(int b, long h, long m, int l, Endpoint endpoint, long reply, long query, int failed, long now) {
    growLive();
    int s = b * k + counts[b]++;
    live.set(s, h, m, l, endpoint, reply, query, failed);
    size++;
    lastChangedNanos[b] = now;
  }

  /** Removes live slot {@code s}, keeping the order of the others in its bucket. */
  private void removeLive(int s) {
    int b = s / k;
    int end = b * k + counts[b];
    for (int i = s; i + 1 < end; i++) {
      live.copy(i + 1, live, i);
    }
    live.clear(end - 1);
    counts[b]--;
    size--;
  }

  private void split() {
    int last = bucketCount - 1;
    bucketCount++;
    counts = Arrays.copyOf(counts, bucketCount);
    lastChangedNanos = Arrays.copyOf(lastChangedNanos, bucketCount);
    lastChangedNanos[last + 1] = lastChangedNanos[last];
    growLive();
    int first = last * k;
    int keep = first;
    int moved = (last + 1) * k;
    for (int s = first, end = first + counts[last]; s < end; s++) {
      if (commonPrefix(live.hi[s], live.mid[s], live.lo[s]) > last) {
        live.copy(s, live, moved++);
      } else {
        if (keep != s) {
          live.copy(s, live, keep);
        }
        keep++;
      }
    }
    for (int s = keep; s < first + counts[last]; s++) {
      live.clear(s);
    }
    counts[last + 1] = moved - (last + 1) * k;
    counts[last] = keep - first;
    for (int i = 0; i < spareCount; i++) {
      if ((spareBucket[i] & 0xff) == last && commonPrefix(spares.hi[i], spares.mid[i], spares.lo[i]) > last) {
        spareBucket[i] = (byte) (last + 1);
      }
    }
  }

  private boolean conforms(Slots s, int slot) {
    return NodeIdSecurity.isValid(idOf(s, slot), s.address(slot));
  }

  private int subnetCount(int bucket, Endpoint endpoint) {
    if (counts[bucket] < maxPerSubnet) {
      return counts[bucket]; // cannot reach the bound: skip the comparisons
    }
    InetAddress a = endpoint.address();
    byte[] bytes = a.getAddress();
    int n = 0;
    for (int s = bucket * k, end = s + counts[bucket]; s < end; s++) {
      if (live.sameSubnet(s, a, bytes)) {
        n++;
      }
    }
    return n;
  }

  private int subnetCount(int[] slots, Endpoint endpoint) {
    if (slots.length < maxPerSubnet) {
      return slots.length; // cannot reach the bound: skip the comparisons
    }
    InetAddress a = endpoint.address();
    byte[] bytes = a.getAddress();
    int n = 0;
    for (int s : slots) {
      if (live.sameSubnet(s, a, bytes)) {
        n++;
      }
    }
    return n;
  }

  // ------------------------------------------------------------------ replacement caches

  private int sparesIn(int bucket) {
    int n = 0;
    for (int i = 0; i < spareCount; i++) {
      if ((spareBucket[i] & 0xff) == bucket) {
        n++;
      }
    }
    return n;
  }

  /** A new last spare slot tagged with {@code bucket}; its fields are the caller's to set. */
  private int appendSpare(int bucket) {
    if (spareCount + 1 >= spares.capacity()) {
      int capacity = Math.max(4, spareCount + (spareCount >> 1)) + 1; // one more: the scratch slot at the end
      spares.ensure(capacity);
      spareBucket = Arrays.copyOf(spareBucket, capacity);
    }
    spareBucket[spareCount] = (byte) bucket;
    return spareCount++;
  }

  /**
   * Puts the newcomer (h, m, l) at {@code endpoint} into {@code bucket}'s cache as its freshest entry, dropping an
   * older copy of the same id and, past the cache size, the oldest entry.
   */
  private void addSpare(int bucket, long h, long m, int l, Endpoint endpoint, long now) {
    removeSpare(bucket, h, m, l);
    int s = appendSpare(bucket);
    spares.set(s, h, m, l, endpoint, now, NEVER, 0);
    trimSpares(bucket, s);
  }

  /** After {@code added} joined {@code bucket}'s cache: drops an older copy of its id and any overflow. */
  private void trimSpares(int bucket, int added) {
    for (int i = 0; i < added; i++) {
      if ((spareBucket[i] & 0xff) == bucket && spares.hasId(i, spares.hi[added], spares.mid[added], spares.lo[added])) {
        removeSpareAt(i);
        added--;
        break;
      }
    }
    if (sparesIn(bucket) > replacementSize) {
      for (int i = 0; i < spareCount; i++) {
        if ((spareBucket[i] & 0xff) == bucket) {
          removeSpareAt(i); // the oldest
          return;
        }
      }
    }
  }

  private void removeSpare(int bucket, long h, long m, int l) {
    for (int i = 0; i < spareCount; i++) {
      if ((spareBucket[i] & 0xff) == bucket && spares.hasId(i, h, m, l)) {
        removeSpareAt(i);
        return;
      }
    }
  }

  private void removeSpareAt(int i) {
    for (int j = i; j + 1 < spareCount; j++) {
      spares.copy(j + 1, spares, j);
      spareBucket[j] = spareBucket[j + 1];
    }
    spareCount--;
    spares.clear(spareCount);
  }

  /**
   * Takes {@code bucket}'s freshest replacement that may enter the table now (not already in it, its IP free, its
   * subnet under the bound), discarding the fresher ones that may not, and leaves it in the scratch slot (the last
   * slot of {@link #spares}). False when none qualifies.
   */
  private boolean takeSpare(int bucket) {
    int scratch = spares.capacity() - 1;
    for (int i = spareCount - 1; i >= 0; i--) {
      if ((spareBucket[i] & 0xff) != bucket) {
        continue;
      }
      spares.copy(i, spares, scratch);
      removeSpareAt(i);
      boolean inTable = false;
      for (int s = bucket * k, end = s + counts[bucket]; s < end; s++) {
        if (live.hasId(s, spares.hi[scratch], spares.mid[scratch], spares.lo[scratch])) {
          inTable = true;
        }
      }
      Endpoint endpoint = spares.endpoint(scratch);
      if (!inTable
          && !(onePerIp && findAddress(endpoint.address()) >= 0)
          && subnetCount(bucket, endpoint) < maxPerSubnet) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ reading the table

  /**
   * Up to {@code n} entries closest to {@code target}, nearest first, leaving out every entry that failed its
   * last query: we do not hand others (or our own lookups) nodes we have reason to think are gone. A bounded
   * insertion selection over the slots: no sorting of the table, no object but the result.
   */
  public List<Contact> closest(NodeId target, int n, long now) {
    if (n <= 0 || size == 0) {
      return List.of();
    }
    readId(target);
    long th = idHi;
    long tm = idMid;
    int tl = idLo;
    int[] best = new int[Math.min(n, size)];
    int cap = best.length;
    // The buckets fall into groups by distance to the target, each group wholly closer than the next: the
    // target's own bucket t (its entries share at least t + 1 bits with the target), then every deeper bucket
    // (exactly t bits), then t - 1, t - 2, ... 0 (exactly t - 1, t - 2, ... bits). A bounded selection in that
    // order may stop at the end of any group that completes the answer: for a random target usually after
    // bucket 0 alone, instead of scanning the whole table.
    int t = bucketOf(th, tm, tl);
    int found = select(t, t + 1, best, 0, th, tm, tl);
    if (found < cap) {
      found = select(t + 1, bucketCount, best, found, th, tm, tl);
    }
    for (int b = t - 1; b >= 0 && found < cap; b--) {
      found = select(b, b + 1, best, found, th, tm, tl);
    }
    List<Contact> out = new ArrayList<>(found);
    for (int i = 0; i < found; i++) {
      out.add(contactOf(live, best[i]));
    }
    return out;
  }

  /**
   * Bounded insertion selection of the entries of buckets [from, to) that have not failed into {@code best}
   * (ascending distance to the target; {@code found} already there); returns the new count.
   */
  private int select(int from, int to, int[] best, int found, long th, long tm, int tl) {
    int cap = best.length;
    for (int b = from; b < to; b++) {
      for (int s = b * k, end = s + counts[b]; s < end; s++) {
        if (live.failures[s] != 0) {
          continue;
        }
        if (found == cap && !closer(live, s, best[cap - 1], th, tm, tl)) {
          continue;
        }
        int i = found < cap ? found++ : cap - 1;
        while (i > 0 && closer(live, s, best[i - 1], th, tm, tl)) {
          best[i] = best[i - 1];
          i--;
        }
        best[i] = s;
      }
    }
    return found;
  }

  /** Whether slot a is strictly closer to the target (th, tm, tl) than slot b. */
  private static boolean closer(Slots e, int a, int b, long th, long tm, int tl) {
    int c = Long.compareUnsigned(e.hi[a] ^ th, e.hi[b] ^ th);
    if (c == 0) {
      c = Long.compareUnsigned(e.mid[a] ^ tm, e.mid[b] ^ tm);
      if (c == 0) {
        c = Integer.compareUnsigned(e.lo[a] ^ tl, e.lo[b] ^ tl);
      }
    }
    return c < 0;
  }

  /** Every live entry, bucket by bucket. */
  public List<Contact> contacts() {
    List<Contact> out = new ArrayList<>(size);
    for (int b = 0; b < bucketCount; b++) {
      for (int s = b * k, end = s + counts[b]; s < end; s++) {
        out.add(contactOf(live, s));
      }
    }
    return out;
  }

  /** The least recently seen questionable entry, if any: the one to ping next to keep the table fresh. */
  public Optional<Contact> stalest(long now) {
    int best = -1;
    for (int b = 0; b < bucketCount; b++) {
      for (int s = b * k, end = s + counts[b]; s < end; s++) {
        if (stateOf(live, s, now) == State.QUESTIONABLE && (best < 0 || live.lastSeen(s) < live.lastSeen(best))) {
          best = s;
        }
      }
    }
    return best < 0 ? Optional.empty() : Optional.of(contactOf(live, best));
  }

  /**
   * The earliest time at which this table gives maintenance something to do: an entry turning questionable (for
   * {@link #stalest}; {@code now} when one already is) or a bucket unchanged for {@code idleNanos} (for {@link
   * #refreshTargets}). {@code Long.MAX_VALUE} for an empty table. Reads every entry: for a node deciding how long
   * its maintenance may sleep, not for a hot path.
   */
  public long nextMaintenanceNanos(long now, long idleNanos) {
    if (size() == 0) {
      return Long.MAX_VALUE;
    }
    long next = Long.MAX_VALUE;
    for (int b = 0; b < bucketCount; b++) {
      next = Math.min(next, lastChangedNanos[b] + idleNanos);
      for (int s = b * k, end = s + counts[b]; s < end; s++) {
        State state = stateOf(live, s, now);
        if (state == State.QUESTIONABLE) {
          return now;
        }
        if (state == State.GOOD) {
          long seen = live.lastReply[s];
          if (live.lastQuery[s] != NEVER) {
            seen = Math.max(seen, live.lastQuery[s]);
          }
          next = Math.min(next, seen + questionableAfterNanos);
        }
      }
    }
    return next;
  }

  /**
   * Random targets inside each bucket that has not changed for {@code idleNanos}; marks those buckets refreshed.
   */
  public List<NodeId> refreshTargets(long now, long idleNanos, RandomGenerator random) {
    List<NodeId> out = new ArrayList<>();
    for (int i = 0; i < bucketCount; i++) {
      if (now - lastChangedNanos[i] >= idleNanos) {
        lastChangedNanos[i] = now;
        out.add(randomIdInBucket(i, random));
      }
    }
    return out;
  }

  /** A random id that falls in bucket {@code index}. */
  public NodeId randomIdInBucket(int index, RandomGenerator random) {
    NodeId r = NodeId.random(random);
    if (index == bucketCount - 1) {
      return self.withLowBitsFrom(r, index);
    }
    return self.withBit(index, !self.bit(index)).withLowBitsFrom(r, index + 1);
  }

  /**
   * The heap this table takes, in bytes, as the usual 64-bit JVM lays it out (compressed references: 12-byte
   * object headers, 16-byte array headers, every object rounded up to 8 bytes): this object, its two {@link Slots}
   * and every array they hold, the IPv6 addresses included (48 bytes each, the {@code Inet6Address} and its holder,
   * not counting shared scope data). For capacity planning and the scale experiment, which checks it against the
   * JVM's class histogram.
   */
  public long footprintBytes() {
    long bytes = align(12 + 7 * 4 + 5 * 8 + 9 * 4 + 1); // references, longs, ints, the boolean
    bytes += array(counts.length, 4) + array(lastChangedNanos.length, 8);
    bytes += spareBucket.length == 0 ? 0 : array(spareBucket.length, 1); // the empty one is shared
    bytes += array(idBytes.length, 1);
    return bytes + footprint(live) + footprint(spares);
  }

  private static long footprint(Slots s) {
    int c = s.capacity();
    long bytes = align(12 + 9 * 4);
    if (c == 0) {
      return bytes; // the shared empty arrays
    }
    bytes += 4 * array(c, 8) + 2 * array(c, 4) + 2 * array(c, 2);
    if (s.v6 != null) {
      bytes += array(c, 4);
      for (InetAddress a : s.v6) {
        bytes += a == null ? 0 : 48 + array(16, 1);
      }
    }
    return bytes;
  }

  private static long array(int length, int elementBytes) {
    return align(16 + (long) length * elementBytes);
  }

  private static long align(long bytes) {
    return (bytes + 7) & ~7L;
  }

  /** Sizes of the buckets, shallowest first (for inspection and tests). */
  public int[] bucketSizes() {
    return Arrays.copyOf(counts, bucketCount);
  }

  /** Checks the structural invariants; returns a description of the first violation, or empty. */
  public Optional<String> checkInvariants() {
    int total = 0;
    for (int b = 0; b < bucketCount; b++) {
      if (counts[b] < 0 || counts[b] > k) {
        return Optional.of("bucket " + b + " holds " + counts[b] + " entries, k = " + k);
      }
      for (int s = b * k, end = s + counts[b]; s < end; s++) {
        Contact c = contactOf(live, s);
        if (live.hasId(s, selfHi, selfMid, selfLo)) {
          return Optional.of("own id in table");
        }
        if (bucketOfSlot(live, s) != b) {
          return Optional.of(c + " in bucket " + b + " but belongs to " + bucketOfSlot(live, s));
        }
        for (int o = b * k; o < s; o++) {
          if (live.hasId(o, live.hi[s], live.mid[s], live.lo[s])) {
            return Optional.of("duplicate id " + c);
          }
        }
        if (live.isV6(s) != !(c.endpoint().address() instanceof Inet4Address)
            || live.ip[s] != addressKey(c.endpoint().address())) {
          return Optional.of("address of " + c + " out of sync");
        }
        if (onePerIp && findAddress(c.endpoint().address()) != s) {
          return Optional.of("two entries share the IP of " + c);
        }
      }
      if (sparesIn(b) > replacementSize) {
        return Optional.of("bucket " + b + " caches " + sparesIn(b) + " replacements > " + replacementSize);
      }
      total += counts[b];
    }
    if (total != size) {
      return Optional.of("size " + size + " but buckets hold " + total);
    }
    for (int i = 0; i < spareCount; i++) {
      if (bucketOfSlot(spares, i) != (spareBucket[i] & 0xff)) {
        return Optional.of("replacement " + contactOf(spares, i) + " tagged with bucket " + (spareBucket[i] & 0xff));
      }
    }
    return Optional.empty();
  }
}
