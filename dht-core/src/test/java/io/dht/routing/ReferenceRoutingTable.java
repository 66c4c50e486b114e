package io.dht.routing;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.id.NodeIdSecurity;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The routing table as it was before the flat-array layout (commit 81d7e34), kept as the model the new one is
 * checked against ({@code RoutingTableModelTest}).
 *
 * <p>BEP 5 k-buckets around our own id. Bucket {@code i} (for {@code i < depth - 1}) holds nodes whose id shares
 * exactly {@code i} leading bits with ours; the last bucket holds all nodes sharing at least {@code depth - 1}
 * bits, and it alone may split (it is the one that covers our id).
 *
 * <p>Only nodes that answered one of our queries are inserted ({@link #onReply}); a full bucket that cannot split
 * keeps newcomers in a bounded replacement cache and asks the caller to ping its questionable entries
 * (ping-before-evict); an entry that fails {@code failuresBeforeBad} queries in a row, or fails once while a
 * replacement is waiting, is replaced. At most one entry per IP, and at most {@code maxPerSubnet} per /24 (IPv4)
 * or /64 (IPv6) within one bucket. Owned by the node's loop; not thread-safe.
 */
final class ReferenceRoutingTable {
  private final NodeId self;
  private final int k;
  private final int replacementSize;
  private final int maxPerSubnet;
  private final boolean onePerIp;
  private final long questionableAfterNanos;
  private final int failuresBeforeBad;
  private final List<Bucket> buckets = new ArrayList<>();
  private final Map<InetAddress, Entry> byIp = new HashMap<>();
  private final Map<NodeId, Entry> byId = new HashMap<>();

  ReferenceRoutingTable(
      NodeId self,
      int k,
      int replacementSize,
      int maxPerSubnet,
      boolean onePerIp,
      long questionableAfterNanos,
      int failuresBeforeBad,
      long nowNanos) {
    this.self = self;
    this.k = k;
    this.replacementSize = replacementSize;
    this.maxPerSubnet = maxPerSubnet;
    this.onePerIp = onePerIp;
    this.questionableAfterNanos = questionableAfterNanos;
    this.failuresBeforeBad = failuresBeforeBad;
    buckets.add(new Bucket(nowNanos));
  }

  /** Health of an entry by BEP 5's rules. */
  public enum State {
    GOOD,
    QUESTIONABLE,
    BAD
  }

  /** One routing-table entry; mutable, owned by the table. */
  static final class Entry {
    final Contact contact;
    long lastReplyNanos;
    long lastQueryNanos = Long.MIN_VALUE;
    int failures;

    Entry(Contact contact, long lastReplyNanos) {
      this.contact = contact;
      this.lastReplyNanos = lastReplyNanos;
    }

    long lastSeen() {
      return Math.max(lastReplyNanos, lastQueryNanos);
    }
  }

  static final class Bucket {
    final List<Entry> entries = new ArrayList<>();
    final List<Entry> replacements = new ArrayList<>();
    long lastChangedNanos;

    Bucket(long now) {
      lastChangedNanos = now;
    }
  }

  public NodeId self() {
    return self;
  }

  /** Live entries over all buckets. */
  public int size() {
    return byId.size();
  }

  /** Number of buckets (the table's depth). */
  public int bucketCount() {
    return buckets.size();
  }

  /** The entry that holds {@code address}, if any (one entry per IP). */
  public Optional<Contact> contactAt(InetAddress address) {
    Entry e = byIp.get(address);
    return e == null ? Optional.empty() : Optional.of(e.contact);
  }

  public boolean contains(NodeId id) {
    return byId.containsKey(id);
  }

  int bucketIndex(NodeId id) {
    return Math.min(self.commonPrefixLength(id), buckets.size() - 1);
  }

  /** Health of a known entry. */
  public Optional<State> state(NodeId id, long now) {
    Entry e = byId.get(id);
    return e == null ? Optional.empty() : Optional.of(stateOf(e, now));
  }

  State stateOf(Entry e, long now) {
    if (e.failures >= failuresBeforeBad) {
      return State.BAD;
    }
    if (e.failures == 0
        && (now - e.lastReplyNanos < questionableAfterNanos
            || (e.lastQueryNanos != Long.MIN_VALUE && now - e.lastQueryNanos < questionableAfterNanos))) {
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
    if (id.equals(self)) {
      return List.of();
    }
    Entry known = byId.get(id);
    if (known != null) {
      if (known.contact.endpoint().equals(contact.endpoint())) {
        known.lastReplyNanos = now;
        known.failures = 0;
        buckets.get(bucketIndex(id)).lastChangedNanos = now;
        return List.of();
      }
      if (known.failures == 0) {
        return List.of(); // same id from another address: keep the entry we verified while it answers
      }
      remove(known); // the old address stopped answering: the node moved (e.g. restarted on a new port)
    }
    Entry sameIp = byIp.get(contact.endpoint().address());
    if (sameIp != null && onePerIp) {
      if (stateOf(sameIp, now) != State.BAD) {
        return List.of(); // one entry per IP; a new id from a known IP is not believed
      }
      remove(sameIp);
    }
    while (true) {
      int index = bucketIndex(id);
      Bucket b = buckets.get(index);
      if (b.entries.size() < k) {
        if (subnetCount(b, contact.endpoint()) >= maxPerSubnet) {
          return List.of();
        }
        add(b, new Entry(contact, now), now);
        b.replacements.removeIf(r -> r.contact.id().equals(id));
        return List.of();
      }
      if (index == buckets.size() - 1 && buckets.size() < NodeId.BITS) {
        split();
        continue;
      }
      if (subnetCount(b, contact.endpoint()) >= maxPerSubnet) {
        return List.of();
      }
      for (Entry e : b.entries) {
        if (stateOf(e, now) == State.BAD) {
          remove(e);
          add(b, new Entry(contact, now), now);
          return List.of();
        }
      }
      if (conforms(contact)) {
        // BEP 42: prefer verified ids; a conforming newcomer displaces a non-conforming entry
        for (Entry e : b.entries) {
          if (!conforms(e.contact)) {
            remove(e);
            addReplacement(b, e);
            add(b, new Entry(contact, now), now);
            return List.of();
          }
        }
      }
      addReplacement(b, new Entry(contact, now));
      List<Contact> toPing = new ArrayList<>();
      b.entries.stream()
          .filter(e -> stateOf(e, now) == State.QUESTIONABLE)
          .sorted(Comparator.comparingLong(Entry::lastSeen))
          .forEach(e -> toPing.add(e.contact));
      return toPing;
    }
  }

  /** A known node sent us a query: it is alive (BEP 5's "good" also counts queries from nodes that answered). */
  public void onQuery(Contact contact, long now) {
    Entry e = byId.get(contact.id());
    if (e != null && e.contact.endpoint().equals(contact.endpoint())) {
      e.lastQueryNanos = now;
    }
  }

  /**
   * Whether a querier would get a place, or get its place back, if it answered: an unknown node whose bucket has
   * room or can split, or a known node that has failed since it last answered.
   */
  public boolean wouldAccept(Contact contact, long now) {
    NodeId id = contact.id();
    if (id.equals(self)) {
      return false;
    }
    Entry known = byId.get(id);
    if (known != null) {
      return known.failures > 0;
    }
    Entry sameIp = byIp.get(contact.endpoint().address());
    if (onePerIp && sameIp != null && stateOf(sameIp, now) != State.BAD) {
      return false;
    }
    int index = bucketIndex(id);
    List<Entry> bucket = buckets.get(index).entries;
    if (index == buckets.size() - 1 && bucket.size() >= k) {
      bucket = bucketAfterSplits(bucket, id, index);
    }
    if (subnetCount(bucket, contact.endpoint()) >= maxPerSubnet) {
      return false;
    }
    if (bucket.size() < k) {
      return true;
    }
    boolean newcomerConforms = conforms(contact);
    for (Entry e : bucket) {
      if (stateOf(e, now) == State.BAD || (newcomerConforms && !conforms(e.contact))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The entries that would share {@code id}'s bucket once the full last bucket (at {@code index}) has split as far
   * as {@link #onReply} would split it: splitting goes on while the newcomer's side is full and can split.
   */
  private List<Entry> bucketAfterSplits(List<Entry> last, NodeId id, int index) {
    int newcomerDepth = self.commonPrefixLength(id);
    List<Entry> side = last;
    for (int depth = index; buckets.size() + (depth - index) < NodeId.BITS; depth++) {
      List<Entry> next = new ArrayList<>();
      for (Entry e : side) {
        int d = self.commonPrefixLength(e.contact.id());
        if (newcomerDepth == depth ? d == depth : d > depth) {
          next.add(e);
        }
      }
      side = next;
      if (newcomerDepth == depth || side.size() < k) {
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
    Entry e = byIp.get(endpoint.address());
    if (e == null || !e.contact.endpoint().equals(endpoint)) {
      e = findByEndpoint(endpoint);
      if (e == null) {
        return;
      }
    }
    e.failures++;
    Bucket b = buckets.get(bucketIndex(e.contact.id()));
    boolean bad = stateOf(e, now) == State.BAD;
    if (bad || !b.replacements.isEmpty()) {
      Entry r = takeReplacement(b, now);
      if (r != null) {
        remove(e);
        add(b, r, now);
      } else if (bad && e.failures >= failuresBeforeBad * 4) {
        remove(e); // long dead and nothing better: free the slot
      }
    }
  }

  private Entry findByEndpoint(Endpoint endpoint) {
    for (Entry e : byId.values()) {
      if (e.contact.endpoint().equals(endpoint)) {
        return e;
      }
    }
    return null;
  }

  private Entry takeReplacement(Bucket b, long now) {
    while (!b.replacements.isEmpty()) {
      Entry r = b.replacements.remove(b.replacements.size() - 1); // freshest first
      if (!byId.containsKey(r.contact.id())
          && !(onePerIp && byIp.containsKey(r.contact.endpoint().address()))
          && subnetCount(b, r.contact.endpoint()) < maxPerSubnet) {
        return r;
      }
    }
    return null;
  }

  private void addReplacement(Bucket b, Entry e) {
    b.replacements.removeIf(r -> r.contact.id().equals(e.contact.id()));
    b.replacements.add(e);
    if (b.replacements.size() > replacementSize) {
      b.replacements.remove(0);
    }
  }

  private void add(Bucket b, Entry e, long now) {
    b.entries.add(e);
    b.lastChangedNanos = now;
    byId.put(e.contact.id(), e);
    byIp.put(e.contact.endpoint().address(), e);
  }

  private void remove(Entry e) {
    Bucket b = buckets.get(bucketIndex(e.contact.id()));
    b.entries.remove(e);
    byId.remove(e.contact.id());
    byIp.remove(e.contact.endpoint().address(), e);
  }

  private void split() {
    int lastIndex = buckets.size() - 1;
    Bucket last = buckets.get(lastIndex);
    Bucket next = new Bucket(last.lastChangedNanos);
    buckets.add(next);
    moveDeeper(last.entries, next.entries, lastIndex);
    moveDeeper(last.replacements, next.replacements, lastIndex);
  }

  private void moveDeeper(List<Entry> from, List<Entry> to, int index) {
    from.removeIf(
        e -> {
          if (self.commonPrefixLength(e.contact.id()) > index) {
            to.add(e);
            return true;
          }
          return false;
        });
  }

  private static boolean conforms(Contact c) {
    return NodeIdSecurity.isValid(c.id(), c.endpoint().address());
  }

  private int subnetCount(Bucket b, Endpoint endpoint) {
    return subnetCount(b.entries, endpoint);
  }

  private int subnetCount(List<Entry> entries, Endpoint endpoint) {
    byte[] a = endpoint.address().getAddress();
    int prefix = a.length == 4 ? 3 : 8;
    int n = 0;
    for (Entry e : entries) {
      byte[] o = e.contact.endpoint().address().getAddress();
      if (o.length == a.length && Arrays.equals(a, 0, prefix, o, 0, prefix)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Up to {@code n} entries closest to {@code target}, nearest first, leaving out every entry that failed its
   * last query: we do not hand others (or our own lookups) nodes we have reason to think are gone.
   */
  public List<Contact> closest(NodeId target, int n, long now) {
    List<Entry> all = new ArrayList<>(byId.size());
    for (Bucket b : buckets) {
      for (Entry e : b.entries) {
        if (e.failures == 0) {
          all.add(e);
        }
      }
    }
    all.sort((x, y) -> target.compareDistance(x.contact.id(), y.contact.id()));
    List<Contact> out = new ArrayList<>(Math.min(n, all.size()));
    for (int i = 0; i < all.size() && out.size() < n; i++) {
      out.add(all.get(i).contact);
    }
    return out;
  }

  /** Every live entry, bucket by bucket. */
  public List<Contact> contacts() {
    List<Contact> out = new ArrayList<>(byId.size());
    for (Bucket b : buckets) {
      for (Entry e : b.entries) {
        out.add(e.contact);
      }
    }
    return out;
  }

  /** The least recently seen questionable entry, if any: the one to ping next to keep the table fresh. */
  public Optional<Contact> stalest(long now) {
    Entry best = null;
    for (Entry e : byId.values()) {
      if (stateOf(e, now) == State.QUESTIONABLE && (best == null || e.lastSeen() < best.lastSeen())) {
        best = e;
      }
    }
    return best == null ? Optional.empty() : Optional.of(best.contact);
  }

  /**
   * Random targets inside each bucket that has not changed for {@code idleNanos}; marks those buckets refreshed.
   */
  public List<NodeId> refreshTargets(long now, long idleNanos, RandomGenerator random) {
    List<NodeId> out = new ArrayList<>();
    for (int i = 0; i < buckets.size(); i++) {
      Bucket b = buckets.get(i);
      if (now - b.lastChangedNanos >= idleNanos) {
        b.lastChangedNanos = now;
        out.add(randomIdInBucket(i, random));
      }
    }
    return out;
  }

  /** A random id that falls in bucket {@code index}. */
  public NodeId randomIdInBucket(int index, RandomGenerator random) {
    NodeId r = NodeId.random(random);
    if (index == buckets.size() - 1) {
      return self.withLowBitsFrom(r, index);
    }
    return self.withBit(index, !self.bit(index)).withLowBitsFrom(r, index + 1);
  }

  /** Sizes of the buckets, shallowest first (for inspection and tests). */
  public int[] bucketSizes() {
    int[] out = new int[buckets.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = buckets.get(i).entries.size();
    }
    return out;
  }

  /** Checks the structural invariants; returns a description of the first violation, or empty. */
  public Optional<String> checkInvariants() {
    int total = 0;
    for (int i = 0; i < buckets.size(); i++) {
      Bucket b = buckets.get(i);
      if (b.entries.size() > k) {
        return Optional.of("bucket " + i + " holds " + b.entries.size() + " > k");
      }
      for (Entry e : b.entries) {
        if (e.contact.id().equals(self)) {
          return Optional.of("own id in table");
        }
        if (bucketIndex(e.contact.id()) != i) {
          return Optional.of(e.contact + " in bucket " + i + " but belongs to " + bucketIndex(e.contact.id()));
        }
        if (byId.get(e.contact.id()) != e) {
          return Optional.of("index out of sync for " + e.contact);
        }
      }
      total += b.entries.size();
    }
    if (total != byId.size()) {
      return Optional.of("duplicate or missing entries: " + total + " vs " + byId.size());
    }
    return Optional.empty();
  }
}
