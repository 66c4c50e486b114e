package io.dht.interop;

import static io.dht.interop.InteropFixtures.get;
import static io.dht.interop.InteropFixtures.startJava;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dht.Dht;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.AnnounceResult;
import io.dht.node.DhtConfig;
import io.dht.node.LookupResult;
import io.dht.node.NodeStats;
import io.dht.node.PeersResult;
import io.dht.node.PingResult;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Interop smoke test on loopback between our node ({@link Dht}, {@link DhtConfig#privateNetwork()}) and the
 * webtorrent {@code bittorrent-dht} npm package (see {@link JsDhtCluster}): pings both ways, bootstrap both ways,
 * and announce/get_peers both ways.
 *
 * <p>Topology: Java node A (127.0.0.31) starts alone and the four JS nodes (127.0.0.41-44) bootstrap through it;
 * Java nodes B and C (127.0.0.32, .33) then bootstrap through JS nodes 0 and 1. Skipped when node/npm are missing,
 * failed instead under {@code DHT_REQUIRE_PEERS=1}. On any failure the routing tables, stats and the script's
 * recent output are printed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BittorrentDhtInteropTest {
  private static final int JS_NODES = 4;
  private static final int JS_HOST_BASE = 41;
  /** Bound of a wait for something that follows from a message or two on loopback. */
  private static final Duration SETTLE = Duration.ofSeconds(5);
  /** Bound of a wait that repeats lookups. */
  private static final Duration FIND = Duration.ofSeconds(10);
  private static final SecureRandom RANDOM = new SecureRandom();

  private static JsDhtCluster js;
  private static Dht javaA;
  private static Dht javaB;
  private static Dht javaC;
  private static final List<Dht> JAVA = new ArrayList<>();
  private static final List<Object> BOOTSTRAPS = new ArrayList<>(); // LookupResult or the failure
  private static List<JsDhtCluster.Node> jsAtReady = List.of();
  private static long classStartNanos;
  private static String skipReason; // set when the JS peer cannot run here

  @RegisterExtension
  static final TestWatcher DIAGNOSE_FAILURES =
      InteropFixtures.diagnoseFailures("interop", BittorrentDhtInteropTest::diagnostics);

  @BeforeAll
  @Timeout(value = 400, unit = TimeUnit.SECONDS) // a first npm install is bounded at 5 minutes by itself
  static void startNodes() {
    Path dir;
    try {
      dir = JsDhtCluster.install();
    } catch (JsDhtCluster.UnavailableException e) {
      skipReason = JsDhtCluster.skipReasonOrFail(e); // fails instead under DHT_REQUIRE_PEERS=1
      System.out.println("[interop] " + skipReason);
      return;
    }
    classStartNanos = System.nanoTime();
    javaA = startJava("127.0.0.31", List.of(), JAVA);
    js = JsDhtCluster.start(dir, JS_NODES, JS_HOST_BASE, List.of(javaA.localEndpoint()));
    jsAtReady = js.info();
    List<Endpoint> seeds = js.endpoints().subList(0, 2);
    javaB = startJava("127.0.0.32", seeds, JAVA);
    javaC = startJava("127.0.0.33", seeds, JAVA);
    for (Dht d : List.of(javaB, javaC)) {
      try {
        BOOTSTRAPS.add(get(d.bootstrap(), "bootstrap of " + d));
      } catch (AssertionError e) {
        BOOTSTRAPS.add(e); // reported by javaNodesBootstrapThroughJsNodes
      }
    }
    System.out.printf("[interop] set up in %d ms%n", elapsedMillis());
  }

  @BeforeEach
  void requirePeer() {
    Assumptions.assumeTrue(skipReason == null, () -> skipReason);
  }

  @AfterEach
  void noInternalErrors() {
    InteropFixtures.assertNoInternalErrors(JAVA);
  }

  @AfterAll
  static void stopNodes() {
    InteropFixtures.stopNodes("interop", JAVA, js, classStartNanos);
  }

  // ------------------------------------------------------------------ pings

  @Test
  @Order(1)
  @Timeout(20)
  void javaNodePingsEveryJsNodeAndLearnsItsId() {
    for (JsDhtCluster.Node n : js.info()) {
      PingResult pong = get(javaB.ping(n.endpoint()), "ping " + n.endpoint());
      assertThat(pong.contact().id()).as("id in the ping reply of JS node %s", n.endpoint()).hasToString(n.id());
      assertThat(pong.contact().endpoint()).isEqualTo(n.endpoint());
      assertThat(pong.rttNanos()).isPositive();
    }
  }

  @Test
  @Order(2)
  @Timeout(20)
  void jsNodePingsJavaNodeAndLearnsItsId() {
    long pingsBefore = get(javaB.stats(), "stats").pingsIn();
    JsonLine pong = js.ping(2, javaB.localEndpoint());
    System.out.println("[interop] bittorrent-dht's view of our ping reply: " + pong);
    assertThat(pong.bool("ok")).as("bittorrent-dht ping of %s: %s", javaB, pong).isTrue();
    assertThat(pong.string("id")).hasValue(javaB.id().toString());
    assertThat(pong.strings("keys")).contains("t", "y", "r");
    assertThat(get(javaB.stats(), "stats").pingsIn()).isGreaterThan(pingsBefore);

    // bittorrent-dht's addNode pings a node it has no id for, then keeps it.
    long pingsOfC = get(javaC.stats(), "stats").pingsIn();
    js.addNode(3, javaC.localEndpoint());
    await("JS node 3 pings Java C (addNode)")
        .atMost(SETTLE)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> get(javaC.stats(), "stats").pingsIn() > pingsOfC);
    await("JS node 3 keeps Java C in its table")
        .atMost(SETTLE)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> js.info().get(3).contacts().contains(javaC.localEndpoint().toString()));
  }

  // ------------------------------------------------------------------ bootstrap both ways

  @Test
  @Order(3)
  @Timeout(20)
  void jsNodesBootstrapThroughJavaNode() {
    // JS node 0 had only Java A as bootstrap contact; its find_node got an answer, so A is in its table.
    assertThat(jsAtReady.get(0).contacts())
        .as("JS node 0's table at ready")
        .contains(javaA.localEndpoint().toString());
    // Java A learned the JS nodes from their queries (verified by a ping of its own) and its own lookups.
    get(javaA.findNode(javaA.id()), "Java A find_node(self)");
    await("Java A lists JS nodes in its routing table")
        .atMost(SETTLE)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> jsEndpointsIn(get(javaA.routingTable(), "table")).size() >= 2);
  }

  @Test
  @Order(4)
  @Timeout(20)
  void javaNodesBootstrapThroughJsNodes() {
    for (Object outcome : BOOTSTRAPS) {
      if (outcome instanceof AssertionError e) {
        throw e;
      }
      LookupResult lookup = (LookupResult) outcome;
      assertThat(lookup.responses()).as("bootstrap replies: %s", lookup).isPositive();
      assertThat(lookup.closest()).as("bootstrap closest: %s", lookup).isNotEmpty();
    }
    for (Dht d : List.of(javaB, javaC)) {
      assertThat(jsEndpointsIn(get(d.routingTable(), "table")))
          .as("JS nodes in the routing table of %s", d)
          .hasSizeGreaterThanOrEqualTo(2);
    }
    // bittorrent-dht adds every querier with an id to its table.
    await("JS nodes list Java B and C")
        .atMost(SETTLE)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              List<String> all = js.info().stream().flatMap(n -> n.contacts().stream()).toList();
              return all.contains(javaB.localEndpoint().toString())
                  && all.contains(javaC.localEndpoint().toString());
            });
  }

  // ------------------------------------------------------------------ announce and get_peers both ways

  @Test
  @Order(5)
  @Timeout(30)
  void jsAnnounceIsFoundByJavaGetPeers() {
    NodeId infoHash = NodeId.random(RANDOM);
    long announcesBefore = sumStats(NodeStats::announcesIn);
    JsDhtCluster.Node announcer = js.info().get(3);

    int hits = js.announce(3, infoHash.toString(), 6881);
    assertThat(hits).as("nodes that acknowledged the JS announce").isPositive();
    // Java nodes were among the closest: they took the announce with the token they had issued.
    assertThat(sumStats(NodeStats::announcesIn))
        .as("announce_peer queries at Java nodes")
        .isGreaterThan(announcesBefore);
    assertThat(sumStats(NodeStats::invalidTokens)).as("announces refused for a bad token").isZero();

    Endpoint expected = new Endpoint(announcer.endpoint().address(), 6881);
    PeersResult[] last = new PeersResult[1];
    await("Java C's get_peers finds " + expected)
        .atMost(FIND)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              last[0] = get(javaC.getPeers(infoHash), "getPeers");
              return last[0].peers().contains(expected);
            });
    System.out.println("[interop] JS->Java: " + last[0]);
  }

  @Test
  @Order(6)
  @Timeout(30)
  void javaAnnounceIsFoundByJsLookup() {
    NodeId infoHash = NodeId.random(RANDOM);
    AnnounceResult announced = get(javaB.announce(infoHash, 7001), "announce");
    List<Endpoint> storedOn = announced.storedOn().stream().map(Contact::endpoint).toList();
    System.out.println("[interop] Java->JS announce stored on " + storedOn);
    // bittorrent-dht answers announce_peer only when our token (its own, echoed) and port pass its checks.
    assertThat(storedOn)
        .as("JS nodes that acknowledged our announce_peer")
        .anyMatch(e -> js.endpoints().contains(e));

    String expected = javaB.localEndpoint().address().getHostAddress() + ":7001";
    await("JS node 0's lookup finds " + expected)
        .atMost(FIND)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              JsDhtCluster.Lookup lookup = js.lookup(0, infoHash.toString());
              System.out.println("[interop] JS lookup: " + lookup);
              return lookup.peers().contains(expected);
            });

    // The values of our get_peers reply, decoded by bittorrent-dht: ask a Java node that stored the peer.
    Endpoint javaHolder =
        storedOn.stream()
            .filter(e -> JAVA.stream().anyMatch(d -> d.localEndpoint().equals(e)))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no Java node among " + storedOn));
    JsonLine reply = js.getPeers(1, javaHolder, infoHash.toString());
    assertThat(reply.strings("values"))
        .as("values in %s's get_peers reply: %s", javaHolder, reply)
        .contains(expected);
    assertThat(reply.string("token")).as("token in the reply: %s", reply).isPresent();
  }

  @Test
  @Order(7)
  @Timeout(10)
  void bittorrentDhtRaisedNoWarnings() {
    // k-rpc-socket warns on datagrams it cannot decode, unknown message types, and replies whose transaction id or
    // source address match no query of its own: on loopback, each of these would be a wire bug on our side.
    assertThat(js.warningsAndErrors()).as("bittorrent-dht warning/error events").isEmpty();
  }

  // ------------------------------------------------------------------ helpers

  private static List<Endpoint> jsEndpointsIn(List<Contact> table) {
    return table.stream().map(Contact::endpoint).filter(e -> js.endpoints().contains(e)).toList();
  }

  private static long sumStats(ToLongFunction<NodeStats> field) {
    return InteropFixtures.sumStats(JAVA, field);
  }

  private static long elapsedMillis() {
    return InteropFixtures.elapsedMillis(classStartNanos);
  }

  /** Routing tables and stats on both sides, and the script's recent output; never throws. */
  static String diagnostics() {
    StringBuilder sb = new StringBuilder();
    InteropFixtures.appendTablesAndStats(sb, JAVA, c -> c.endpoint().toString());
    if (js != null) {
      try {
        for (JsDhtCluster.Node n : js.info()) {
          sb.append("JS ").append(n).append('\n');
        }
      } catch (RuntimeException e) {
        sb.append("JS info unavailable: ").append(e.getMessage()).append('\n');
      }
      sb.append(js.diagnostics()).append('\n');
    }
    return sb.toString();
  }
}
