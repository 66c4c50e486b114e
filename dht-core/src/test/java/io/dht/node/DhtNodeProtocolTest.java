package io.dht.node;

import static io.dht.krpc.Wire.bytes;
import static io.dht.krpc.Wire.decodeDict;
import static io.dht.krpc.Wire.dict;
import static io.dht.krpc.Wire.encode;
import static io.dht.krpc.Wire.list;
import static io.dht.krpc.Wire.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BInteger;
import io.dht.bencode.BList;
import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.krpc.KrpcCodec;
import io.dht.krpc.Want;
import io.dht.krpc.Wire;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node's wire behaviour, datagram by datagram: a capturing transport, a hand-driven clock, no network. Every
 * test ends by checking that no internal error fired and that nothing the node sent exceeded 1,024 bytes.
 */
class DhtNodeProtocolTest {
  private static final long MS = 1_000_000L;
  private static final NodeId ID = NodeId.parseHex("8badf00d8badf00d8badf00d8badf00d8badf00d");
  private static final NodeId SENDER = NodeId.of(bytes("abcdefghij0123456789"));
  private static final NodeId INFO_HASH = NodeId.of(bytes("mnopqrstuvwxyz123456"));
  private static final String SENDER_ID = "abcdefghij0123456789";
  private static final byte[] VERSION = {'J', 'D', 0, 1};
  private static final Endpoint ALICE = Endpoint.parse("198.51.100.7:40001");
  private static final Endpoint BOB = Endpoint.parse("203.0.113.9:40002");
  private static final Endpoint CAROL6 = Endpoint.parse("[2001:db8::c]:40003");

  record Sent(Endpoint to, byte[] data) {
    BDictionary dict() {
      return decodeDict(data);
    }

    String type() {
      return dict().getString("y").asUtf8();
    }
  }

  private long now = 1_000_000 * MS;
  private final List<Sent> sent = new ArrayList<>();
  private DhtNode node = newNode(config());

  /** Defaults without the per-IP and node-wide rate limits (tests send hundreds of queries in a few seconds). */
  static DhtConfig config() {
    return DhtConfig.defaults().toBuilder()
        .queryRatePerIp(0)
        .maxReplyBytesPerSecond(0)
        .secureNodeId(false)
        .build();
  }

  private DhtNode newNode(DhtConfig config) {
    sent.clear();
    return new DhtNode(
        config,
        ID,
        (to, data, off, len) -> sent.add(new Sent(to, Arrays.copyOfRange(data, off, off + len))),
        () -> now,
        new SplittableRandom(5));
  }

  @AfterEach
  void nodeStayedHealthy() {
    assertThat(node.stats().internalErrors()).as("internal errors").isZero();
    for (Sent s : sent) {
      assertThat(s.data().length).as("datagram to %s", s.to()).isLessThanOrEqualTo(1024);
    }
  }

  // ------------------------------------------------------------------ helpers

  static BDictionary query(String method, Object tid, Object... args) {
    Object[] withId = Arrays.copyOf(args, args.length + 2);
    withId[args.length] = "id";
    withId[args.length + 1] = SENDER_ID;
    return dict("a", dict(withId), "q", method, "t", tid, "y", "q");
  }

  /** Delivers {@code data} from {@code from}; returns what the node sent back to it as a reply or error. */
  private List<BDictionary> deliver(Endpoint from, byte[] data) {
    int mark = sent.size();
    now += MS;
    assertThatCode(() -> node.onDatagram(from, data, 0, data.length)).doesNotThrowAnyException();
    List<BDictionary> out = new ArrayList<>();
    for (Sent s : sent.subList(mark, sent.size())) {
      if (s.to().equals(from) && !s.type().equals("q")) {
        out.add(s.dict());
      }
    }
    return out;
  }

  /** Delivers a message that must get exactly one reply (response or error) and returns it. */
  private BDictionary ask(Endpoint from, Object message) {
    List<BDictionary> replies = deliver(from, encode(message));
    assertThat(replies).as("replies to %s", message).hasSize(1);
    return replies.get(0);
  }

  private static int errorCode(BDictionary reply) {
    assertThat(reply.getString("y").asUtf8()).isEqualTo("e");
    return (int) ((BInteger) reply.getList("e").values().get(0)).value();
  }

  private static BDictionary body(BDictionary reply) {
    assertThat(reply.getString("y").asUtf8()).as("reply %s", reply).isEqualTo("r");
    return reply.getDictionary("r");
  }

  private static List<Endpoint> values(BDictionary reply) {
    BList l = body(reply).getList("values");
    List<Endpoint> out = new ArrayList<>();
    if (l != null) {
      for (BValue v : l.values()) {
        byte[] b = ((BString) v).toByteArray();
        out.add(Endpoint.fromCompact(b, 0, b.length));
      }
    }
    return out;
  }

  private BString tokenFor(Endpoint from, NodeId infoHash) {
    BString token = body(ask(from, query("get_peers", "gp", "info_hash", infoHash.toBytes()))).getString("token");
    assertThat(token).isNotNull();
    return token;
  }

  private BDictionary announce(Endpoint from, NodeId infoHash, int port, boolean implied, BString token) {
    List<Object> args = new ArrayList<>(List.of("info_hash", infoHash.toBytes(), "port", port, "token", token));
    if (implied) {
      args.add("implied_port");
      args.add(1);
    }
    return ask(from, query("announce_peer", "an", args.toArray()));
  }

  /** Makes the node ping {@code c} and feeds it {@code c}'s answer, so that {@code c} enters the routing table. */
  private void teach(Contact c) {
    CompletableFuture<PingResult> f = node.ping(c.endpoint());
    Sent ping = sent.get(sent.size() - 1);
    assertThat(ping.to()).isEqualTo(c.endpoint());
    BString tid = ping.dict().getString("t");
    byte[] reply = KrpcCodec.encodeResponse(tid, c.id(), BDictionary.builder(), null, null);
    node.onDatagram(c.endpoint(), reply, 0, reply.length);
    assertThat(f).isCompleted();
  }

  private void fillRoutingTables(int n) {
    SplittableRandom r = new SplittableRandom(17);
    for (int i = 0; i < n; i++) {
      teach(new Contact(NodeId.random(r), Endpoint.parse("100." + (i + 1) + ".0.1:6881")));
      teach(new Contact(NodeId.random(r), Endpoint.parse("[2001:db8:" + Integer.toHexString(i + 1) + "::1]:6881")));
    }
    assertThat(node.routingTable().size()).isGreaterThanOrEqualTo(8);
    assertThat(node.routingTable6().size()).isGreaterThanOrEqualTo(8);
  }

  private void assertStillAnswersPing() {
    BDictionary reply = ask(ALICE, query("ping", "pi"));
    assertThat(body(reply).getString("id")).isEqualTo(BString.of(ID.toBytes()));
  }

  // ------------------------------------------------------------------ every reply: ip and v

  @Test
  void everyReplyCarriesTheRequestersEndpointAndOurVersion() {
    for (Endpoint from : List.of(ALICE, CAROL6)) {
      BString token = tokenFor(from, INFO_HASH);
      List<BDictionary> replies =
          List.of(
              ask(from, query("ping", "t1")),
              ask(from, query("find_node", "t2", "target", INFO_HASH.toBytes())),
              ask(from, query("get_peers", "t3", "info_hash", INFO_HASH.toBytes())),
              announce(from, INFO_HASH, 6881, false, token),
              announce(from, INFO_HASH, 6881, false, Wire.bstr("bad token")),
              ask(from, query("x_unknown", "t5", "target", INFO_HASH.toBytes())),
              ask(from, query("x_unknown", "t6")),
              ask(from, query("find_node", "t7")));
      for (BDictionary reply : replies) {
        assertThat(reply.getString("ip")).as("ip of %s", reply).isEqualTo(BString.of(from.toCompact()));
        assertThat(reply.getString("v")).as("v of %s", reply).isEqualTo(BString.of(VERSION));
      }
      assertThat(replies.get(0).getString("t")).isEqualTo(Wire.bstr("t1"));
      assertThat(replies.get(7).getString("t")).isEqualTo(Wire.bstr("t7"));
    }
  }

  @Test
  void transactionIdsOfAnyLengthAreEchoed() {
    for (int length : new int[] {0, 1, 2, 4, 40}) {
      BString tid = BString.of(Wire.filler(length, 3));
      assertThat(ask(ALICE, query("ping", tid)).getString("t")).isEqualTo(tid);
      assertThat(ask(ALICE, query("x_unknown", tid)).getString("t")).isEqualTo(tid);
      assertThat(ask(ALICE, query("find_node", tid)).getString("t")).isEqualTo(tid);
    }
  }

  // ------------------------------------------------------------------ errors

  @Test
  void unknownMethodWithoutTargetGets204AndWithTargetGetsNodes() {
    fillRoutingTables(10);
    long errors = node.stats().errorsSent();
    BDictionary noTarget = ask(ALICE, query("x_vote", "u1"));
    assertThat(errorCode(noTarget)).isEqualTo(204);
    assertThat(node.stats().errorsSent()).isEqualTo(errors + 1);

    BDictionary withTarget = ask(ALICE, query("x_vote", "u2", "target", INFO_HASH.toBytes()));
    assertThat(body(withTarget).getString("nodes").length()).isEqualTo(8 * 26);
    BDictionary withInfoHash = ask(ALICE, query("x_scrape", "u3", "info_hash", INFO_HASH.toBytes()));
    assertThat(body(withInfoHash).getString("nodes").length()).isEqualTo(8 * 26);
    assertThat(node.stats().errorsSent()).isEqualTo(errors + 1);
    assertThat(node.stats().unknownQueriesIn()).isEqualTo(3);
  }

  /** What the node sent, counted from the captured datagrams: query methods, then "r" and "e". */
  private long sentOfType(String type) {
    return sent.stream()
        .map(Sent::dict)
        .filter(d -> type.equals("r") || type.equals("e")
            ? d.getString("y").asUtf8().equals(type)
            : d.getString("y").asUtf8().equals("q") && d.getString("q").asUtf8().equals(type))
        .count();
  }

  @Test
  void messagesAreCountedByTypeBothWaysAndErrorsByCode() {
    long created = now;
    fillRoutingTables(10); // pings out, their responses in
    ask(ALICE, query("ping", "c1"));
    ask(ALICE, query("find_node", "c2", "target", INFO_HASH.toBytes()));
    ask(ALICE, query("sample_infohashes", "c3", "target", INFO_HASH.toBytes()));
    assertThat(errorCode(ask(ALICE, query("x_vote", "c4")))).isEqualTo(204);
    assertThat(errorCode(announce(ALICE, INFO_HASH, 6881, false, Wire.bstr("bad")))).isEqualTo(203);
    assertThat(errorCode(ask(ALICE, dict("q", "ping", "t", "c5", "y", "q")))).isEqualTo(203);
    node.findNode(INFO_HASH); // find_node queries out
    node.getPeers(INFO_HASH); // get_peers queries out
    CompletableFuture<PingResult> refused = node.ping(BOB);
    BString tid = sent.get(sent.size() - 1).dict().getString("t");
    byte[] error = encode(dict("e", list(202, "busy"), "t", tid, "y", "e"));
    node.onDatagram(BOB, error, 0, error.length);
    assertThat(refused).isCompletedExceptionally();

    NodeStats s = node.stats();
    assertThat(s.pingsIn()).isEqualTo(1); // c1; the malformed c5 is no ping
    assertThat(s.findNodesIn()).isEqualTo(1);
    assertThat(s.samplesIn()).isEqualTo(1);
    assertThat(s.unknownQueriesIn()).isEqualTo(1);
    assertThat(s.pingsOut()).isEqualTo(sentOfType("ping")).isGreaterThanOrEqualTo(10 * 2 + 1);
    assertThat(s.findNodesOut()).isEqualTo(sentOfType("find_node")).isPositive();
    assertThat(s.getPeersOut()).isEqualTo(sentOfType("get_peers")).isPositive();
    assertThat(s.announcesOut()).isEqualTo(sentOfType("announce_peer")).isZero();
    assertThat(s.queriesOut()).isEqualTo(sent.stream().filter(x -> x.type().equals("q")).count());
    assertThat(s.responsesOut()).isEqualTo(sentOfType("r")).isEqualTo(3); // ping, find_node, sample_infohashes
    assertThat(s.errorsSent()).isEqualTo(sentOfType("e")).isEqualTo(3);
    assertThat(s.errorsSentByCode().count(204)).isEqualTo(1);
    assertThat(s.errorsSentByCode().count(203)).isEqualTo(2);
    assertThat(s.errorsSentByCode().count(201)).isZero();
    assertThat(s.errorsSentByCode().total()).isEqualTo(s.errorsSent());
    assertThat(s.errorsIn()).isEqualTo(1);
    assertThat(s.errorsInByCode().count(202)).isEqualTo(1);
    assertThat(s.errorsInByCode().total()).isEqualTo(1);
    assertThat(s.errorsInByCode().asMap()).containsEntry("202", 1L).containsEntry("other", 0L).hasSize(10);
    assertThat(s.uptimeNanos()).isEqualTo(now - created);
    // every datagram out is a query, a response or an error
    assertThat(s.queriesOut() + s.responsesOut() + s.errorsSent()).isEqualTo(s.datagramsOut()).isEqualTo(sent.size());
  }

  @Test
  void uptimeIsTheNodesOwnClockSinceItWasCreated() {
    long created = now;
    now += 3_600_000 * MS;
    assertThat(node.stats().uptimeNanos()).isEqualTo(3_600_000 * MS);
    now += 5 * MS;
    assertThat(newNode(config()).stats().uptimeNanos()).isZero();
    assertThat(node.stats().uptimeNanos()).isEqualTo(now - created);
  }

  @Test
  void malformedQueriesWithAReadableTransactionIdGet203() {
    List<BDictionary> malformed =
        List.of(
            dict("q", "ping", "t", "m1", "y", "q"),
            dict("a", dict(), "q", "ping", "t", "m2", "y", "q"),
            dict("a", dict("id", "short"), "q", "ping", "t", "m3", "y", "q"),
            dict("a", dict("id", 5), "q", "ping", "t", "m4", "y", "q"),
            query("find_node", "m5"),
            query("get_peers", "m6", "info_hash", "19 bytes only......"),
            query("announce_peer", "m7", "info_hash", INFO_HASH.toBytes(), "port", 6881),
            query("announce_peer", "m8", "info_hash", INFO_HASH.toBytes(), "port", 0, "token", "x"),
            dict("a", dict("id", SENDER_ID), "t", "m9", "y", "q"));
    long errors = node.stats().errorsSent();
    long undecodable = node.stats().undecodable();
    for (BDictionary m : malformed) {
      BDictionary reply = ask(ALICE, m);
      assertThat(errorCode(reply)).as("%s", m).isEqualTo(203);
      assertThat(reply.getString("t")).isEqualTo(m.getString("t"));
    }
    assertThat(node.stats().errorsSent()).isEqualTo(errors + malformed.size());
    assertThat(node.stats().undecodable()).isEqualTo(undecodable + malformed.size());
    assertThat(node.stats().queriesIn()).isZero();

    // no transaction id, or not a query: nothing to answer
    assertThat(deliver(ALICE, encode(dict("a", dict("id", SENDER_ID), "q", "ping", "y", "q")))).isEmpty();
    assertThat(deliver(ALICE, encode(dict("r", dict(), "t", "m0", "y", "r")))).isEmpty();
    assertThat(deliver(ALICE, encode(dict("a", dict("id", SENDER_ID), "q", "ping", "t", "m0", "y", "x")))).isEmpty();
    assertThat(node.stats().errorsSent()).isEqualTo(errors + malformed.size());
    assertStillAnswersPing();
  }

  // ------------------------------------------------------------------ get_peers and announce_peer

  @Test
  void announceWithABadTokenGets203AndStoresNothing() {
    BString aliceToken = tokenFor(ALICE, INFO_HASH);
    BDictionary[] refused = {
      announce(ALICE, INFO_HASH, 6881, false, Wire.bstr("12345678")),
      announce(BOB, INFO_HASH, 6881, false, aliceToken), // issued to another IP
      announce(ALICE, NodeId.zero(), 6881, false, aliceToken), // issued for another info-hash
      announce(ALICE, INFO_HASH, 6881, false, Wire.bstr(""))
    };
    for (BDictionary r : refused) {
      assertThat(errorCode(r)).isEqualTo(203);
    }
    assertThat(node.stats().invalidTokens()).isEqualTo(4);
    assertThat(node.stats().storedPeers()).isZero();
    assertThat(values(ask(BOB, query("get_peers", "g", "info_hash", INFO_HASH.toBytes())))).isEmpty();
  }

  @Test
  void announcedPeerIsReturnedByGetPeers() {
    BDictionary before = ask(BOB, query("get_peers", "g1", "info_hash", INFO_HASH.toBytes()));
    assertThat(body(before).getString("token")).isNotNull();
    assertThat(body(before).getList("values")).isNull();

    BDictionary ok = announce(ALICE, INFO_HASH, 1234, false, tokenFor(ALICE, INFO_HASH));
    assertThat(body(ok).getString("id")).isEqualTo(BString.of(ID.toBytes()));
    assertThat(node.stats().storedPeers()).isEqualTo(1);
    assertThat(node.stats().invalidTokens()).isZero();

    BDictionary after = ask(BOB, query("get_peers", "g2", "info_hash", INFO_HASH.toBytes()));
    assertThat(body(after).getString("token")).isNotNull();
    assertThat(values(after)).containsExactly(new Endpoint(ALICE.address(), 1234));
    // an IPv6 requester gets no IPv4 peers
    assertThat(values(ask(CAROL6, query("get_peers", "g3", "info_hash", INFO_HASH.toBytes())))).isEmpty();
  }

  @Test
  void impliedPortStoresTheUdpSourcePort() {
    announce(ALICE, INFO_HASH, 1234, true, tokenFor(ALICE, INFO_HASH));
    assertThat(values(ask(BOB, query("get_peers", "g", "info_hash", INFO_HASH.toBytes()))))
        .containsExactly(ALICE);
    // implied_port with no usable port argument at all
    Endpoint v6 = CAROL6;
    BString token = tokenFor(v6, INFO_HASH);
    BDictionary ok = ask(v6, query("announce_peer", "a6", "implied_port", 1, "info_hash", INFO_HASH.toBytes(),
        "port", 0, "token", token));
    assertThat(ok.getString("y").asUtf8()).isEqualTo("r");
    assertThat(values(ask(Endpoint.parse("[2001:db8::d]:1"), query("get_peers", "g", "info_hash",
        INFO_HASH.toBytes())))).containsExactly(v6);
  }

  @Test
  void repliesStayWithin1024BytesWith500StoredPeersAndA40ByteTransactionId() {
    node = newNode(config().withPeerStoreLimits(500, 10));
    fillRoutingTables(12);
    for (int i = 0; i < 500; i++) {
      Endpoint v4 = Endpoint.parse("100." + (64 + i / 250) + "." + (i % 250) + ".9:" + (1000 + i));
      announce(v4, INFO_HASH, 7000 + i, false, tokenFor(v4, INFO_HASH));
      Endpoint v6 = Endpoint.parse("[2001:db8:ffff::" + Integer.toHexString(i + 1) + "]:" + (1000 + i));
      announce(v6, INFO_HASH, 7000 + i, false, tokenFor(v6, INFO_HASH));
    }
    assertThat(node.stats().storedPeers()).isEqualTo(500);
    BString tid = BString.of(Wire.filler(40, 9));
    for (Endpoint from : List.of(ALICE, CAROL6)) {
      List<BDictionary> replies =
          List.of(
              ask(from, query("get_peers", tid, "info_hash", INFO_HASH.toBytes())),
              ask(from, query("get_peers", tid, "info_hash", INFO_HASH.toBytes(), "want", list("n4", "n6"))),
              ask(from, query("get_peers", tid, "info_hash", INFO_HASH.toBytes(), "noseed", 1)),
              ask(from, query("find_node", tid, "target", INFO_HASH.toBytes(), "want", list("n4", "n6"))),
              ask(from, query("ping", tid)),
              ask(from, query("x_unknown", tid, "info_hash", INFO_HASH.toBytes())),
              ask(from, query("x_unknown", tid)));
      for (BDictionary r : replies) {
        assertThat(r.getString("t")).isEqualTo(tid);
      }
      BDictionary plain = replies.get(0);
      int valueSize = from.isIpv6() ? 21 : 8;
      int plainSize = io.dht.bencode.Bencode.encode(plain).length;
      assertThat(plainSize).isLessThanOrEqualTo(1024);
      assertThat(plainSize + valueSize).as("as many values as fit").isGreaterThan(1024);
      assertThat(values(plain)).isNotEmpty().allMatch(p -> p.isIpv6() == from.isIpv6());
      assertThat(values(replies.get(1))).isNotEmpty();
    }
    // the capture check in @AfterEach covers every datagram sent
  }

  @Test
  void scrapeWithBothFamiliesIsStillAnswered() {
    fillRoutingTables(12);
    announce(ALICE, INFO_HASH, 1234, false, tokenFor(ALICE, INFO_HASH));
    List<BDictionary> replies =
        deliver(BOB, encode(query("get_peers", "sc", "info_hash", INFO_HASH.toBytes(), "scrape", 1, "want",
            list("n4", "n6"))));
    assertThat(replies).hasSize(1);
    assertThat(body(replies.get(0)).getString("token")).isNotNull();
  }

  // ------------------------------------------------------------------ routing-table upkeep from queries

  @Test
  void unknownQueriersArePingedUnlessReadOnly() {
    deliver(ALICE, encode(query("ping", "p1")));
    assertThat(sent).anyMatch(s -> s.to().equals(ALICE) && s.type().equals("q")
        && s.dict().getString("q").asUtf8().equals("ping"));
    int mark = sent.size();
    deliver(BOB, encode(dict("a", dict("id", "zyxwvutsrqponmlkjihg"), "q", "ping", "ro", 1, "t", "p2", "y", "q")));
    assertThat(sent.subList(mark, sent.size())).noneMatch(s -> s.type().equals("q"));
  }

  /**
   * A node that stopped answering (killed) and then queries us again from the same address with the same id
   * (restarted from its data directory) is pinged, and its answer puts it back among the contacts lookups start
   * from: without that it would stay out of them until our own upkeep happened to query it again.
   */
  @Test
  void aKnownNodeThatFailedAndQueriesAgainIsPingedAndRegainsItsPlace() {
    Contact restarted = new Contact(NodeId.parseHex("8badf00d00000000000000000000000000000001"), ALICE);
    teach(restarted);
    assertThat(node.closestKnown(restarted.id(), 1)).containsExactly(restarted);

    CompletableFuture<PingResult> unanswered = node.ping(ALICE);
    for (int i = 0; i < 100 && !unanswered.isDone(); i++) {
      now += 100 * MS;
      node.tick();
    }
    assertThat(unanswered).isCompletedExceptionally();
    assertThat(node.closestKnown(restarted.id(), 1)).as("a node that failed is not offered").isEmpty();

    int mark = sent.size();
    deliver(ALICE, encode(dict("a", dict("id", restarted.id().toBytes()), "q", "ping", "t", "rq", "y", "q")));
    List<Sent> pings =
        sent.subList(mark, sent.size()).stream()
            .filter(s -> s.to().equals(ALICE) && s.type().equals("q"))
            .toList();
    assertThat(pings).as("the querier is pinged").hasSize(1);
    byte[] reply =
        KrpcCodec.encodeResponse(pings.get(0).dict().getString("t"), restarted.id(), BDictionary.builder(), null,
            null);
    node.onDatagram(ALICE, reply, 0, reply.length);
    assertThat(node.closestKnown(restarted.id(), 1)).containsExactly(restarted);
  }

  // ------------------------------------------------------------------ hostile input

  private long accounted() {
    NodeStats s = node.stats();
    return s.queriesIn() + s.responsesIn() + s.errorsIn() + s.undecodable() + s.unsolicited()
        + s.queriesThrottled();
  }

  @Test
  void garbageIsCountedAndNeverBreaksTheNode() {
    List<byte[]> garbage = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(99);
    for (int i = 0; i < 300; i++) {
      byte[] b = new byte[r.nextInt(1500)];
      r.nextBytes(b);
      garbage.add(b);
    }
    byte[] valid = encode(query("get_peers", "tr", "info_hash", INFO_HASH.toBytes()));
    for (int n = 0; n < valid.length; n++) {
      garbage.add(Arrays.copyOf(valid, n)); // truncated
    }
    garbage.add(bytes("l".repeat(5000) + "e".repeat(5000)));
    garbage.add(bytes("d1:a".repeat(2000) + "de" + "e".repeat(2000)));
    garbage.add(bytes("d1:t2:aa1:y1:q1:q4:ping1:a" + "d1:x".repeat(100) + "de" + "e".repeat(100) + "e"));
    for (String s :
        List.of(
            "d1:t99999999999999999999:x",
            "d1:t2147483648:x1:y1:qe",
            "4294967295:",
            "9223372036854775807:",
            "-1:",
            "i99999999999999999999999e",
            "i-0e",
            "i01e",
            "d1:ti1e1:y1:qe",
            "d1:a0:1:q4:ping1:t2:aa1:y1:qe",
            "d1:y1:q1:t2:aae",
            "d1:t2:aa1:y1:qe1",
            "de",
            "le",
            "0:",
            "",
            "d2:ip6:\u0000\u0000\u0000\u0000\u0000\u00001:rd2:id20:abcdefghij0123456789e1:t2:zz1:y1:re")) {
      garbage.add(bytes(s));
    }
    long before = node.stats().datagramsIn();
    for (byte[] g : garbage) {
      deliver(BOB, g);
    }
    NodeStats s = node.stats();
    assertThat(s.datagramsIn()).isEqualTo(before + garbage.size());
    assertThat(s.undecodable()).isGreaterThanOrEqualTo(garbage.size() - 2);
    assertThat(accounted()).isEqualTo(s.datagramsIn());
    assertStillAnswersPing();
  }

  @Test
  void unsolicitedRepliesAreCountedAndIgnored() {
    long unsolicited = node.stats().unsolicited();
    for (byte[] reply :
        List.of(
            KrpcCodec.encodeResponse(Wire.bstr("zz"), SENDER, BDictionary.builder(), null, null),
            KrpcCodec.encodeResponse(Wire.bstr("zzz"), SENDER, BDictionary.builder(), null, null),
            KrpcCodec.encodeResponse(Wire.bstr(""), SENDER, BDictionary.builder(), null, null),
            KrpcCodec.encodeError(Wire.bstr("zz"), 201, "boo", null, null),
            KrpcCodec.encodeError(Wire.bstr("1234567890"), 202, "boo", null, null))) {
      assertThat(deliver(BOB, reply)).isEmpty();
    }
    assertThat(node.stats().unsolicited()).isEqualTo(unsolicited + 5);
    assertThat(node.stats().responsesIn()).isZero();
    assertThat(node.stats().routingTableSize()).isZero();
    assertStillAnswersPing();
  }

  @Test
  void aReplyFromTheWrongAddressDoesNotCompleteAPendingQuery() {
    CompletableFuture<PingResult> f = node.ping(BOB);
    BString tid = sent.get(sent.size() - 1).dict().getString("t");
    byte[] reply = KrpcCodec.encodeResponse(tid, SENDER, BDictionary.builder(), null, null);
    deliver(ALICE, reply);
    deliver(new Endpoint(BOB.address(), BOB.port() + 1), reply);
    assertThat(f).isNotDone();
    assertThat(node.stats().unsolicited()).isEqualTo(2);
    byte[] error = KrpcCodec.encodeError(tid, 201, "x", null, null);
    deliver(ALICE, error);
    assertThat(f).isNotDone();
    assertThat(node.stats().unsolicited()).isEqualTo(3);

    deliver(BOB, reply);
    assertThat(f).isCompleted();
    assertThat(f.join().contact()).isEqualTo(new Contact(SENDER, BOB));
    assertThat(node.stats().responsesIn()).isEqualTo(1);
    // the same reply again is now unsolicited
    deliver(BOB, reply);
    assertThat(node.stats().unsolicited()).isEqualTo(4);
    assertThat(node.stats().responsesIn()).isEqualTo(1);
    assertStillAnswersPing();
  }

  @Test
  void malformedReplyToAPendingQueryIsCountedAndTheQueryStaysPending() {
    CompletableFuture<PingResult> f = node.ping(BOB);
    BString tid = sent.get(sent.size() - 1).dict().getString("t");
    deliver(BOB, encode(dict("r", dict("id", SENDER_ID, "nodes", new byte[27]), "t", tid, "y", "r")));
    assertThat(f).isNotDone();
    assertThat(node.stats().undecodable()).isEqualTo(1);
    assertStillAnswersPing();
  }

  // ------------------------------------------------------------------ direct replies

  /**
   * Ping, find_node and get_peers replies (and announce_peer's) are written directly into a reused buffer; they
   * must be byte for byte what the general encoder ({@link KrpcCodec#encodeResponse}) makes of the same answer,
   * computed here as the node computed it before the direct path existed (trial encodings to drop node lists and
   * to size {@code values}). Transaction ids of 0 to 64 bytes, and some of 600 to 1,000 bytes that force node
   * lists out or the whole reply away; IPv4 and IPv6 requesters; every {@code want}; 0 to 130 stored peers of
   * both families; any 4-byte version.
   */
  @Property(tries = 150)
  void directRepliesAreWhatTheGeneralEncoderWrites(
      @ForAll("tidLengths") int tidLength,
      @ForAll @IntRange(min = 0, max = 3) int method,
      @ForAll boolean ipv6,
      @ForAll @IntRange(min = 0, max = 4) int wantChoice,
      @ForAll boolean noSeed,
      @ForAll @IntRange(min = 0, max = 130) int storedPeers,
      @ForAll @Size(min = 4, max = 4) byte[] version,
      @ForAll long seed) {
    String v = new String(version, java.nio.charset.StandardCharsets.ISO_8859_1);
    node = newNode(config().toBuilder().clientVersion(v).build().withPeerStoreLimits(500, 10));
    SplittableRandom r = new SplittableRandom(seed);
    fillRoutingTables(12);
    List<Endpoint> announced = new ArrayList<>();
    for (int i = 0; i < storedPeers; i++) {
      Endpoint peer =
          i % 3 == 0
              ? Endpoint.parse("[2001:db8:eeee::" + Integer.toHexString(i + 1) + "]:" + (2000 + i))
              : Endpoint.parse("100.99." + (i / 200) + "." + (i % 200 + 1) + ":" + (2000 + i));
      announce(peer, INFO_HASH, 3000 + i, false, tokenFor(peer, INFO_HASH));
      announced.add(new Endpoint(peer.address(), 3000 + i));
    }
    Endpoint from = ipv6 ? CAROL6 : ALICE;
    BString tid = BString.of(Wire.filler(tidLength, r.nextInt(100)));
    NodeId target = r.nextBoolean() ? INFO_HASH : NodeId.random(r);
    Object[] wants = {null, list("n4"), list("n6"), list("n4", "n6"), list("x")};
    Object want = wants[wantChoice];
    List<Object> args = new ArrayList<>();
    if (want != null) {
      args.addAll(List.of("want", want));
    }
    if (noSeed) {
      args.addAll(List.of("noseed", 1));
    }
    String name = new String[] {"ping", "find_node", "get_peers", "announce_peer"}[method];
    if (method == 1) {
      args.addAll(List.of("target", target.toBytes()));
    } else if (method >= 2) {
      args.addAll(List.of("info_hash", target.toBytes()));
    }
    if (method == 3) {
      args.addAll(List.of("port", 4000, "token", tokenFor(from, target)));
    }
    int mark = sent.size();
    now += MS;
    byte[] q = encode(query(name, tid, args.toArray()));
    node.onDatagram(from, q, 0, q.length);
    List<Sent> replies = new ArrayList<>();
    for (Sent s : sent.subList(mark, sent.size())) {
      if (s.to().equals(from) && !s.type().equals("q")) {
        replies.add(s);
      }
    }

    // the reference: the general encoder, with the decisions the node made before it wrote replies directly
    BString ourVersion = BString.of(version);
    boolean v6 = from.isIpv6();
    Want w = want == null ? Want.SAME_FAMILY : wantChoice == 1 ? Want.N4 : wantChoice == 2 ? Want.N6
        : wantChoice == 3 ? Want.BOTH : Want.SAME_FAMILY;
    BDictionary.Builder body = BDictionary.builder();
    if (method == 2) {
      assertThat(replies).hasSizeLessThanOrEqualTo(1);
      BString token = tokenIn(replies, tid, from);
      body.put("token", token);
    }
    if (method == 1 || method == 2) {
      if (w.wantsV4(v6)) {
        body.put("nodes", KrpcCodec.compactNodes(node.routingTable().closest(target, 8, now)));
      }
      if (w.wantsV6(v6)) {
        body.put("nodes6", KrpcCodec.compactNodes(node.routingTable6().closest(target, 8, now)));
      }
    }
    if (method == 2) {
      for (String optional : new String[] {"nodes6", "nodes"}) {
        if (encodedLength(tid, body, from, ourVersion) > 1024) {
          body = withoutKey(body, optional);
        }
      }
      int room = (1024 - encodedLength(tid, body, from, ourVersion) - 10) / (v6 ? 21 : 8);
      List<Endpoint> values = new ArrayList<>();
      for (int i = announced.size() - 1; i >= 0 && values.size() < room; i--) {
        if (target.equals(INFO_HASH) && announced.get(i).isIpv6() == v6) {
          values.add(announced.get(i));
        }
      }
      if (!values.isEmpty()) {
        body.put("values", KrpcCodec.compactPeers(values));
      }
    }
    byte[] expected = KrpcCodec.encodeResponse(tid, ID, body, from, ourVersion);
    if (expected.length > 1024) {
      assertThat(replies).as("an oversized reply is never sent").isEmpty();
    } else {
      assertThat(replies).hasSize(1);
      assertThat(text(replies.get(0).data())).isEqualTo(text(expected));
    }
    assertThat(node.stats().internalErrors()).isZero();
  }

  @Provide
  Arbitrary<Integer> tidLengths() {
    return Arbitraries.frequencyOf(
        Tuple.of(10, Arbitraries.integers().between(0, 64)),
        Tuple.of(1, Arbitraries.integers().between(600, 1000)));
  }

  /** The token of a get_peers reply (the node's own, checked separately), or any when there is no reply. */
  private static BString tokenIn(List<Sent> replies, BString tid, Endpoint from) {
    if (replies.isEmpty()) {
      return BString.of(new byte[8]);
    }
    BDictionary reply = replies.get(0).dict();
    assertThat(reply.getString("t")).isEqualTo(tid);
    BString token = body(reply).getString("token");
    assertThat(token).as("token to %s", from).isNotNull();
    return token;
  }

  private static int encodedLength(BString tid, BDictionary.Builder body, Endpoint to, BString version) {
    BDictionary.Builder copy = BDictionary.builder();
    body.build().entries().forEach(copy::put);
    return KrpcCodec.encodeResponse(tid, ID, copy, to, version).length;
  }

  private static BDictionary.Builder withoutKey(BDictionary.Builder body, String key) {
    BDictionary.Builder out = BDictionary.builder();
    body.build().entries().forEach((k, v) -> {
      if (!k.asUtf8().equals(key)) {
        out.put(k, v);
      }
    });
    return out;
  }

  @Property(tries = 300)
  void randomDatagramsNeverBreakTheNode(@ForAll @Size(max = 1200) byte[] data) {
    node = newNode(config());
    node.onDatagram(BOB, data, 0, data.length);
    assertThat(node.stats().internalErrors()).isZero();
    assertThat(accounted()).isEqualTo(1);
    nodeStayedHealthy();
  }

  @Property(tries = 500)
  void corruptedMessagesNeverBreakTheNode(
      @ForAll @IntRange(min = 0, max = 5) int which,
      @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 0, max = 4095) Integer> positions,
      @ForAll @Size(min = 4, max = 4) byte[] replacements) {
    node = newNode(config());
    byte[] tidBytes = {1, 2};
    List<byte[]> messages =
        List.of(
            encode(query("ping", "aa")),
            encode(query("find_node", "ab", "target", INFO_HASH.toBytes(), "want", list("n4", "n6"))),
            encode(query("get_peers", "ac", "info_hash", INFO_HASH.toBytes(), "scrape", 1, "noseed", 1)),
            encode(query("announce_peer", "ad", "info_hash", INFO_HASH.toBytes(), "port", 1, "token", "abcdefgh",
                "implied_port", 1, "seed", 1)),
            KrpcCodec.encodeResponse(BString.of(tidBytes), SENDER, BDictionary.builder()
                .put("nodes", new byte[52]).put("values", list(new byte[6], new byte[18])).put("token", "x".getBytes()),
                ALICE, BString.of(VERSION)),
            KrpcCodec.encodeError(BString.of(tidBytes), 203, "protocol", ALICE, BString.of(VERSION)));
    byte[] m = messages.get(which).clone();
    for (int i = 0; i < positions.size(); i++) {
      m[positions.get(i) % m.length] = replacements[i];
    }
    node.onDatagram(BOB, m, 0, m.length);
    assertThat(accounted()).isEqualTo(1);
    assertThat(node.stats().internalErrors()).isZero();
    assertStillAnswersPing();
    nodeStayedHealthy();
  }
}
