package io.dht;

import static io.dht.TestSwarm.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BInteger;
import io.dht.id.Contact;
import io.dht.id.NodeId;
import io.dht.node.DhtConfig;
import io.dht.node.NodeStats;
import io.dht.transport.EventLoop;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** BEP 43 over real UDP: a read-only node marks its queries with ro=1, answers nothing, and stays out of tables. */
class ReadOnlyNodeTest {
  private static final Duration SILENCE = Duration.ofMillis(1500);
  private static final DhtConfig READ_ONLY = DhtConfig.privateNetwork().withReadOnly(true);

  @Test
  void itsQueriesCarryRoAndItAnswersNoQuery() throws Exception {
    try (EventLoop loop = EventLoop.start("test-loop-ro");
        Dht ro = Dht.builder().bindAddress(TestSwarm.host(80)).config(READ_ONLY).eventLoop(loop).start();
        RawKrpc peer = RawKrpc.open(TestSwarm.host(81), NodeId.random(new SplittableRandom(81)))) {
      // ping and find_node from the read-only node: both carry ro=1 at the top level
      var pinged = ro.ping(peer.endpoint());
      RawKrpc.Datagram ping = peer.receive(Duration.ofSeconds(5)).orElseThrow();
      assertThat(ping.type()).isEqualTo("q");
      assertThat(ping.dict().getString("q").asUtf8()).isEqualTo("ping");
      assertThat(ping.dict().getInteger("ro")).isEqualTo(new BInteger(1));
      peer.answer(ping);
      assertThat(get(pinged).contact().id()).isEqualTo(peer.id());

      // the ping's reply put the peer in the read-only node's table: a lookup queries it
      ro.findNode(NodeId.random(new SplittableRandom(3)));
      RawKrpc.Datagram findNode = peer.receive(Duration.ofSeconds(5)).orElseThrow();
      assertThat(findNode.dict().getString("q").asUtf8()).isEqualTo("find_node");
      assertThat(findNode.dict().getInteger("ro")).isEqualTo(new BInteger(1));

      // queries to it: no answer of any kind
      NodeId target = NodeId.random(new SplittableRandom(4));
      List<byte[]> queries =
          List.of(
              peer.query("ping", new byte[] {'p', 1}, BDictionary.builder()),
              peer.query("find_node", new byte[] {'f', 1}, BDictionary.builder().put("target", target.toBytes())),
              peer.query("get_peers", new byte[] {'g', 1}, BDictionary.builder().put("info_hash", target.toBytes())),
              peer.query("announce_peer", new byte[] {'a', 1}, BDictionary.builder()
                  .put("info_hash", target.toBytes()).put("port", 1).put("token", new byte[4])),
              peer.query("get", new byte[] {'G', 1}, BDictionary.builder().put("target", target.toBytes())),
              peer.query("sample_infohashes", new byte[] {'s', 1}, BDictionary.builder().put("target", target.toBytes())),
              peer.query("x_unknown", new byte[] {'u', 1}, BDictionary.builder()));
      for (byte[] q : queries) {
        peer.send(ro.localEndpoint(), q);
      }
      List<RawKrpc.Datagram> heard = peer.drain(SILENCE, 100);
      assertThat(heard).as("what the read-only node sent back").noneMatch(d -> !d.type().equals("q"));
      NodeStats s = get(ro.stats());
      assertThat(s.datagramsIn()).isGreaterThanOrEqualTo(queries.size() + 1);
      assertThat(s.queriesIn()).isZero();
      assertThat(s.errorsSent()).isZero();
    }
  }

  @Test
  void itDoesNotAnswerMalformedQueriesEither() throws Exception {
    try (EventLoop loop = EventLoop.start("test-loop-ro-bad");
        Dht ro = Dht.builder().bindAddress(TestSwarm.host(82)).config(READ_ONLY).eventLoop(loop).start();
        RawKrpc peer = RawKrpc.open(TestSwarm.host(83), NodeId.random(new SplittableRandom(83)))) {
      // a ping whose id is 5 bytes: a query with a readable transaction id, so a normal node answers 203
      byte[] bad = "d1:ad2:id5:shorte1:q4:ping1:t2:xx1:y1:qe".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
      Optional<RawKrpc.Datagram> reply = peer.ask(ro.localEndpoint(), new byte[] {'x', 'x'}, bad, SILENCE);
      assertThat(reply).as("reply of a read-only node to a malformed query").isEmpty();
      assertThat(get(ro.stats()).errorsSent()).isZero();
    }
  }

  @Test
  void aNormalNodeAnswersItButNeverPutsItInItsRoutingTable() throws Exception {
    try (TestSwarm swarm = TestSwarm.start(6, 84)) {
      swarm.bootstrapAll();
      try (Dht ro =
          Dht.builder()
              .bindAddress(TestSwarm.host(95))
              .config(READ_ONLY)
              .eventLoop(swarm.loop(0))
              .addBootstrap(swarm.node(0).localEndpoint())
              .start()) {
        get(ro.bootstrap());
        NodeId infoHash = NodeId.random(new SplittableRandom(95));
        get(swarm.node(2).announce(infoHash, 2222));
        assertThat(get(ro.getPeers(infoHash)).peers())
            .as("a read-only node still looks up")
            .contains(new io.dht.id.Endpoint(swarm.node(2).localEndpoint().address(), 2222));
        get(ro.findNode(NodeId.random(new SplittableRandom(96))));
        assertThat(get(ro.routingTable())).as("the read-only node's own table").isNotEmpty();

        for (Dht normal : swarm.nodes()) {
          assertThat(get(normal.routingTable()))
              .as("table of %s", normal)
              .extracting(Contact::id)
              .doesNotContain(ro.id());
        }
        // nobody pinged it to verify it: everything it received answered its own queries
        NodeStats s = get(ro.stats());
        assertThat(s.datagramsIn()).isEqualTo(s.responsesIn() + s.errorsIn() + s.unsolicited());
        assertThat(s.queriesIn()).isZero();
      }
    }
  }
}
