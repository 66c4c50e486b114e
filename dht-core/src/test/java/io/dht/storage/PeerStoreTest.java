package io.dht.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class PeerStoreTest {
  private static final long TTL = 30 * 60 * 1_000_000_000L;
  private static final long T0 = 1_000_000_000_000L;
  private static final NodeId H1 = NodeId.parseHex("1111111111111111111111111111111111111111");
  private static final NodeId H2 = NodeId.parseHex("2222222222222222222222222222222222222222");
  private static final NodeId H3 = NodeId.parseHex("3333333333333333333333333333333333333333");

  private static Endpoint ep(String s) {
    return Endpoint.parse(s);
  }

  private static List<Endpoint> v4(PeerStore s, NodeId h, long now) {
    return s.peers(h, 1000, false, now);
  }

  @Test
  void peersExpireTtlAfterTheirLastAnnounce() {
    PeerStore s = new PeerStore(TTL, 100, 100);
    s.announce(H1, ep("1.2.3.4:1000"), T0);
    assertThat(v4(s, H1, T0 + TTL - 1)).containsExactly(ep("1.2.3.4:1000"));
    assertThat(v4(s, H1, T0 + TTL)).isEmpty();
    s.expire(T0 + TTL - 1);
    assertThat(s.peerCount()).isEqualTo(1);
    assertThat(s.infoHashCount()).isEqualTo(1);
    s.expire(T0 + TTL);
    assertThat(s.peerCount()).isZero();
    assertThat(s.infoHashCount()).isZero();
    assertThat(v4(s, H1, T0)).isEmpty();
  }

  @Test
  void reAnnounceUpdatesPortAndTimeWithoutDuplicating() {
    PeerStore s = new PeerStore(TTL, 100, 100);
    s.announce(H1, ep("1.2.3.4:1000"), T0);
    s.announce(H1, ep("1.2.3.5:1000"), T0 + 1);
    s.announce(H1, ep("1.2.3.4:2000"), T0 + 10);
    assertThat(s.peerCount()).isEqualTo(2);
    assertThat(v4(s, H1, T0 + 10)).containsExactly(ep("1.2.3.4:2000"), ep("1.2.3.5:1000"));
    // the re-announce restarted the clock of 1.2.3.4 only
    assertThat(v4(s, H1, T0 + TTL + 5)).containsExactly(ep("1.2.3.4:2000"));
    s.expire(T0 + TTL + 5);
    assertThat(s.peerCount()).isEqualTo(1);
    // the same peer in another swarm is another entry
    s.announce(H2, ep("1.2.3.4:2000"), T0 + 20);
    assertThat(s.peerCount()).isEqualTo(2);
    assertThat(s.infoHashCount()).isEqualTo(2);
  }

  @Test
  void expiryDoesNotDependOnAnnounceOrder() {
    PeerStore s = new PeerStore(TTL, 100, 100);
    s.announce(H1, ep("1.1.1.1:1"), T0);
    s.announce(H1, ep("2.2.2.2:2"), T0 + 1);
    s.restore(H1, ep("3.3.3.3:3"), false, TTL - 10, T0 + 2); // announced long ago, stored last
    s.expire(T0 + 5);
    assertThat(v4(s, H1, T0 + 5)).containsExactlyInAnyOrder(ep("1.1.1.1:1"), ep("2.2.2.2:2"), ep("3.3.3.3:3"));
    s.expire(T0 + 20);
    assertThat(s.peerCount()).isEqualTo(2);
    assertThat(v4(s, H1, T0 + 20)).containsExactlyInAnyOrder(ep("1.1.1.1:1"), ep("2.2.2.2:2"));
  }

  @Test
  void restoreSkipsExpiredPeersAndDoesNotJournal() {
    PeerStore s = new PeerStore(TTL, 100, 100);
    List<String> journal = new ArrayList<>();
    s.setJournal((h, p, seed) -> journal.add(h + " " + p + " " + seed));
    s.restore(H1, ep("1.1.1.1:1"), false, TTL, T0);
    assertThat(s.peerCount()).isZero();
    s.restore(H1, ep("1.1.1.1:1"), true, 0, T0);
    assertThat(s.peerCount()).isEqualTo(1);
    assertThat(journal).isEmpty();
    s.announce(H2, ep("2.2.2.2:2"), true, T0);
    assertThat(journal).containsExactly(H2 + " 2.2.2.2:2 true");
  }

  @Test
  void perInfoHashCapEvictsTheOldestAnnounce() {
    PeerStore s = new PeerStore(TTL, 3, 100);
    s.announce(H1, ep("1.0.0.1:1"), T0 + 1);
    s.announce(H1, ep("1.0.0.2:1"), T0 + 2);
    s.announce(H1, ep("1.0.0.3:1"), T0 + 3);
    s.announce(H1, ep("1.0.0.4:1"), T0 + 4);
    assertThat(v4(s, H1, T0 + 4)).containsExactly(ep("1.0.0.4:1"), ep("1.0.0.3:1"), ep("1.0.0.2:1"));
    assertThat(s.peerCount()).isEqualTo(3);
    s.announce(H1, ep("1.0.0.2:9"), T0 + 5); // refresh: 1.0.0.3 is now the oldest
    assertThat(s.peerCount()).isEqualTo(3);
    s.announce(H1, ep("1.0.0.5:1"), T0 + 6);
    assertThat(v4(s, H1, T0 + 6)).containsExactly(ep("1.0.0.5:1"), ep("1.0.0.2:9"), ep("1.0.0.4:1"));
    assertThat(s.peerCount()).isEqualTo(3);
  }

  @Test
  void infoHashCapEvictsTheStalestSwarm() {
    PeerStore s = new PeerStore(TTL, 100, 2);
    s.announce(H1, ep("1.0.0.1:1"), T0 + 1);
    s.announce(H2, ep("1.0.0.2:1"), T0 + 2);
    s.announce(H2, ep("1.0.0.3:1"), T0 + 3);
    s.announce(H1, ep("1.0.0.4:1"), T0 + 4); // H1's freshest announce is now the newest
    s.announce(H3, ep("1.0.0.5:1"), T0 + 5);
    assertThat(s.infoHashCount()).isEqualTo(2);
    assertThat(v4(s, H2, T0 + 5)).isEmpty();
    assertThat(v4(s, H1, T0 + 5)).hasSize(2);
    assertThat(v4(s, H3, T0 + 5)).hasSize(1);
    assertThat(s.peerCount()).isEqualTo(3);
  }

  @Test
  void infoHashCapEvictsTheStalestSwarmWithANegativeClock() {
    long t = -T0;
    PeerStore s = new PeerStore(TTL, 100, 2);
    s.announce(H2, ep("1.0.0.2:1"), t + 1);
    s.announce(H1, ep("1.0.0.1:1"), t + 2);
    s.announce(H3, ep("1.0.0.5:1"), t + 3);
    assertThat(v4(s, H2, t + 3)).as("stalest swarm evicted").isEmpty();
    assertThat(v4(s, H1, t + 3)).as("fresher swarm kept").hasSize(1);
  }

  @Test
  void peersFiltersByFamilyNewestFirstAndHonoursMax() {
    PeerStore s = new PeerStore(TTL, 100, 100);
    s.announce(H1, ep("1.0.0.1:1"), T0 + 1);
    s.announce(H1, ep("[2001:db8::1]:1"), T0 + 2);
    s.announce(H1, ep("1.0.0.2:2"), T0 + 3);
    s.announce(H1, ep("[2001:db8::2]:2"), T0 + 4);
    assertThat(s.peers(H1, 10, false, T0 + 5)).containsExactly(ep("1.0.0.2:2"), ep("1.0.0.1:1"));
    assertThat(s.peers(H1, 10, true, T0 + 5)).containsExactly(ep("[2001:db8::2]:2"), ep("[2001:db8::1]:1"));
    assertThat(s.peers(H1, 1, false, T0 + 5)).containsExactly(ep("1.0.0.2:2"));
    assertThat(s.peers(H1, 0, false, T0 + 5)).isEmpty();
    assertThat(s.peers(H1, -1, false, T0 + 5)).isEmpty();
    assertThat(s.peers(H2, 10, false, T0 + 5)).isEmpty();
    assertThat(s.peerCount()).isEqualTo(4);
  }

  @Test
  void noSeedPutsNonSeedsFirst() {
    PeerStore s = new PeerStore(TTL, 100, 100);
    s.announce(H1, ep("1.0.0.1:1"), true, T0 + 1);
    s.announce(H1, ep("1.0.0.2:1"), false, T0 + 2);
    s.announce(H1, ep("1.0.0.3:1"), true, T0 + 3);
    s.announce(H1, ep("1.0.0.4:1"), false, T0 + 4);
    assertThat(s.peers(H1, 10, false, true, T0 + 5))
        .containsExactly(ep("1.0.0.4:1"), ep("1.0.0.2:1"), ep("1.0.0.3:1"), ep("1.0.0.1:1"));
    assertThat(s.peers(H1, 10, false, false, T0 + 5))
        .containsExactly(ep("1.0.0.4:1"), ep("1.0.0.3:1"), ep("1.0.0.2:1"), ep("1.0.0.1:1"));
    assertThat(s.peers(H1, 3, false, true, T0 + 5)).containsExactly(ep("1.0.0.4:1"), ep("1.0.0.2:1"), ep("1.0.0.3:1"));
  }

  // ------------------------------------------------------------------ model-based property

  record Announce(int hash, int ip, int port, int dtSeconds) {}

  /** A naive model of the documented policy: per-IP entries, announce order, ttl, both caps. */
  static final class Model {
    record P(Endpoint ep, long at) {}

    final long ttl;
    final int perHash;
    final int hashes;
    final Map<NodeId, LinkedHashMap<InetAddress, P>> swarms = new HashMap<>();

    Model(long ttl, int perHash, int hashes) {
      this.ttl = ttl;
      this.perHash = perHash;
      this.hashes = hashes;
    }

    void announce(NodeId h, Endpoint ep, long now) {
      if (!swarms.containsKey(h) && swarms.size() >= hashes) {
        NodeId stalest =
            swarms.entrySet().stream()
                .min(
                    Comparator.<Map.Entry<NodeId, LinkedHashMap<InetAddress, P>>>comparingLong(
                            e -> e.getValue().values().stream().mapToLong(P::at).max().orElse(Long.MIN_VALUE))
                        .thenComparing(Map.Entry::getKey))
                .orElseThrow()
                .getKey();
        swarms.remove(stalest);
      }
      LinkedHashMap<InetAddress, P> s = swarms.computeIfAbsent(h, x -> new LinkedHashMap<>());
      if (s.remove(ep.address()) == null && s.size() >= perHash) {
        Iterator<InetAddress> it = s.keySet().iterator();
        it.next();
        it.remove();
      }
      s.put(ep.address(), new P(ep, now));
    }

    void expire(long now) {
      swarms.values().forEach(s -> s.values().removeIf(p -> now - p.at() >= ttl));
      swarms.values().removeIf(Map::isEmpty);
    }

    List<Endpoint> peers(NodeId h, long now) {
      List<Endpoint> out = new ArrayList<>();
      LinkedHashMap<InetAddress, P> s = swarms.get(h);
      if (s != null) {
        List<P> all = new ArrayList<>(s.values());
        for (int i = all.size() - 1; i >= 0; i--) {
          if (now - all.get(i).at() < ttl) {
            out.add(all.get(i).ep());
          }
        }
      }
      return out;
    }

    int count() {
      return swarms.values().stream().mapToInt(Map::size).sum();
    }
  }

  static final NodeId[] HASHES = {H1, H2, H3, NodeId.zero(), NodeId.max()};

  @Provide
  Arbitrary<List<Object>> storeOps() {
    Arbitrary<Object> announce =
        Combinators.combine(
                Arbitraries.integers().between(0, HASHES.length - 1),
                Arbitraries.integers().between(0, 9),
                Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(0, 900))
            .as(Announce::new);
    Arbitrary<Object> expire = Arbitraries.just("expire");
    return Arbitraries.frequencyOf(Tuple.of(10, announce), Tuple.of(1, expire)).list().ofMaxSize(120);
  }

  @Property(tries = 300)
  void countsAndContentsMatchAModel(
      @ForAll("storeOps") List<Object> ops,
      @ForAll @IntRange(min = 1, max = 4) int perHash,
      @ForAll @IntRange(min = 1, max = 3) int hashes) {
    long ttl = 1800L * 1_000_000_000L;
    PeerStore s = new PeerStore(ttl, perHash, hashes);
    Model m = new Model(ttl, perHash, hashes);
    long now = T0;
    for (Object op : ops) {
      if (op instanceof Announce a) {
        now += a.dtSeconds() * 1_000_000_000L;
        Endpoint ep = Endpoint.of(new byte[] {1, 2, 3, (byte) a.ip()}, a.port());
        s.announce(HASHES[a.hash()], ep, now);
        m.announce(HASHES[a.hash()], ep, now);
      } else {
        s.expire(now);
        m.expire(now);
      }
      assertThat(s.peerCount()).isEqualTo(m.count());
      assertThat(s.infoHashCount()).isEqualTo(m.swarms.size());
      for (NodeId h : HASHES) {
        assertThat(s.peers(h, 100, false, now)).as("peers of %s", h).isEqualTo(m.peers(h, now));
        assertThat(s.peers(h, 100, true, now)).isEmpty();
      }
    }
  }
}
