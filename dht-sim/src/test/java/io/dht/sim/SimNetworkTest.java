package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.id.Endpoint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimNetworkTest {
  /** What a fake host received: when, from whom, what. */
  record Arrival(long atNanos, Endpoint from, String text) {}

  private final Scheduler scheduler = new Scheduler(new VirtualClock(0));
  private final List<Arrival> arrivals = new ArrayList<>();

  private SimNetwork network(long seed, NetworkConditions conditions) {
    return new SimNetwork(scheduler, conditions, new SimRandom(seed));
  }

  private Endpoint host(SimNetwork net, List<Arrival> log) {
    return net.attach((from, data) -> log.add(new Arrival(scheduler.nowNanos(), from, text(data))));
  }

  private static String text(byte[] data) {
    return new String(data, StandardCharsets.US_ASCII);
  }

  private static void send(SimNetwork net, Endpoint from, Endpoint to, String text) {
    byte[] b = text.getBytes(StandardCharsets.US_ASCII);
    net.send(from, to, b, 0, b.length);
  }

  @Test
  void deliversACopyAfterTheLinkLatencyPlusJitter() {
    SimNetwork net = network(1, NetworkConditions.defaults());
    Endpoint a = host(net, new ArrayList<>());
    Endpoint b = host(net, arrivals);
    byte[] buffer = "xxhelloxx".getBytes(StandardCharsets.US_ASCII);

    net.send(a, b, buffer, 2, 5);
    buffer[2] = 'J'; // the sender reuses its buffer at once
    scheduler.runUntilIdle();

    long base = net.baseLatency(a, b).toNanos();
    assertThat(arrivals).hasSize(1);
    Arrival arrival = arrivals.get(0);
    assertThat(arrival.text()).isEqualTo("hello");
    assertThat(arrival.from()).isEqualTo(a);
    assertThat(arrival.atNanos()).isBetween(base, base + Duration.ofMillis(5).toNanos());
    assertThat(net.stats().delivered()).isEqualTo(1);
    assertThat(net.stats().bytesDelivered()).isEqualTo(5);
  }

  @Test
  void linkLatencyIsSymmetricDeterministicAndWithinBounds() {
    SimNetwork net = network(7, NetworkConditions.defaults());
    List<Endpoint> hosts = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      hosts.add(host(net, arrivals));
    }
    SimNetwork twin = network(7, NetworkConditions.defaults());
    List<Endpoint> twinHosts = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      twinHosts.add(host(twin, arrivals));
    }
    assertThat(twinHosts).isEqualTo(hosts);

    Set<Duration> distinct = new HashSet<>();
    for (Endpoint x : hosts) {
      for (Endpoint y : hosts) {
        Duration d = net.baseLatency(x, y);
        assertThat(d).isBetween(Duration.ofMillis(10), Duration.ofMillis(150));
        assertThat(net.baseLatency(y, x)).isEqualTo(d);
        assertThat(twin.baseLatency(x, y)).isEqualTo(d);
        distinct.add(d);
      }
    }
    assertThat(distinct).hasSizeGreaterThan(1000);
  }

  @Test
  void addressesAreDistinctAndAvoidReservedRanges() {
    SimNetwork net = network(3, NetworkConditions.defaults());
    Set<Endpoint> seen = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      Endpoint e = net.attach((from, data) -> {});
      int first = e.address().getAddress()[0] & 0xff;
      assertThat(e.isIpv4()).isTrue();
      assertThat(e.port()).isEqualTo(SimNetwork.PORT);
      assertThat(first).isBetween(1, 223).isNotEqualTo(127);
      assertThat(seen.add(e)).as("duplicate %s", e).isTrue();
    }
  }

  @Test
  void lossDropsTheConfiguredShare() {
    SimNetwork net = network(5, NetworkConditions.defaults().withLoss(0.3));
    Endpoint a = host(net, arrivals);
    Endpoint b = host(net, arrivals);
    for (int i = 0; i < 10_000; i++) {
      send(net, a, b, "m" + i);
    }
    scheduler.runUntilIdle();

    NetworkStats stats = net.stats();
    assertThat(stats.sent()).isEqualTo(10_000);
    assertThat(stats.lost()).isBetween(2_800L, 3_200L);
    assertThat(stats.delivered()).isEqualTo(10_000 - stats.lost()).isEqualTo(arrivals.size());

    net.setConditions(net.conditions().withLoss(1.0));
    send(net, a, b, "gone");
    scheduler.runUntilIdle();
    assertThat(arrivals).noneMatch(x -> x.text().equals("gone"));
  }

  @Test
  void duplicationDeliversTwice() {
    SimNetwork net = network(5, NetworkConditions.defaults().withDuplication(1.0));
    Endpoint a = host(net, arrivals);
    Endpoint b = host(net, arrivals);
    send(net, a, b, "twice");
    scheduler.runUntilIdle();

    assertThat(arrivals).extracting(Arrival::text).containsExactly("twice", "twice");
    assertThat(net.stats().duplicated()).isEqualTo(1);
    assertThat(net.stats().delivered()).isEqualTo(2);
  }

  @Test
  void jitterReordersSomeDatagramsOnOneLink() {
    SimNetwork net = network(9, NetworkConditions.defaults().withJitter(Duration.ofMillis(20)));
    Endpoint a = host(net, arrivals);
    Endpoint b = host(net, arrivals);
    for (int i = 0; i < 100; i++) {
      send(net, a, b, String.format("%03d", i));
    }
    scheduler.runUntilIdle();

    List<String> texts = arrivals.stream().map(Arrival::text).toList();
    assertThat(texts).hasSize(100).isNotEqualTo(texts.stream().sorted().toList());
  }

  @Test
  void partitionsBlockTrafficBetweenGroupsUntilHealed() {
    SimNetwork net = network(11, NetworkConditions.defaults());
    List<Arrival> atA = new ArrayList<>();
    List<Arrival> atB = new ArrayList<>();
    List<Arrival> atC = new ArrayList<>();
    Endpoint a = host(net, atA);
    Endpoint b = host(net, atB);
    Endpoint c = host(net, atC); // in no group: with the other unnamed hosts

    net.partition(List.of(List.of(a), List.of(b)));
    send(net, a, b, "a->b");
    send(net, b, a, "b->a");
    send(net, c, a, "c->a");
    send(net, a, a, "a->a");
    scheduler.runUntilIdle();
    assertThat(atB).isEmpty();
    assertThat(atA).extracting(Arrival::text).containsExactly("a->a");
    assertThat(net.stats().partitioned()).isEqualTo(3);

    net.heal();
    send(net, a, b, "healed");
    scheduler.runUntilIdle();
    assertThat(atB).extracting(Arrival::text).containsExactly("healed");

    assertThatThrownBy(() -> net.partition(List.of(List.of(a), List.of(a))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aDownHostNeitherSendsNorReceivesAndInFlightDatagramsToItAreDropped() {
    SimNetwork net = network(13, NetworkConditions.defaults());
    List<Arrival> atA = new ArrayList<>();
    Endpoint a = host(net, atA);
    Endpoint b = host(net, arrivals);

    send(net, a, b, "in flight");
    net.setUp(b, false);
    send(net, b, a, "from the dead");
    scheduler.runUntilIdle();
    assertThat(arrivals).isEmpty();
    assertThat(atA).isEmpty();
    assertThat(net.stats().hostDown()).isEqualTo(2);

    net.setUp(b, true);
    send(net, a, b, "back");
    scheduler.runUntilIdle();
    assertThat(arrivals).extracting(Arrival::text).containsExactly("back");
  }

  @Test
  void datagramsToNowhereAreCountedUnreachable() {
    SimNetwork net = network(17, NetworkConditions.defaults());
    Endpoint a = host(net, arrivals);
    send(net, a, Endpoint.parse("127.0.0.1:1"), "void");
    scheduler.runUntilIdle();
    assertThat(net.stats().unreachable()).isEqualTo(1);
    assertThat(net.stats().dropped()).isEqualTo(1);
    assertThatThrownBy(() -> send(net, Endpoint.parse("127.0.0.1:1"), a, "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void traceHashFingerprintsTheDeliveredTraffic() {
    assertThat(pingPongTraceHash(21, "ping")).isEqualTo(pingPongTraceHash(21, "ping"));
    assertThat(pingPongTraceHash(21, "ping")).isNotEqualTo(pingPongTraceHash(22, "ping"));
    assertThat(pingPongTraceHash(21, "ping")).isNotEqualTo(pingPongTraceHash(21, "pong"));
  }

  /** Ten hosts that each forward a datagram, one digit longer, to two others; a fresh scheduler per run. */
  private static long pingPongTraceHash(long seed, String payload) {
    Scheduler s = new Scheduler(new VirtualClock(0));
    SimNetwork net = new SimNetwork(s, NetworkConditions.defaults().withLoss(0.1), new SimRandom(seed));
    List<Endpoint> hosts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      int me = i;
      hosts.add(
          net.attach(
              (from, data) -> {
                if (data.length < 12) {
                  byte[] longer = (text(data) + me).getBytes(StandardCharsets.US_ASCII);
                  net.send(hosts.get(me), hosts.get((me + 1) % 10), longer, 0, longer.length);
                  net.send(hosts.get(me), hosts.get((me + 3) % 10), longer, 0, longer.length);
                }
              }));
    }
    byte[] first = payload.getBytes(StandardCharsets.US_ASCII);
    net.send(hosts.get(0), hosts.get(1), first, 0, first.length);
    s.runUntilIdle();
    assertThat(net.stats().delivered()).isGreaterThan(50);
    return net.traceHash();
  }
}
