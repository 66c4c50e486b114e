package io.dht.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The flat-array {@link RoutingTable} against {@link ReferenceRoutingTable}, the object-per-entry table it replaced:
 * after any sequence of replies, queries, timeouts, clock advances and refreshes, both hold the same entries in the
 * same order, answer every question the same way and ask for the same pings. (With one entry per IP; without it,
 * which of two entries sharing an IP and port a timeout hits was never specified.)
 */
class RoutingTableModelTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long QUESTIONABLE = 15 * 60 * SECOND;
  private static final long T0 = 1_000 * 60 * SECOND;
  private static final int POOL = 40;

  /** Private and public, IPv4 and IPv6 (one IPv4-mapped), several sharing a /24 or /64. */
  static final List<String> IPS =
      List.of(
          "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1", "10.0.2.1", "10.7.7.7", "1.2.3.4", "1.2.3.5", "8.8.8.8",
          "9.9.9.9", "203.0.113.9", "[2001:db8::1]", "[2001:db8::2]", "[2001:db8:1::1]", "[fd00::1]",
          "[2a00:1450::5]", "[::ffff:10.0.0.1]");

  sealed interface Op permits Reply, Timeout, Query, Advance, Refresh, Probe {}

  record Reply(int id, int ip, int port) implements Op {}

  record Timeout(int ip, int port) implements Op {}

  record Query(int id, int ip, int port) implements Op {}

  record Advance(int seconds) implements Op {}

  record Refresh() implements Op {}

  /** wouldAccept of a contact, without inserting it. */
  record Probe(int id, int ip, int port) implements Op {}

  record Params(int k, int replacements, int maxPerSubnet, int failuresBeforeBad, long seed) {}

  @Provide
  Arbitrary<Params> params() {
    return Combinators.combine(
            Arbitraries.integers().between(1, 4),
            Arbitraries.integers().between(1, 4),
            Arbitraries.integers().between(1, 4),
            Arbitraries.integers().between(1, 3),
            Arbitraries.longs())
        .as(Params::new);
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Integer> id = Arbitraries.integers().between(0, POOL - 1);
    Arbitrary<Integer> ip = Arbitraries.integers().between(0, IPS.size() - 1);
    Arbitrary<Integer> port = Arbitraries.integers().between(0, 1);
    Arbitrary<Op> op =
        Arbitraries.frequencyOf(
            Tuple.of(10, Combinators.combine(id, ip, port).as(Reply::new)),
            Tuple.of(4, Combinators.combine(ip, port).as(Timeout::new)),
            Tuple.of(2, Combinators.combine(id, ip, port).as(Query::new)),
            Tuple.of(2, Combinators.combine(id, ip, port).as(Probe::new)),
            Tuple.of(2, Arbitraries.integers().between(0, 1200).map(Advance::new)),
            Tuple.of(1, Arbitraries.just(new Refresh())));
    return op.list().ofMaxSize(300);
  }

  @Property(tries = 500)
  void behavesLikeTheObjectPerEntryTable(@ForAll("params") Params p, @ForAll("ops") List<Op> ops) {
    SplittableRandom r = new SplittableRandom(p.seed());
    NodeId me = NodeId.random(r);
    List<NodeId> ids = new ArrayList<>();
    ids.add(me);
    for (int i = 1; i < POOL; i++) {
      int cpl = (i * 7) % 12;
      ids.add(me.withBit(cpl, !me.bit(cpl)).withLowBitsFrom(NodeId.random(r), cpl + 1));
    }
    int perSubnet = Math.min(p.maxPerSubnet(), p.k());
    RoutingTable t =
        new RoutingTable(me, p.k(), p.replacements(), perSubnet, true, QUESTIONABLE, p.failuresBeforeBad(), T0);
    ReferenceRoutingTable ref =
        new ReferenceRoutingTable(
            me, p.k(), p.replacements(), perSubnet, true, QUESTIONABLE, p.failuresBeforeBad(), T0);
    long seed = r.nextLong();
    SplittableRandom r1 = new SplittableRandom(seed);
    SplittableRandom r2 = new SplittableRandom(seed);
    long now = T0;
    int step = 0;
    for (Op op : ops) {
      String at = "step " + step++ + " " + op;
      if (op instanceof Reply x) {
        Contact c = new Contact(ids.get(x.id()), endpoint(x.ip(), x.port()));
        assertThat(t.wouldAccept(c, now)).as(at).isEqualTo(ref.wouldAccept(c, now));
        assertThat(t.onReply(c, now)).as(at).isEqualTo(ref.onReply(c, now));
      } else if (op instanceof Probe x) {
        Contact c = new Contact(ids.get(x.id()), endpoint(x.ip(), x.port()));
        assertThat(t.wouldAccept(c, now)).as(at).isEqualTo(ref.wouldAccept(c, now));
      } else if (op instanceof Timeout x) {
        t.onTimeout(endpoint(x.ip(), x.port()), now);
        ref.onTimeout(endpoint(x.ip(), x.port()), now);
      } else if (op instanceof Query x) {
        Contact c = new Contact(ids.get(x.id()), endpoint(x.ip(), x.port()));
        t.onQuery(c, now);
        ref.onQuery(c, now);
      } else if (op instanceof Advance x) {
        now += x.seconds() * SECOND;
      } else if (op instanceof Refresh) {
        assertThat(t.refreshTargets(now, QUESTIONABLE, r1)).as(at).isEqualTo(ref.refreshTargets(now, QUESTIONABLE, r2));
      } else {
        throw new AssertionError(op);
      }
      same(t, ref, ids, now, at);
    }
  }

  private static void same(RoutingTable t, ReferenceRoutingTable ref, List<NodeId> ids, long now, String at) {
    assertThat(t.checkInvariants()).as(at).isEmpty();
    assertThat(t.contacts()).as(at).isEqualTo(ref.contacts());
    assertThat(t.bucketSizes()).as(at).isEqualTo(ref.bucketSizes());
    assertThat(t.size()).as(at).isEqualTo(ref.size());
    for (NodeId id : ids) {
      assertThat(t.contains(id)).as(at).isEqualTo(ref.contains(id));
      assertThat(t.state(id, now).map(Enum::name)).as(at).isEqualTo(ref.state(id, now).map(Enum::name));
      assertThat(t.closest(id, 3, now)).as(at).isEqualTo(ref.closest(id, 3, now));
    }
    assertThat(t.closest(ids.get(0), 1000, now)).as(at).isEqualTo(ref.closest(ids.get(0), 1000, now));
    for (int ip = 0; ip < IPS.size(); ip++) {
      Endpoint e = endpoint(ip, 0);
      assertThat(t.contactAt(e.address())).as(at).isEqualTo(ref.contactAt(e.address()));
    }
    Optional<Contact> stalest = t.stalest(now);
    assertThat(stalest.isPresent()).as(at).isEqualTo(ref.stalest(now).isPresent());
    stalest.ifPresent(c -> assertThat(t.state(c.id(), now)).contains(RoutingTable.State.QUESTIONABLE));
  }

  private static Endpoint endpoint(int ip, int port) {
    return Endpoint.parse(IPS.get(ip) + ":" + (6881 + port));
  }
}
