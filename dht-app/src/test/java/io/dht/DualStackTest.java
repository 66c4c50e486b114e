package io.dht;

import static io.dht.TestSwarm.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BString;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.krpc.Response;
import io.dht.node.AnnounceResult;
import io.dht.node.DhtConfig;
import io.dht.node.NodeStats;
import io.dht.node.PeersResult;
import io.dht.transport.EventLoop;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * BEP 32 over real sockets on {@code ::1} and 127.0.0.x: IPv6-only swarms, a dual-stack node (one id, two
 * sockets, two routing tables) answering {@code want}, and single-stack nodes of either family using it.
 */
class DualStackTest {
  static final InetAddress V6 = Endpoint.parseAddress("::1");
  private static final Duration REPLY_WAIT = Duration.ofSeconds(5);
  /**
   * Many nodes share ::1 here, so the one-entry-per-IP rule is off; everything else is the private-network
   * config every loopback test uses.
   */
  static final DhtConfig CONFIG = DhtConfig.privateNetwork().toBuilder().oneNodePerIp(false).build();

  private final List<EventLoop> loops = new ArrayList<>();
  private final List<Dht> nodes = new ArrayList<>();

  @BeforeAll
  static void needsIpv6Loopback() {
    try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(V6, 0))) {
      probe.getLocalPort();
    } catch (SocketException e) {
      Assumptions.abort("no IPv6 loopback here: " + e.getMessage());
    }
  }

  @BeforeEach
  void loops() {
    loops.add(EventLoop.start("test-loop-ds-0"));
    loops.add(EventLoop.start("test-loop-ds-1"));
  }

  @AfterEach
  void healthy() throws Exception {
    try {
      for (Dht d : nodes) {
        assertThat(get(d.stats()).internalErrors()).as("internal errors of %s", d).isZero();
      }
      for (EventLoop l : loops) {
        assertThat(l.failures()).as("failures of %s", l.name()).isZero();
      }
    } finally {
      nodes.forEach(Dht::close);
      loops.forEach(EventLoop::close);
    }
  }

  private Dht start(Dht.Builder b) {
    Dht d = b.config(CONFIG).eventLoop(loops.get(nodes.size() % loops.size())).start();
    nodes.add(d);
    return d;
  }

  private static List<Contact> table(Dht d) throws Exception {
    return get(d.routingTable());
  }

  @Test
  void ipv6OnlyNodesFormASwarmOnTheLoopbackAndAnnounceAndGetPeersWork() throws Exception {
    Dht seed = start(Dht.builder().bindAddress(V6));
    for (int i = 1; i < 10; i++) {
      start(Dht.builder().bindAddress(V6).addBootstrap(seed.localEndpoint()));
    }
    List<CompletableFuture<?>> joins = new ArrayList<>();
    for (Dht d : nodes.subList(1, nodes.size())) {
      joins.add(d.bootstrap());
    }
    for (CompletableFuture<?> f : joins) {
      get(f);
    }
    for (Dht d : nodes) {
      assertThat(d.dualStack()).isFalse();
      assertThat(d.localEndpoint().isIpv6()).isTrue();
      assertThat(d.localEndpoint6()).contains(d.localEndpoint());
      assertThat(table(d)).as("table of %s", d).isNotEmpty().allMatch(c -> c.endpoint().isIpv6());
    }

    NodeId infoHash = NodeId.random(new SplittableRandom(32));
    AnnounceResult announced = get(nodes.get(3).announce(infoHash, 4321));
    assertThat(announced.storedOn()).isNotEmpty();
    PeersResult found = get(nodes.get(7).getPeers(infoHash));
    assertThat(found.peers()).contains(new Endpoint(V6, 4321));
    assertThat(found.peers()).allMatch(Endpoint::isIpv6);
    for (Dht d : nodes) {
      assertThat(d.familyDrops()).as("family drops of %s", d).isZero();
    }
  }

  /**
   * A dual-stack node on 127.0.0.90 and ::1 whose IPv4 table holds nodes on 127.0.0.91..96 and whose IPv6 table
   * holds nodes on ::1; returns it after everyone bootstrapped through it.
   */
  private Dht dualStackHub(List<Dht> v4Nodes, List<Dht> v6Nodes) throws Exception {
    Dht hub = start(Dht.builder().bindAddress(TestSwarm.host(90)).bindAddress6(V6));
    assertThat(hub.dualStack()).isTrue();
    assertThat(hub.localEndpoints()).hasSize(2);
    Endpoint hub4 = hub.localEndpoint();
    Endpoint hub6 = hub.localEndpoint6().orElseThrow();
    assertThat(hub4.address()).isInstanceOf(Inet4Address.class);
    assertThat(hub6.address()).isInstanceOf(Inet6Address.class);
    for (int i = 0; i < 6; i++) {
      v4Nodes.add(start(Dht.builder().bindAddress(TestSwarm.host(91 + i)).addBootstrap(hub4)));
      v6Nodes.add(start(Dht.builder().bindAddress(V6).addBootstrap(hub6)));
    }
    List<CompletableFuture<?>> joins = new ArrayList<>();
    for (Dht d : v4Nodes) {
      joins.add(d.bootstrap());
    }
    for (Dht d : v6Nodes) {
      joins.add(d.bootstrap());
    }
    for (CompletableFuture<?> f : joins) {
      get(f);
    }
    return hub;
  }

  @Test
  void dualStackNodeKeepsTwoTablesUnderOneIdAndAnswersWantWithBothNodeLists() throws Exception {
    List<Dht> v4Nodes = new ArrayList<>();
    List<Dht> v6Nodes = new ArrayList<>();
    Dht hub = dualStackHub(v4Nodes, v6Nodes);

    // two tables: every single-stack node is in the table of its family, under the one id the hub has
    List<Contact> table = table(hub);
    List<Contact> v4 = table.stream().filter(c -> c.endpoint().isIpv4()).toList();
    List<Contact> v6 = table.stream().filter(c -> c.endpoint().isIpv6()).toList();
    assertThat(v4).extracting(Contact::id).containsAll(v4Nodes.stream().map(Dht::id).toList());
    assertThat(v6).extracting(Contact::id).containsAll(v6Nodes.stream().map(Dht::id).toList());
    for (Dht d : v4Nodes) {
      assertThat(table(d)).as("IPv4-only %s", d).allMatch(c -> c.endpoint().isIpv4())
          .contains(new Contact(hub.id(), hub.localEndpoint()));
    }
    for (Dht d : v6Nodes) {
      assertThat(table(d)).as("IPv6-only %s", d).allMatch(c -> c.endpoint().isIpv6())
          .contains(new Contact(hub.id(), hub.localEndpoint6().orElseThrow()));
    }

    NodeId target = NodeId.random(new SplittableRandom(7));
    try (RawKrpc client4 = RawKrpc.open(TestSwarm.host(97), NodeId.random(new SplittableRandom(8)));
        RawKrpc client6 = RawKrpc.open(V6, NodeId.random(new SplittableRandom(9)))) {
      Endpoint hub4 = hub.localEndpoint();
      Endpoint hub6 = hub.localEndpoint6().orElseThrow();
      for (String method : List.of("find_node", "get_peers")) {
        String key = method.equals("find_node") ? "target" : "info_hash";
        // want n4 + n6, asked over either family: both lists, each in its own compact format
        for (RawKrpc client : List.of(client4, client6)) {
          Endpoint to = client == client4 ? hub4 : hub6;
          byte[] tid = {'w', (byte) (client == client4 ? 4 : 6)};
          BDictionary.Builder args =
              BDictionary.builder().put(key, target.toBytes()).put("want", RawKrpc.strings("n4", "n6"));
          RawKrpc.Datagram reply = client.ask(to, tid, client.query(method, tid, args), REPLY_WAIT).orElseThrow();
          assertThat(reply.type()).as("%s", reply).isEqualTo("r");
          BString nodes = reply.body().getString("nodes");
          BString nodes6 = reply.body().getString("nodes6");
          assertThat(nodes).as("nodes in %s", reply).isNotNull();
          assertThat(nodes6).as("nodes6 in %s", reply).isNotNull();
          assertThat(nodes.length()).isPositive().isEqualTo(26 * Math.min(8, v4.size()));
          assertThat(nodes6.length()).isPositive().isEqualTo(38 * Math.min(8, v6.size()));
          Response decoded = (Response) reply.message().orElseThrow();
          assertThat(decoded.responder()).isEqualTo(hub.id());
          assertThat(decoded.nodes()).allMatch(c -> c.endpoint().isIpv4()).isSubsetOf(v4);
          assertThat(decoded.nodes6()).allMatch(c -> c.endpoint().isIpv6()).isSubsetOf(v6);
          // BEP 42: ip is the requester's endpoint in the family it asked over
          assertThat(reply.dict().getString("ip")).isEqualTo(BString.of(client.endpoint().toCompact()));
        }
        // no want: the family the query arrived on; want n6 over IPv4: IPv6 only
        byte[] t1 = {'s', '4'};
        RawKrpc.Datagram same4 =
            client4.ask(hub4, t1, client4.query(method, t1, BDictionary.builder().put(key, target.toBytes())),
                REPLY_WAIT).orElseThrow();
        assertThat(same4.body().containsKey("nodes")).isTrue();
        assertThat(same4.body().containsKey("nodes6")).isFalse();
        byte[] t2 = {'s', '6'};
        RawKrpc.Datagram same6 =
            client6.ask(hub6, t2, client6.query(method, t2, BDictionary.builder().put(key, target.toBytes())),
                REPLY_WAIT).orElseThrow();
        assertThat(same6.body().containsKey("nodes")).isFalse();
        assertThat(same6.body().getString("nodes6").length()).isPositive();
        byte[] t3 = {'o', '6'};
        RawKrpc.Datagram only6 =
            client4.ask(hub4, t3, client4.query(method, t3, BDictionary.builder().put(key, target.toBytes())
                .put("want", RawKrpc.strings("n6", "x9"))), REPLY_WAIT).orElseThrow();
        assertThat(only6.body().containsKey("nodes")).isFalse();
        assertThat(only6.body().getString("nodes6").length()).isPositive();
      }
    }

    // the hub's own lookups ask for both families and use contacts of both
    NodeStats before = get(hub.stats());
    get(hub.findNode(target));
    assertThat(get(hub.stats()).responsesIn()).isGreaterThan(before.responsesIn());
    assertThat(hub.familyDrops()).isZero();
  }

  @Test
  void anIpv4OnlyAndAnIpv6OnlyNodeEachUseTheDualStackNode() throws Exception {
    List<Dht> v4Nodes = new ArrayList<>();
    List<Dht> v6Nodes = new ArrayList<>();
    Dht hub = dualStackHub(v4Nodes, v6Nodes);
    NodeId infoHash = NodeId.random(new SplittableRandom(11));

    // each family announces through the hub's network and finds its own family's peers
    AnnounceResult a4 = get(v4Nodes.get(0).announce(infoHash, 4004));
    AnnounceResult a6 = get(v6Nodes.get(0).announce(infoHash, 6006));
    assertThat(a4.storedOn()).extracting(Contact::id).contains(hub.id());
    assertThat(a6.storedOn()).extracting(Contact::id).contains(hub.id());
    assertThat(a4.storedOn()).allMatch(c -> c.endpoint().isIpv4());
    assertThat(a6.storedOn()).allMatch(c -> c.endpoint().isIpv6());

    PeersResult p4 = get(v4Nodes.get(5).getPeers(infoHash));
    PeersResult p6 = get(v6Nodes.get(5).getPeers(infoHash));
    assertThat(p4.peers()).contains(new Endpoint(v4Nodes.get(0).localEndpoint().address(), 4004));
    assertThat(p6.peers()).contains(new Endpoint(V6, 6006));
    assertThat(p4.peers()).allMatch(Endpoint::isIpv4);
    assertThat(p6.peers()).allMatch(Endpoint::isIpv6);

    // the dual-stack node's own get_peers walks both tables and finds both
    PeersResult both = get(hub.getPeers(infoHash));
    assertThat(both.peers())
        .contains(new Endpoint(v4Nodes.get(0).localEndpoint().address(), 4004), new Endpoint(V6, 6006));
    // ... and its announce reaches nodes of both families
    NodeId second = NodeId.random(new SplittableRandom(12));
    AnnounceResult fromHub = get(hub.announce(second, 5005));
    assertThat(fromHub.storedOn()).anyMatch(c -> c.endpoint().isIpv4()).anyMatch(c -> c.endpoint().isIpv6());
    assertThat(get(v4Nodes.get(3).getPeers(second)).peers()).contains(new Endpoint(hub.localEndpoint().address(), 5005));
    assertThat(get(v6Nodes.get(3).getPeers(second)).peers()).contains(new Endpoint(V6, 5005));

    for (Dht d : nodes) {
      assertThat(d.familyDrops()).as("family drops of %s", d).isZero();
    }
  }

  @Test
  void aDualStackNodeAsksForBothFamiliesAndASingleStackNodeForItsOwn() throws Exception {
    Dht dual = start(Dht.builder().bindAddress(TestSwarm.host(101)).bindAddress6(V6));
    Dht single = start(Dht.builder().bindAddress(TestSwarm.host(102)));
    try (RawKrpc peer = RawKrpc.open(TestSwarm.host(103), NodeId.random(new SplittableRandom(103)))) {
      for (Dht d : List.of(dual, single)) {
        // the peer answers a ping, so it enters d's table; then d's lookups query it
        var ping = d.ping(peer.endpoint());
        RawKrpc.Datagram q = peer.receive(REPLY_WAIT).orElseThrow();
        assertThat(q.dict().getString("q").asUtf8()).isEqualTo("ping");
        assertThat(q.dict().getDictionary("a").containsKey("want")).as("no want on ping").isFalse();
        peer.answer(q);
        get(ping);
        var lookup = d.getPeers(NodeId.random(new SplittableRandom(5)));
        RawKrpc.Datagram gp = peer.receive(REPLY_WAIT).orElseThrow();
        assertThat(gp.dict().getString("q").asUtf8()).isEqualTo("get_peers");
        if (d == dual) {
          assertThat(gp.dict().getDictionary("a").getList("want")).isEqualTo(RawKrpc.strings("n4", "n6"));
        } else {
          assertThat(gp.dict().getDictionary("a").containsKey("want")).isFalse();
        }
        peer.answer(gp);
        get(lookup);
      }
    }
  }

  @Test
  void aDatagramToAFamilyWithoutASocketIsDroppedAndCounted() throws Exception {
    Dht v4only = start(Dht.builder().bindAddress(TestSwarm.host(98)));
    Dht v6only = start(Dht.builder().bindAddress(V6));
    assertThatThrownBy(() -> get(v4only.ping(v6only.localEndpoint())))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(io.dht.node.RpcTimeoutException.class);
    assertThat(v4only.familyDrops()).isEqualTo(1);
    assertThatThrownBy(() -> get(v6only.ping(v4only.localEndpoint())))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(io.dht.node.RpcTimeoutException.class);
    assertThat(v6only.familyDrops()).isEqualTo(1);
    assertThat(get(v6only.stats()).datagramsIn()).isZero();
  }

  @Test
  void builderRefusesTwoIpv6AddressesAndAnIpv4Bind6() {
    assertThatThrownBy(() -> Dht.builder().bindAddress6(TestSwarm.host(99)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("IPv6");
    assertThatThrownBy(() -> Dht.builder().bindAddress(V6).bindAddress6(V6).start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be IPv4");
  }

  @Test
  void bind6AloneMakesAnIpv6OnlyNodeAndPort6DefaultsToPort() throws Exception {
    Dht only6 = start(Dht.builder().bindAddress6(V6));
    assertThat(only6.localEndpoints()).hasSize(1);
    assertThat(only6.localEndpoint().isIpv6()).isTrue();
    assertThat(only6.dualStack()).isFalse();

    // a fixed port is shared by both sockets unless port6 says otherwise
    int port = freePort();
    Dht same = start(Dht.builder().bindAddress(TestSwarm.host(99)).bindAddress6(V6).port(port));
    assertThat(same.localEndpoint().port()).isEqualTo(port);
    assertThat(same.localEndpoint6().map(Endpoint::port)).contains(port);
    Optional<Endpoint> six = start(Dht.builder().bindAddress(TestSwarm.host(100)).bindAddress6(V6).port6(0))
        .localEndpoint6();
    assertThat(six.orElseThrow().port()).isPositive();
  }

  private static int freePort() throws Exception {
    for (int i = 0; i < 20; i++) {
      try (DatagramSocket a = new DatagramSocket(new InetSocketAddress(TestSwarm.host(99), 0))) {
        int p = a.getLocalPort();
        try (DatagramSocket b = new DatagramSocket(new InetSocketAddress(V6, p))) {
          return p;
        } catch (SocketException taken) {
          // try another
        }
      }
    }
    throw new AssertionError("no port free on both 127.0.0.99 and ::1");
  }
}
