package io.dht;

import static io.dht.TestSwarm.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BInteger;
import io.dht.bencode.BList;
import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.id.NodeIdSecurity;
import io.dht.item.MemoryItemStore;
import io.dht.item.MutableItem;
import io.dht.item.Sha1;
import io.dht.keys.SigningKeyPair;
import io.dht.krpc.KrpcCodec;
import io.dht.node.DhtConfig;
import io.dht.node.DhtNode;
import io.dht.node.NodeStats;
import io.dht.node.PingResult;
import io.dht.storage.ScrapeFilter;
import io.dht.transport.EventLoop;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rows of {@code docs/conformance.md} that no core test proves on the wire: BEP 51 {@code sample_infohashes},
 * BEP 33 {@code seed}/{@code noseed}/{@code scrape} with the bloom filters, BEP 44 {@code get}/{@code put} with
 * every error code they can cause, BEP 42's {@code ip} vote, and the {@code v}/{@code t} of our own queries. A raw
 * KRPC client talks to a real node over UDP on 127.0.0.x and reads the raw replies.
 */
class ConformanceTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final byte[] VERSION = {'J', 'D', 0, 1};

  private EventLoop loop;
  private Dht node;
  private final List<RawKrpc> clients = new ArrayList<>();
  private int tidCounter;

  @BeforeEach
  void start() {
    loop = EventLoop.start("test-loop-conformance");
    node = Dht.builder().bindAddress(TestSwarm.host(180)).config(DhtConfig.privateNetwork()).eventLoop(loop).start();
  }

  @AfterEach
  void healthy() throws Exception {
    try {
      assertThat(get(node.stats()).internalErrors()).isZero();
      assertThat(loop.failures()).isZero();
    } finally {
      clients.forEach(RawKrpc::close);
      node.close();
      loop.close();
    }
  }

  private RawKrpc client(int host) throws IOException {
    RawKrpc c = RawKrpc.open(TestSwarm.host(host), NodeId.random(new SplittableRandom(host)));
    clients.add(c);
    return c;
  }

  private byte[] tid() {
    int n = ++tidCounter;
    return new byte[] {'c', (byte) (n >>> 8), (byte) n};
  }

  /** Sends a query to the node and returns its reply (response or error). */
  private RawKrpc.Datagram ask(RawKrpc c, String method, BDictionary.Builder args) throws IOException {
    byte[] t = tid();
    return c.ask(node.localEndpoint(), t, c.query(method, t, args), WAIT)
        .orElseThrow(() -> new AssertionError("no reply to " + method));
  }

  private static BDictionary.Builder args(Object... keysAndValues) {
    BDictionary.Builder b = BDictionary.builder();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      b.put((String) keysAndValues[i], RawKrpc.value(keysAndValues[i + 1]));
    }
    return b;
  }

  private static BDictionary body(RawKrpc.Datagram reply) {
    assertThat(reply.type()).as("%s", reply).isEqualTo("r");
    return reply.body();
  }

  private BString token(RawKrpc c, String method, String key, NodeId target) throws IOException {
    BString token = body(ask(c, method, args(key, target.toBytes()))).getString("token");
    assertThat(token).isNotNull();
    return token;
  }

  private void announce(RawKrpc c, NodeId infoHash, int port, boolean seed) throws IOException {
    BDictionary.Builder a =
        args("info_hash", infoHash.toBytes(), "port", port, "token", token(c, "get_peers", "info_hash", infoHash));
    if (seed) {
      a.put("seed", 1L);
    }
    assertThat(ask(c, "announce_peer", a).type()).isEqualTo("r");
  }

  private static List<Endpoint> values(BDictionary body) {
    List<Endpoint> out = new ArrayList<>();
    BList l = body.getList("values");
    if (l != null) {
      for (BValue v : l.values()) {
        byte[] b = ((BString) v).toByteArray();
        out.add(Endpoint.fromCompact(b, 0, b.length));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ BEP 51

  @Test
  void sampleInfohashesAnswersSamplesNumIntervalAndNodes() throws Exception {
    RawKrpc c = client(181);
    NodeId target = NodeId.random(new SplittableRandom(1));
    // an empty node still answers samples (empty), num 0 and the interval
    BDictionary empty = body(ask(c, "sample_infohashes", args("target", target.toBytes())));
    assertThat(empty.getString("samples")).isEqualTo(BString.of(new byte[0]));
    assertThat(empty.getInteger("num")).isEqualTo(new BInteger(0));
    assertThat(empty.getInteger("interval")).isEqualTo(new BInteger(21600));
    assertThat(empty.containsKey("nodes")).isTrue();
    assertThat(empty.containsKey("nodes6")).isFalse();

    List<NodeId> hashes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      NodeId h = NodeId.random(new SplittableRandom(100 + i));
      hashes.add(h);
      announce(c, h, 7000 + i, false);
    }
    BDictionary full =
        body(ask(c, "sample_infohashes", args("target", target.toBytes(), "want", RawKrpc.strings("n4", "n6"))));
    byte[] samples = full.getString("samples").toByteArray();
    assertThat(samples.length).isEqualTo(3 * 20);
    List<NodeId> sampled = new ArrayList<>();
    for (int i = 0; i < samples.length; i += 20) {
      sampled.add(NodeId.of(Arrays.copyOfRange(samples, i, i + 20)));
    }
    assertThat(sampled).containsExactlyInAnyOrderElementsOf(hashes);
    assertThat(full.getInteger("num")).isEqualTo(new BInteger(3));
    assertThat(full.getInteger("interval")).isEqualTo(new BInteger(21600));
    assertThat(full.containsKey("nodes")).isTrue();
    assertThat(full.containsKey("nodes6")).as("want n6").isTrue();
    assertThat(get(node.stats()).samplesIn()).isEqualTo(2); // counted on their own, not as unknown methods
    assertThat(get(node.stats()).unknownQueriesIn()).isZero();
  }

  // ------------------------------------------------------------------ unknown methods

  @Test
  void unknownMethodsWithATargetAreAnsweredAsFindNodeHonouringWant() throws Exception {
    RawKrpc c = client(205);
    NodeId target = NodeId.random(new SplittableRandom(6));
    BDictionary plain = body(ask(c, "x_future", args("target", target.toBytes())));
    assertThat(plain.containsKey("nodes")).isTrue();
    assertThat(plain.containsKey("nodes6")).isFalse();
    BDictionary six = body(ask(c, "x_future", args("info_hash", target.toBytes(), "want", RawKrpc.strings("n6"))));
    assertThat(six.containsKey("nodes")).isFalse();
    assertThat(six.containsKey("nodes6")).isTrue();
    RawKrpc.Datagram none = ask(c, "x_future", args("target", "too short"));
    assertThat(none.errorCode()).isEqualTo(204);
  }

  // ------------------------------------------------------------------ BEP 33

  @Test
  void seedFlagAndScrapeFillTheTwoBloomFilters() throws Exception {
    RawKrpc seeder = client(182);
    RawKrpc leecher = client(183);
    RawKrpc scraper = client(184);
    NodeId infoHash = NodeId.random(new SplittableRandom(2));
    announce(seeder, infoHash, 1001, true);
    announce(leecher, infoHash, 1002, false);

    BDictionary r = body(ask(scraper, "get_peers", args("info_hash", infoHash.toBytes(), "scrape", 1)));
    ScrapeFilter seeds = new ScrapeFilter();
    seeds.add(TestSwarm.host(182));
    ScrapeFilter peers = new ScrapeFilter();
    peers.add(TestSwarm.host(183));
    assertThat(r.getString("BFsd").toByteArray()).hasSize(256).isEqualTo(seeds.toBytes());
    assertThat(r.getString("BFpe").toByteArray()).hasSize(256).isEqualTo(peers.toBytes());
    assertThat(ScrapeFilter.of(r.getString("BFsd").toByteArray()).estimate()).isBetween(0.9, 1.1);
    assertThat(r.getString("token")).isNotNull();
    assertThat(values(r)).containsExactlyInAnyOrder(
        new Endpoint(TestSwarm.host(182), 1001), new Endpoint(TestSwarm.host(183), 1002));

    // no scrape flag: no filters; an info-hash nobody announced: no filters either
    assertThat(body(ask(scraper, "get_peers", args("info_hash", infoHash.toBytes()))).containsKey("BFsd")).isFalse();
    BDictionary unknown =
        body(ask(scraper, "get_peers", args("info_hash", NodeId.random(new SplittableRandom(3)).toBytes(), "scrape", 1)));
    assertThat(unknown.containsKey("BFsd")).isFalse();
    assertThat(unknown.containsKey("BFpe")).isFalse();
    assertThat(unknown.getString("token")).isNotNull();

    // a re-announce without seed moves the seeder to the peers' filter (one entry per IP, flag updated)
    announce(seeder, infoHash, 1003, false);
    BDictionary again = body(ask(scraper, "get_peers", args("info_hash", infoHash.toBytes(), "scrape", 1)));
    ScrapeFilter both = new ScrapeFilter();
    both.add(TestSwarm.host(182));
    both.add(TestSwarm.host(183));
    assertThat(again.getString("BFpe").toByteArray()).isEqualTo(both.toBytes());
    assertThat(again.getString("BFsd").toByteArray()).isEqualTo(new ScrapeFilter().toBytes());
    assertThat(values(again)).containsExactlyInAnyOrder(
        new Endpoint(TestSwarm.host(182), 1003), new Endpoint(TestSwarm.host(183), 1002));
  }

  @Test
  void noseedPutsNonSeedsFirst() throws Exception {
    RawKrpc leecher = client(185);
    RawKrpc seeder = client(186);
    RawKrpc asker = client(187);
    NodeId infoHash = NodeId.random(new SplittableRandom(4));
    announce(leecher, infoHash, 2001, false);
    announce(seeder, infoHash, 2002, true); // newer
    Endpoint l = new Endpoint(TestSwarm.host(185), 2001);
    Endpoint s = new Endpoint(TestSwarm.host(186), 2002);
    assertThat(values(body(ask(asker, "get_peers", args("info_hash", infoHash.toBytes()))))).containsExactly(s, l);
    assertThat(values(body(ask(asker, "get_peers", args("info_hash", infoHash.toBytes(), "noseed", 1)))))
        .containsExactly(l, s);
  }

  // ------------------------------------------------------------------ BEP 44

  @Test
  void immutableGetAndPutOverTheWire() throws Exception {
    RawKrpc c = client(188);
    BString v = BString.of("hello, DHT".getBytes(StandardCharsets.UTF_8));
    NodeId target = Sha1.of(Bencode.encode(v));

    BDictionary before = body(ask(c, "get", args("target", target.toBytes())));
    assertThat(before.containsKey("v")).isFalse();
    assertThat(before.containsKey("nodes")).isTrue();
    assertThat(before.containsKey("nodes6")).isFalse();
    BDictionary both = body(ask(c, "get", args("target", target.toBytes(), "want", RawKrpc.strings("n4", "n6"))));
    assertThat(both.containsKey("nodes")).isTrue();
    assertThat(both.containsKey("nodes6")).as("want n6 on get").isTrue();
    BString token = before.getString("token");

    assertThat(ask(c, "put", args("token", token, "v", v)).type()).isEqualTo("r");
    BDictionary after = body(ask(c, "get", args("target", target.toBytes())));
    assertThat(after.getString("v")).isEqualTo(v);
    assertThat(after.containsKey("k")).isFalse();
    assertThat(after.containsKey("seq")).isFalse();

    // 203: a token issued to another IP (or for another target)
    RawKrpc other = client(189);
    assertThat(ask(other, "put", args("token", token, "v", v)).errorCode()).isEqualTo(203);
    // 205: v over 1000 bytes bencoded (1000 bytes of data are 1005 bencoded)
    BString big = BString.of(new byte[1000]);
    BString bigToken = token(c, "get", "target", Sha1.of(Bencode.encode(big)));
    assertThat(ask(c, "put", args("token", bigToken, "v", big)).errorCode()).isEqualTo(205);
    BString fits = BString.of(new byte[996]);
    BString fitsToken = token(c, "get", "target", Sha1.of(Bencode.encode(fits)));
    assertThat(ask(c, "put", args("token", fitsToken, "v", fits)).type()).isEqualTo("r");
  }

  private static BDictionary.Builder mutablePut(MutableItem m, BString token, Long cas) throws Exception {
    BDictionary.Builder a =
        args("k", m.publicKey(), "seq", m.seq(), "sig", m.signature(), "token", token,
            "v", Bencode.decode(m.value().toByteArray()));
    if (m.salt().length() > 0) {
      a.put("salt", m.salt());
    }
    if (cas != null) {
      a.put("cas", cas);
    }
    return a;
  }

  @Test
  void mutableGetAndPutWithSaltCasSeqAndEveryError() throws Exception {
    RawKrpc c = client(190);
    SigningKeyPair key = SigningKeyPair.generate();
    byte[] salt = "blog".getBytes(StandardCharsets.UTF_8);
    NodeId target = MutableItem.target(key.publicKey(), salt);
    BString token = token(c, "get", "target", target);
    MutableItem v1 = MutableItem.sign(key.seed(), key.publicKey(), salt, 1, bytes("first"));
    MutableItem v2 = MutableItem.sign(key.seed(), key.publicKey(), salt, 2, bytes("second"));
    MutableItem v2b = MutableItem.sign(key.seed(), key.publicKey(), salt, 2, bytes("second, other"));

    assertThat(ask(c, "put", mutablePut(v1, token, null)).type()).isEqualTo("r");
    BDictionary got = body(ask(c, "get", args("target", target.toBytes())));
    assertThat(got.getString("k")).isEqualTo(v1.publicKey());
    assertThat(got.getString("sig")).isEqualTo(v1.signature());
    assertThat(got.getInteger("seq")).isEqualTo(new BInteger(1));
    assertThat(Bencode.encode(got.getOrNull("v"))).isEqualTo(v1.value().toByteArray());
    assertThat(got.containsKey("salt")).as("the salt is never sent back").isFalse();
    // get with the seq we have: only seq comes back, no value
    BDictionary current = body(ask(c, "get", args("target", target.toBytes(), "seq", 1)));
    assertThat(current.getInteger("seq")).isEqualTo(new BInteger(1));
    assertThat(current.containsKey("v")).isFalse();
    assertThat(current.containsKey("sig")).isFalse();
    assertThat(body(ask(c, "get", args("target", target.toBytes(), "seq", 0))).containsKey("v")).isTrue();

    // 301: cas does not match the stored seq; then the right cas stores
    assertThat(ask(c, "put", mutablePut(v2, token, 7L)).errorCode()).isEqualTo(301);
    assertThat(ask(c, "put", mutablePut(v2, token, 1L)).type()).isEqualTo("r");
    // 302: a lower seq, or the same seq with another value
    assertThat(ask(c, "put", mutablePut(v1, token, null)).errorCode()).isEqualTo(302);
    assertThat(ask(c, "put", mutablePut(v2b, token, null)).errorCode()).isEqualTo(302);
    assertThat(ask(c, "put", mutablePut(v2, token, null)).type()).as("the same item again").isEqualTo("r");
    // 206: a signature that does not verify
    byte[] badSig = v2.signature().toByteArray();
    badSig[0] ^= 1;
    MutableItem forged = new MutableItem(v2.publicKey(), v2.salt(), 3, v2.value(), BString.of(badSig));
    assertThat(ask(c, "put", mutablePut(forged, token, null)).errorCode()).isEqualTo(206);
    // 207: a salt over 64 bytes (checked before anything else of a mutable put)
    BDictionary.Builder bigSalt = mutablePut(v2, token, null);
    bigSalt.put("salt", new byte[65]);
    assertThat(ask(c, "put", bigSalt).errorCode()).isEqualTo(207);
    // 203: negative seq, a short key, a token for another target
    BDictionary.Builder negative = mutablePut(v2, token, null);
    negative.put("seq", -1L);
    assertThat(ask(c, "put", negative).errorCode()).isEqualTo(203);
    BDictionary.Builder shortKey = mutablePut(v2, token, null);
    shortKey.put("k", new byte[31]);
    assertThat(ask(c, "put", shortKey).errorCode()).isEqualTo(203);
    MutableItem unsalted = MutableItem.sign(key.seed(), key.publicKey(), new byte[0], 1, bytes("x"));
    assertThat(ask(c, "put", mutablePut(unsalted, token, null)).errorCode()).as("token of the salted target")
        .isEqualTo(203);

    BDictionary last = body(ask(c, "get", args("target", target.toBytes())));
    assertThat(last.getInteger("seq")).isEqualTo(new BInteger(2));
    assertThat(Bencode.encode(last.getOrNull("v"))).isEqualTo(v2.value().toByteArray());
  }

  @Test
  void aFullItemStoreAnswers202() throws Exception {
    NodeId self = NodeId.parseHex("0000000000000000000000000000000000000000");
    List<byte[]> sent = new ArrayList<>();
    long[] now = {1_000_000_000L};
    DhtNode n =
        new DhtNode(
            DhtConfig.privateNetwork(),
            self,
            (to, data, off, len) -> sent.add(Arrays.copyOfRange(data, off, off + len)),
            () -> now[0],
            new SplittableRandom(5),
            new MemoryItemStore(self, DhtNode.ITEM_TTL_NANOS, 1));
    Endpoint from = Endpoint.parse("198.51.100.9:6881");
    // two values whose targets are ordered by distance to our all-zero id
    BString near = null;
    BString far = null;
    for (int i = 0; (near == null || far == null) && i < 100_000; i++) {
      BString v = BString.of(("value " + i).getBytes(StandardCharsets.UTF_8));
      int top = Sha1.of(Bencode.encode(v)).toBytes()[0] & 0xff;
      if (top < 0x10 && near == null) {
        near = v;
      } else if (top >= 0xf0 && far == null) {
        far = v;
      }
    }
    assertThat(near).isNotNull();
    assertThat(far).isNotNull();
    assertThat(putDirect(n, from, near, sent, now)).isEqualTo("r");
    // the store holds one item; one farther from us than everything stored is refused
    assertThat(putDirect(n, from, far, sent, now)).isEqualTo("e202");
    assertThat(n.stats().internalErrors()).isZero();
  }

  private static String putDirect(DhtNode n, Endpoint from, BString v, List<byte[]> sent, long[] now)
      throws Exception {
    NodeId self = NodeId.random(new SplittableRandom(9));
    NodeId target = Sha1.of(Bencode.encode(v));
    byte[] get =
        KrpcCodec.encodeQuery(
            BString.of(new byte[] {'g'}), "get", self, args("target", target.toBytes()), null, false);
    now[0] += 1_000_000;
    n.onDatagram(from, get, 0, get.length);
    BDictionary reply = lastReply(sent);
    BString token = reply.getDictionary("r").getString("token");
    byte[] put =
        KrpcCodec.encodeQuery(BString.of(new byte[] {'p'}), "put", self, args("token", token, "v", v), null, false);
    now[0] += 1_000_000;
    n.onDatagram(from, put, 0, put.length);
    BDictionary answer = lastReply(sent);
    String y = answer.getString("y").asUtf8();
    return y.equals("e") ? "e" + ((BInteger) answer.getList("e").values().get(0)).value() : y;
  }

  /** The last response or error the node sent (skipping its own queries, e.g. verification pings). */
  private static BDictionary lastReply(List<byte[]> sent) throws Exception {
    for (int i = sent.size() - 1; i >= 0; i--) {
      BDictionary d = (BDictionary) Bencode.decode(sent.get(i));
      if (!d.getString("y").asUtf8().equals("q")) {
        return d;
      }
    }
    throw new AssertionError("no reply");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ our own queries: t and v; BEP 42 ip

  /** Pings {@code c} from the node and answers with {@code ip} = {@code reported}; returns the query seen. */
  private RawKrpc.Datagram pingAndAnswer(RawKrpc c, Endpoint reported) throws Exception {
    CompletableFuture<PingResult> ping = node.ping(c.endpoint());
    RawKrpc.Datagram q = c.receive(WAIT).orElseThrow();
    assertThat(q.type()).isEqualTo("q");
    byte[] reply = KrpcCodec.encodeResponse(q.tid(), c.id(), BDictionary.builder(), reported, null);
    c.send(q.from(), reply);
    assertThat(get(ping).contact().id()).isEqualTo(c.id());
    return q;
  }

  @Test
  void anErrorReplyFailsTheQueryItAnswers() throws Exception {
    RawKrpc c = client(206);
    CompletableFuture<PingResult> ping = node.ping(c.endpoint());
    RawKrpc.Datagram q = c.receive(WAIT).orElseThrow();
    c.send(q.from(), KrpcCodec.encodeError(q.tid(), 201, "A Generic Error Ocurred", null, null));
    assertThat(ping).failsWithin(WAIT).withThrowableThat().withMessageContaining("201");
    NodeStats s = get(node.stats());
    assertThat(s.errorsIn()).isEqualTo(1);
    assertThat(get(node.routingTable())).isEmpty();
  }

  @Test
  void ourQueriesCarryTwoByteTidsAndOurVersionAndTheIpVoteNeedsAQuorum() throws Exception {
    node.close();
    // defaults: BEP 42 on (an id that conforms to the voted external address)
    node = Dht.builder().bindAddress(TestSwarm.host(191)).config(DhtConfig.defaults()).eventLoop(loop).start();
    NodeId original = node.id();
    Endpoint external = Endpoint.parse("203.0.113.7:6881"); // public (TEST-NET-3 is not exempt)
    Endpoint privateAddress = Endpoint.parse("192.168.7.7:6881");
    assertThat(NodeIdSecurity.isExempt(external.address())).isFalse();

    // four reporters vote for a private address: it wins, but is exempt: no new id
    List<RawKrpc> privateVoters = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RawKrpc c = client(192 + i);
      privateVoters.add(c);
      RawKrpc.Datagram q = pingAndAnswer(c, privateAddress);
      assertThat(q.tid().length()).isEqualTo(2);
      assertThat(q.dict().getString("v").toByteArray()).isEqualTo(VERSION);
      assertThat(q.dict().containsKey("ro")).isFalse();
    }
    assertThat(get(node.stats()).idChanges()).isZero();
    // three other reporters say the public address: 3 of 7 votes, no quorum
    List<RawKrpc> voters = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      voters.add(client(200 + i));
    }
    for (int i = 0; i < 3; i++) {
      pingAndAnswer(voters.get(i), external);
    }
    NodeStats s = get(node.stats());
    assertThat(s.idChanges()).isZero();
    assertThat(node.id()).isEqualTo(original);
    // one reporter of the private address changes its mind: 4 of 7 votes, a quorum and a majority
    pingAndAnswer(privateVoters.get(0), external);
    s = get(node.stats());
    assertThat(s.idChanges()).isEqualTo(1);
    assertThat(node.id()).isNotEqualTo(original);
    assertThat(NodeIdSecurity.isValid(node.id(), external.address())).isTrue();
    // the same vote again changes nothing: the id already conforms
    pingAndAnswer(voters.get(3), external);
    assertThat(get(node.stats()).idChanges()).isEqualTo(1);
  }
}
