package io.dht.interop;

import static io.dht.interop.InteropFixtures.awaitTrue;
import static io.dht.interop.InteropFixtures.get;
import static io.dht.interop.InteropFixtures.startJava;
import static org.assertj.core.api.Assertions.assertThat;

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
 * Interop on loopback between our node ({@link Dht}, {@link DhtConfig#privateNetwork()}) and libtorrent-rasterbar
 * 2.0.8 (Debian {@code python3-libtorrent}, see {@link LibtorrentPeer}): bootstrap, ping, find_node, and
 * announce/get_peers, both ways.
 *
 * <p>Topology: Java nodes A, B, C (127.0.0.51-53); B and C bootstrap through A. libtorrent (127.0.0.61) then starts
 * with A as its bootstrap ("router") node and B, C handed to add_dht_node. Java node D (127.0.0.54) later
 * bootstraps through libtorrent alone. Skipped when {@code /usr/bin/python3} cannot import libtorrent, failed
 * instead under {@code DHT_REQUIRE_PEERS=1}. On any failure the routing tables, stats, libtorrent's recent output
 * and the raw packets it exchanged with each Java node are printed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LibtorrentInteropTest {
  private static final String LT_HOST = "127.0.0.61";
  /** Bound of a wait for something that follows from a message or two on loopback. */
  private static final Duration SETTLE = Duration.ofSeconds(5);
  /** Bound of a wait that repeats lookups, or of libtorrent's own announce after adding a torrent. */
  private static final Duration FIND = Duration.ofSeconds(15);
  private static final int JAVA_ANNOUNCE_PORT = 7002;
  /**
   * Budget of the whole class from the start of the setup: once spent, the remaining tests fail at once instead of
   * each waiting out its own bound (a normal run takes 2-4 s).
   */
  private static final Duration CLASS_BUDGET = Duration.ofSeconds(90);
  private static final SecureRandom RANDOM = new SecureRandom();

  private static LibtorrentPeer lt;
  private static Dht javaA;
  private static Dht javaB;
  private static Dht javaC;
  private static Dht javaD; // started by findNodeBothWays
  private static final List<Dht> JAVA = new ArrayList<>();
  private static long queriesAtABeforeLibtorrent;
  private static long classStartNanos;
  private static String skipReason; // set when libtorrent cannot run here

  @RegisterExtension
  static final TestWatcher DIAGNOSE_FAILURES =
      InteropFixtures.diagnoseFailures("libtorrent interop", LibtorrentInteropTest::diagnostics);

  @BeforeAll
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  static void startNodes() {
    String version;
    try {
      version = LibtorrentPeer.probe();
    } catch (LibtorrentPeer.UnavailableException e) {
      skipReason = LibtorrentPeer.skipReasonOrFail(e); // fails instead under DHT_REQUIRE_PEERS=1
      System.out.println("[lt-interop] " + skipReason);
      return;
    }
    classStartNanos = System.nanoTime();
    System.out.println("[lt-interop] libtorrent " + version + " via " + LibtorrentPeer.python());
    javaA = startJava("127.0.0.51", List.of(), JAVA);
    javaB = startJava("127.0.0.52", List.of(javaA.localEndpoint()), JAVA);
    javaC = startJava("127.0.0.53", List.of(javaA.localEndpoint()), JAVA);
    get(javaB.bootstrap(), "bootstrap of Java B through Java A");
    get(javaC.bootstrap(), "bootstrap of Java C through Java A");
    queriesAtABeforeLibtorrent = get(javaA.stats(), "stats").queriesIn();
    lt = LibtorrentPeer.start(
        LT_HOST, List.of(javaA.localEndpoint()), List.of(javaB.localEndpoint(), javaC.localEndpoint()));
    System.out.printf("[lt-interop] set up in %d ms: %s%n", elapsedMillis(), lt);
  }

  @BeforeEach
  void requirePeer() {
    Assumptions.assumeTrue(skipReason == null, () -> skipReason);
    assertThat(lt).as("libtorrent peer (see the setup output)").isNotNull();
    InteropFixtures.assertWithinBudget(
        classStartNanos,
        CLASS_BUDGET,
        "time used since the setup started (the class budget; earlier steps used it up)");
  }

  @AfterEach
  void noInternalErrors() {
    InteropFixtures.assertNoInternalErrors(JAVA);
  }

  @AfterAll
  static void stopNodes() {
    InteropFixtures.stopNodes("lt-interop", JAVA, lt, classStartNanos);
  }

  // ------------------------------------------------------------------ bootstrap

  @Test
  @Order(1)
  @Timeout(25)
  void libtorrentBootstrapsThroughJavaNodes() {
    long ms = lt.awaitBootstrap(FIND);
    System.out.println("[lt-interop] libtorrent bootstrap complete " + ms + " ms after its start");
    // libtorrent's bootstrap queries (get_peers for its own id, with "bs":1) reached Java A, its router node.
    assertThat(get(javaA.stats(), "stats").queriesIn())
        .as("queries Java A received from libtorrent's bootstrap")
        .isGreaterThan(queriesAtABeforeLibtorrent);
    // libtorrent never keeps router nodes (A) in its table, but B and C (add_dht_node) answered its queries.
    LibtorrentPeer.Table[] last = new LibtorrentPeer.Table[1];
    awaitTrue(
        "libtorrent's routing table lists Java B and C with their ids",
        SETTLE,
        () -> {
          last[0] = lt.table();
          return last[0].live().contains(new LibtorrentPeer.LiveNode(javaB.id(), javaB.localEndpoint()))
              && last[0].live().contains(new LibtorrentPeer.LiveNode(javaC.id(), javaC.localEndpoint()));
        });
    System.out.println("[lt-interop] libtorrent's table: " + last[0]);
    // We learn libtorrent from its queries (and verify it with a query of our own).
    awaitTrue(
        "a Java node lists libtorrent in its routing table",
        SETTLE,
        () -> JAVA.stream().anyMatch(d -> hasContact(d, lt.id(), lt.endpoint())));
  }

  // ------------------------------------------------------------------ ping both ways

  @Test
  @Order(2)
  @Timeout(15)
  void javaNodePingsLibtorrentAndLearnsItsId() {
    NodeId ltId = lt.refreshId();
    PingResult pong = get(javaB.ping(lt.endpoint()), "ping of libtorrent");
    assertThat(pong.contact().id()).as("id in libtorrent's ping reply").isEqualTo(ltId);
    assertThat(pong.contact().endpoint()).isEqualTo(lt.endpoint());
    assertThat(pong.rttNanos()).isPositive();
    System.out.printf("[lt-interop] Java B -> libtorrent ping: %.3f ms%n", pong.rttNanos() / 1e6);
  }

  @Test
  @Order(3)
  @Timeout(15)
  void libtorrentQueriesJavaNodeAndLearnsItsId() {
    long queriesBefore = get(javaC.stats(), "stats").queriesIn();
    // add_dht_node is how libtorrent's API contacts a node directly (the Debian binding has no dht_direct_request).
    LibtorrentPeer.Ping pong = lt.ping(javaC.localEndpoint(), SETTLE);
    System.out.println("[lt-interop] libtorrent -> Java C: " + pong);
    assertThat(pong.id()).as("id libtorrent read from Java C's reply to its %s", pong.method()).isEqualTo(javaC.id());
    NodeStats after = get(javaC.stats(), "stats");
    assertThat(after.queriesIn()).as("queries at Java C").isGreaterThan(queriesBefore);
    assertThat(after.pingsIn() + after.findNodesIn() + after.getPeersIn())
        .as("ping/find_node/get_peers at Java C")
        .isPositive();
  }

  // ------------------------------------------------------------------ find_node both ways

  @Test
  @Order(4)
  @Timeout(25)
  void findNodeBothWays() {
    // Java D knows nobody but libtorrent: its bootstrap is libtorrent's find_node answers.
    javaD = startJava("127.0.0.54", List.of(lt.endpoint()), JAVA);
    LookupResult boot = get(javaD.bootstrap(), "bootstrap of Java D through libtorrent");
    assertThat(boot.responses()).as("replies to Java D's bootstrap: %s", boot).isPositive();
    NodeId ltId = lt.refreshId();
    LookupResult found = get(javaD.findNode(ltId), "Java D find_node(libtorrent's id)");
    assertThat(found.closest())
        .as("closest nodes of Java D's lookup of libtorrent's id")
        .contains(new Contact(ltId, lt.endpoint()));
    // The Java nodes D learned can only have come from libtorrent's (compact "nodes") replies.
    awaitTrue(
        "Java D lists libtorrent and Java B or C in its routing table",
        SETTLE,
        () -> {
          List<Contact> table = get(javaD.routingTable(), "table");
          return table.contains(new Contact(ltId, lt.endpoint()))
              && (table.contains(new Contact(javaB.id(), javaB.localEndpoint()))
                  || table.contains(new Contact(javaC.id(), javaC.localEndpoint())));
        });
    // Our find_node: Java A's lookup of a random target returns libtorrent among the closest.
    LookupResult fromA = get(javaA.findNode(NodeId.random(RANDOM)), "Java A find_node(random)");
    assertThat(fromA.closest()).as("Java A's lookup: %s", fromA).contains(new Contact(ltId, lt.endpoint()));
    // libtorrent's table holds our nodes with the ids they claim.
    LibtorrentPeer.Table table = lt.table();
    assertThat(table.live())
        .as("libtorrent's routing table")
        .contains(new LibtorrentPeer.LiveNode(javaB.id(), javaB.localEndpoint()),
            new LibtorrentPeer.LiveNode(javaC.id(), javaC.localEndpoint()));
  }

  // ------------------------------------------------------------------ announce and get_peers both ways

  @Test
  @Order(5)
  @Timeout(30)
  void libtorrentAnnounceIsFoundByJavaGetPeers() {
    NodeId infoHash = NodeId.random(RANDOM);
    long announcesBefore = sumStats(NodeStats::announcesIn);
    LibtorrentPeer.Announce announce = lt.announce(infoHash, FIND);
    System.out.println("[lt-interop] libtorrent announce: " + announce);
    List<Endpoint> javaEndpoints = JAVA.stream().map(Dht::localEndpoint).toList();
    assertThat(announce.ackedBy())
        .as("Java nodes that acknowledged libtorrent's announce_peer (errors: %s)", announce.errors())
        .anyMatch(javaEndpoints::contains);
    assertThat(announce.errors()).as("KRPC errors answering libtorrent's announce_peer").isEmpty();
    assertThat(sumStats(NodeStats::announcesIn)).as("announce_peer at Java nodes").isGreaterThan(announcesBefore);
    assertThat(sumStats(NodeStats::invalidTokens)).as("announces refused for a bad token").isZero();

    Endpoint expected = lt.endpoint(); // libtorrent announces its listen port (the DHT shares it)
    PeersResult[] last = new PeersResult[1];
    awaitTrue(
        "Java C's get_peers finds " + expected,
        SETTLE,
        () -> {
          last[0] = get(javaC.getPeers(infoHash), "getPeers");
          return last[0].peers().contains(expected);
        });
    System.out.println("[lt-interop] libtorrent->Java: " + last[0].peers());
  }

  @Test
  @Order(6)
  @Timeout(30)
  void javaAnnounceIsFoundByLibtorrentGetPeers() {
    NodeId infoHash = NodeId.random(RANDOM);
    AnnounceResult announced = get(javaB.announce(infoHash, JAVA_ANNOUNCE_PORT), "announce");
    List<Endpoint> storedOn = announced.storedOn().stream().map(Contact::endpoint).toList();
    System.out.println("[lt-interop] Java->libtorrent announce stored on " + storedOn);
    // libtorrent acknowledges announce_peer only with the token it issued to us (echoed) and a valid port.
    assertThat(storedOn).as("nodes that acknowledged our announce_peer").contains(lt.endpoint());
    String entry = infoHash + "@" + javaB.localEndpoint().address().getHostAddress() + ":" + JAVA_ANNOUNCE_PORT;
    assertThat(lt.announcesReceived()).as("announces libtorrent accepted").contains(entry);

    Endpoint expected = new Endpoint(javaB.localEndpoint().address(), JAVA_ANNOUNCE_PORT);
    List<Endpoint> peers = lt.getPeers(infoHash, expected, FIND);
    System.out.println("[lt-interop] libtorrent get_peers: " + peers);
    assertThat(peers).as("peers libtorrent's get_peers found").contains(expected);
  }

  @Test
  @Order(7)
  @Timeout(10)
  void noProtocolErrorsEitherWay() {
    // Any KRPC error either way, or an undecodable or unmatched datagram at our side, is a wire bug on loopback.
    assertThat(lt.krpcErrors()).as("KRPC errors libtorrent sent or received").isEmpty();
    for (Dht d : JAVA) {
      NodeStats s = get(d.stats(), "stats");
      System.out.printf(
          "[lt-interop] %s: in %d datagrams (%d queries: %d ping, %d find_node, %d get_peers, %d announce_peer),"
              + " %d responses, %d timeouts, %d unsolicited%n",
          d.localEndpoint(), s.datagramsIn(), s.queriesIn(), s.pingsIn(), s.findNodesIn(), s.getPeersIn(),
          s.announcesIn(), s.responsesIn(), s.timeouts(), s.unsolicited());
      assertThat(s.errorsSent()).as("error replies sent by %s", d).isZero();
      assertThat(s.undecodable()).as("undecodable datagrams at %s", d).isZero();
      assertThat(s.errorsIn()).as("KRPC errors received by %s", d).isZero();
    }
  }

  @Test
  @Order(8)
  @Timeout(30)
  void javaGetPeersDecodesLibtorrentValues() {
    // Runs last: it stops Java A, C and D so that libtorrent is the only holder of B's announce, and the peer
    // B's lookup finds can only come from the "values" of libtorrent's get_peers reply.
    NodeId infoHash = NodeId.random(RANDOM);
    int port = JAVA_ANNOUNCE_PORT + 1;
    AnnounceResult announced = get(javaB.announce(infoHash, port), "announce");
    assertThat(announced.storedOn().stream().map(Contact::endpoint))
        .as("nodes that acknowledged our announce_peer")
        .contains(lt.endpoint());
    for (Dht d : List.copyOf(JAVA)) {
      if (d != javaB) {
        assertThat(get(d.stats(), "stats").internalErrors()).as("internal errors of %s", d).isZero();
        d.close();
        JAVA.remove(d);
      }
    }
    Endpoint expected = new Endpoint(javaB.localEndpoint().address(), port);
    PeersResult found = get(javaB.getPeers(infoHash), "Java B get_peers with libtorrent as the only holder");
    System.out.println("[lt-interop] libtorrent values -> Java B: " + found.peers() + " " + found.lookup());
    assertThat(found.peers()).as("peers Java B decoded from libtorrent's reply").contains(expected);
  }

  // ------------------------------------------------------------------ helpers

  private static boolean hasContact(Dht d, NodeId id, Endpoint endpoint) {
    return get(d.routingTable(), "table").contains(new Contact(id, endpoint));
  }

  private static long sumStats(ToLongFunction<NodeStats> field) {
    return InteropFixtures.sumStats(JAVA, field);
  }

  private static long elapsedMillis() {
    return InteropFixtures.elapsedMillis(classStartNanos);
  }

  /** Routing tables and stats on both sides, libtorrent's output and its packets with each Java node. */
  static String diagnostics() {
    StringBuilder sb = new StringBuilder();
    InteropFixtures.appendTablesAndStats(sb, JAVA, Contact::toString);
    if (lt != null) {
      try {
        sb.append("libtorrent table: ").append(lt.table()).append('\n');
        InteropFixtures.appendPackets(sb, lt, JAVA, 8);
      } catch (RuntimeException e) {
        sb.append("libtorrent state unavailable: ").append(e.getMessage()).append('\n');
      }
      sb.append(lt.diagnostics());
    }
    return sb.toString();
  }
}
