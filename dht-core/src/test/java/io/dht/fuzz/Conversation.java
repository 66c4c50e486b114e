package io.dht.fuzz;

import static io.dht.fuzz.NodeHarness.HELLO;
import static io.dht.fuzz.NodeHarness.INFO_HASH;
import static io.dht.fuzz.NodeHarness.PEERS;
import static io.dht.fuzz.NodeHarness.SECOND;
import static io.dht.fuzz.NodeHarness.SELF;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.dht.bencode.BDictionary;
import io.dht.bencode.BInteger;
import io.dht.bencode.BList;
import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.fuzz.NodeHarness.Sent;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.ImmutableItem;
import io.dht.item.Item;
import io.dht.item.MutableItem;
import io.dht.item.Sha1;
import io.dht.krpc.Query;
import io.dht.krpc.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A fuzzer-scripted exchange with one node: each step is an almost valid KRPC query from one of a few sources, an
 * answer to one of the node's own outstanding queries (right transaction id and address, fuzzed body), answers to
 * all of them, a jump of the clock with timers fired, a command of the node's API (lookups, announce, BEP 44
 * get/put) or raw bytes. The data provider steers every choice, and its "zero" choices (what an exhausted input
 * gives) are the well-formed ones, so the fuzzer starts from valid traffic and breaks it field by field.
 */
final class Conversation {
  private static final int MAX_STEPS = 48;
  private static final int MAX_OUTSTANDING = 64;
  private static final Endpoint[] SOURCES = {
    NodeHarness.STRANGER,
    PEERS.get(0).endpoint(),
    NodeHarness.STRANGER_2,
    NodeHarness.STRANGER_V6,
    PEERS.get(1).endpoint(),
    PEERS.get(PEERS.size() - 1).endpoint(),
    PEERS.get(10).endpoint(),
  };
  private static final String[] UNKNOWN_METHODS = {"vote", "find_value", "get_peers2", "PING", ""};
  private static final long[] CLOCK_STEPS = {
    0, 1, 250 * NodeHarness.MS, SECOND, 2 * SECOND, 5 * SECOND, 15 * SECOND, 61 * SECOND, 5 * 60 * SECOND,
    16 * 60 * SECOND, 31 * 60 * SECOND, 2 * 3600 * SECOND + 1
  };

  private final FuzzedDataProvider data;
  private final NodeHarness harness;
  /** The node's queries not answered yet, oldest first. */
  private final List<Outbound> outstanding = new ArrayList<>();
  /** Write tokens the node gave us, by source address and target. */
  private final Map<String, BString> tokens = new HashMap<>();

  /** A query the node sent. */
  private static final class Outbound {
    final Endpoint to;
    final Query query;

    Outbound(Endpoint to, Query query) {
      this.to = to;
      this.query = query;
    }
  }

  Conversation(FuzzedDataProvider data, NodeHarness harness) {
    this.data = data;
    this.harness = harness;
  }

  void run() {
    for (int step = 0; step < MAX_STEPS && data.remainingBytes() > 0; step++) {
      switch (data.consumeInt(0, 7)) {
        case 0:
        case 1:
          query();
          break;
        case 2:
          reply();
          break;
        case 3:
          replyToAll();
          break;
        case 4:
          track(harness.advance(CLOCK_STEPS[data.consumeInt(0, CLOCK_STEPS.length - 1)]));
          break;
        case 5:
          command();
          break;
        case 6:
          track(harness.deliver(source(), data.consumeBytes(data.consumeInt(0, 1_600))));
          break;
        case 7:
          replay();
          break;
        default:
          throw new AssertionError();
      }
    }
    // let every pending timer run: timeouts, lookups giving up, maintenance
    track(harness.advance(10 * SECOND));
    track(harness.advance(16 * 60 * SECOND));
  }

  // ---------------------------------------------------------------- queries to the node

  private void query() {
    Endpoint from = source();
    BDictionary.Builder args = BDictionary.builder();
    put(args, "id", shaped(BString.of(id(from).toBytes())));
    String method;
    NodeId target = null;
    switch (data.consumeInt(0, 8)) {
      case 0:
        method = "ping";
        break;
      case 1:
        method = "find_node";
        target = target(from);
        put(args, "target", shaped(BString.of(target.toBytes())));
        want(args);
        break;
      case 2:
        method = "get_peers";
        target = target(from);
        put(args, "info_hash", shaped(BString.of(target.toBytes())));
        want(args);
        flag(args, "noseed");
        flag(args, "scrape");
        break;
      case 3:
        method = "announce_peer";
        target = target(from);
        put(args, "info_hash", shaped(BString.of(target.toBytes())));
        put(args, "token", shaped(token(from, "get_peers", "info_hash", target)));
        put(args, "port", shaped(new BInteger(port())));
        flag(args, "implied_port");
        flag(args, "seed");
        break;
      case 4:
        method = "get";
        target = target(from);
        put(args, "target", shaped(BString.of(target.toBytes())));
        if (data.consumeBoolean()) {
          put(args, "seq", shaped(new BInteger(seq())));
        }
        want(args);
        break;
      case 5:
        method = "put";
        putArguments(from, args);
        break;
      case 6:
        method = "sample_infohashes";
        target = target(from);
        put(args, "target", shaped(BString.of(target.toBytes())));
        want(args);
        break;
      case 7:
        method = data.pickValue(UNKNOWN_METHODS);
        target = target(from);
        put(args, data.consumeBoolean() ? "target" : "info_hash", shaped(BString.of(target.toBytes())));
        want(args);
        break;
      default:
        method = data.consumeAsciiString(24);
        break;
    }
    if (data.consumeInt(0, 7) == 7) {
      put(args, data.consumeAsciiString(8), shaped(new BInteger(1))); // an unknown argument, or a clash
    }
    BDictionary.Builder msg = BDictionary.builder();
    put(msg, "a", shaped(args.build()));
    put(msg, "q", shaped(BString.utf8(method)));
    put(msg, "t", shaped(tid()));
    put(msg, "y", shaped(BString.utf8("q")));
    switch (data.consumeInt(0, 7)) {
      case 5:
        msg.put("ro", 1);
        break;
      case 6:
        msg.put("v", BString.of("LT\u0002\u0009".getBytes(StandardCharsets.ISO_8859_1)));
        break;
      case 7:
        put(msg, "ro", shaped(new BInteger(data.consumeLong())));
        break;
      default:
        break;
    }
    List<Sent> out = harness.deliver(from, damaged(Bencode.encode(msg.build())));
    track(out);
    if (target != null && (method.equals("get") || method.equals("get_peers"))) {
      harvest(out, from, target);
    }
  }

  private void putArguments(Endpoint from, BDictionary.Builder args) {
    if (data.consumeBoolean()) {
      BValue v = putValue();
      NodeId target = Sha1.of(Bencode.encode(v));
      put(args, "token", shaped(token(from, "get", "target", target)));
      put(args, "v", shaped(v));
      return;
    }
    MutableItem item = data.pickValue(SignedItems.ALL);
    BString sig = item.signature();
    long seq = item.seq();
    BString k = item.publicKey();
    BString salt = item.salt();
    switch (data.consumeInt(0, 15)) {
      case 10:
        byte[] forged = sig.toByteArray();
        forged[data.consumeInt(0, forged.length - 1)] ^= 1;
        sig = BString.of(forged);
        break;
      case 11:
        seq = seq + 1;
        break;
      case 12:
        k = BString.of(Arrays.copyOf(k.toByteArray(), data.consumeInt(0, 40)));
        break;
      case 13:
        salt = BString.of(new byte[65]);
        break;
      case 14:
        sig = BString.of(Arrays.copyOf(sig.toByteArray(), data.consumeInt(0, 80)));
        break;
      case 15:
        seq = -1 - data.consumeInt(0, 3);
        break;
      default:
        break;
    }
    put(args, "token", shaped(token(from, "get", "target", item.target())));
    put(args, "v", shaped(NodeHarness.decode(item.value())));
    put(args, "k", shaped(k));
    put(args, "sig", shaped(sig));
    put(args, "seq", shaped(new BInteger(seq)));
    if (salt.length() > 0 || data.consumeInt(0, 7) == 7) {
      put(args, "salt", shaped(salt));
    }
    if (data.consumeInt(0, 3) == 3) {
      put(args, "cas", shaped(new BInteger(data.consumeInt(0, 3) == 3 ? Long.MAX_VALUE : data.consumeInt(-1, 3))));
    }
  }

  /** An immutable put's value: up to and just past BEP 44's 1000 bytes, or a structure. */
  private BValue putValue() {
    switch (data.consumeInt(0, 5)) {
      case 0:
        return NodeHarness.decode(HELLO.value());
      case 1:
        return BString.of(data.consumeBytes(data.consumeInt(0, 1_100)));
      case 2:
        return BString.of(new byte[996 + data.consumeInt(-1, 1)]); // 999, 1000 or 1001 bytes bencoded
      case 3:
        return BList.of(new BInteger(data.consumeLong()), BString.of(data.consumeBytes(8)), BList.of());
      case 4:
        return BDictionary.builder().put("k", data.consumeBytes(32)).put("seq", data.consumeLong()).build();
      default:
        return new BInteger(data.consumeLong());
    }
  }

  /**
   * A write token for {@code target}: mostly one the node just issued to this address (asking it first), else a
   * stale or foreign one, random bytes or nothing usable.
   */
  private BString token(Endpoint from, String method, String key, NodeId target) {
    switch (data.consumeInt(0, 7)) {
      case 5:
        return tokens.values().stream().findFirst().orElse(BString.of(new byte[8]));
      case 6:
        return BString.of(data.consumeBytes(data.consumeInt(0, 24)));
      case 7:
        BString known = tokens.get(tokenKey(from, target));
        return known != null ? known : BString.of(new byte[8]);
      default:
        List<Sent> out =
            harness.deliver(
                from,
                Messages.query("tk", method, BDictionary.builder().put("id", id(from).toBytes()).put(key, target.toBytes())));
        track(out);
        harvest(out, from, target);
        BString fresh = tokens.get(tokenKey(from, target));
        return fresh != null ? fresh : BString.of(new byte[8]);
    }
  }

  private void harvest(List<Sent> out, Endpoint from, NodeId target) {
    for (Sent s : out) {
      if (s.message instanceof Response r && s.to.equals(from)) {
        r.token().ifPresent(t -> tokens.put(tokenKey(from, target), t));
      }
    }
  }

  private static String tokenKey(Endpoint from, NodeId target) {
    return from.address().getHostAddress() + "/" + target;
  }

  // ---------------------------------------------------------------- answers to the node's queries

  private void reply() {
    if (outstanding.isEmpty()) {
      return;
    }
    Outbound o = outstanding.remove(data.consumeInt(0, outstanding.size() - 1));
    Endpoint from = data.consumeInt(0, 15) == 15 ? source() : o.to;
    BString tid = data.consumeInt(0, 15) == 15 ? tid() : o.query.transactionId();
    BDictionary.Builder msg = BDictionary.builder();
    if (data.consumeInt(0, 7) == 7) {
      put(msg, "e", shaped(BList.of(new BInteger(errorCode()), BString.utf8(data.consumeAsciiString(16)))));
      msg.put("y", BString.utf8("e"));
    } else {
      BDictionary.Builder r = BDictionary.builder();
      put(r, "id", shaped(BString.of(responderId(o.to).toBytes())));
      if (data.consumeBoolean()) {
        put(r, "nodes", shaped(BString.of(compactNodes(false))));
      }
      if (data.consumeInt(0, 3) == 3) {
        put(r, "nodes6", shaped(BString.of(compactNodes(true))));
      }
      if (data.consumeBoolean()) {
        put(r, "token", shaped(BString.of(data.consumeBytes(data.consumeInt(0, 20)))));
      }
      if (data.consumeInt(0, 3) == 3) {
        put(r, "values", shaped(values()));
      }
      if (o.query instanceof Query.Get g) {
        itemFields(r, g.target());
      }
      msg.put("r", r.build());
      msg.put("y", BString.utf8("r"));
    }
    msg.put("t", tid);
    if (data.consumeInt(0, 3) == 3) {
      put(msg, "ip", shaped(BString.of(externalAddress())));
    }
    track(harness.deliver(from, damaged(Bencode.encode(msg.build()))));
  }

  /** Well-formed answers to every outstanding query: the lookups converge on the simulated peers. */
  private void replyToAll() {
    List<Outbound> all = new ArrayList<>(outstanding);
    outstanding.clear();
    for (Outbound o : all) {
      NodeId target = targetOf(o.query);
      BDictionary.Builder r = BDictionary.builder();
      if (target != null) {
        List<Contact> closest = new ArrayList<>(PEERS);
        closest.sort((a, b) -> target.compareDistance(a.id(), b.id()));
        List<Contact> v4 = new ArrayList<>();
        for (Contact c : closest) {
          if (c.endpoint().isIpv4() && v4.size() < 8) {
            v4.add(c);
          }
        }
        r.put("nodes", compact(v4));
        r.put("token", BString.utf8("tok" + (o.to.port() % 10)));
        if (o.query instanceof Query.Get) {
          itemFields(r, target);
        }
        if (o.query instanceof Query.GetPeers && data.consumeBoolean()) {
          r.put("values", BList.of(BString.of(new byte[] {10, 0, 0, 1, 0x1a, (byte) 0xe1})));
        }
      }
      track(harness.deliver(o.to, Messages.response(o.query.transactionId(), responderId(o.to), r)));
    }
  }

  /** BEP 44 fields of a get reply for {@code target}, when we know an item stored there. */
  private void itemFields(BDictionary.Builder r, NodeId target) {
    if (target.equals(HELLO.target())) {
      if (data.consumeInt(0, 7) != 7) {
        put(r, "v", shaped(NodeHarness.decode(HELLO.value())));
      }
      return;
    }
    List<MutableItem> matching = new ArrayList<>();
    for (MutableItem m : SignedItems.ALL) {
      if (m.target().equals(target)) {
        matching.add(m);
      }
    }
    if (matching.isEmpty()) {
      if (data.consumeInt(0, 7) == 7) {
        put(r, "v", BString.of(data.consumeBytes(16))); // a value that does not hash to the target
      }
      return;
    }
    MutableItem m = data.pickValue(matching);
    put(r, "seq", shaped(new BInteger(m.seq())));
    if (data.consumeInt(0, 7) != 7) {
      put(r, "k", shaped(m.publicKey()));
      BString sig = m.signature();
      if (data.consumeInt(0, 7) == 7) {
        byte[] forged = sig.toByteArray();
        forged[0] ^= 1;
        sig = BString.of(forged);
      }
      put(r, "sig", shaped(sig));
      put(r, "v", shaped(NodeHarness.decode(m.value())));
    }
  }

  // ---------------------------------------------------------------- the node's own API

  private void command() {
    switch (data.consumeInt(0, 8)) {
      case 0:
        Endpoint to = data.consumeBoolean() ? data.pickValue(PEERS).endpoint() : source();
        track(harness.command(() -> harness.node.ping(to)));
        break;
      case 1:
        NodeId t1 = target(NodeHarness.STRANGER);
        track(harness.command(() -> harness.node.findNode(t1)));
        break;
      case 2:
        NodeId t2 = target(NodeHarness.STRANGER);
        track(harness.command(() -> harness.node.getPeers(t2)));
        break;
      case 3:
        NodeId t3 = target(NodeHarness.STRANGER);
        int port = data.consumeInt(0, 65535);
        track(harness.command(() -> harness.node.announce(t3, port)));
        break;
      case 4:
        NodeId t4 = target(NodeHarness.STRANGER);
        byte[] salt = data.pickValue(SignedItems.ALL).salt().toByteArray();
        track(harness.command(() -> harness.node.getItem(t4, salt)));
        break;
      case 5:
        Item item = item();
        OptionalLong cas = data.consumeBoolean() ? OptionalLong.of(data.consumeInt(0, 3)) : OptionalLong.empty();
        track(harness.command(() -> harness.node.putItem(item, cas)));
        break;
      case 6:
        List<Endpoint> seeds = new ArrayList<>();
        for (int i = data.consumeInt(0, 4); i > 0; i--) {
          seeds.add(data.pickValue(PEERS).endpoint());
        }
        track(harness.command(() -> harness.node.bootstrap(seeds)));
        break;
      case 7:
        Item durable = item();
        track(harness.command(() -> harness.node.putDurable(durable)));
        break;
      default:
        track(harness.command(() -> harness.node.handOffAll()));
        break;
    }
  }

  private Item item() {
    if (data.consumeBoolean()) {
      return data.pickValue(SignedItems.ALL);
    }
    return data.consumeBoolean() ? HELLO : ImmutableItem.ofBytes(data.consumeBytes(995));
  }

  // ---------------------------------------------------------------- replaying and damaging datagrams

  /** Sends again (possibly from elsewhere) one of the queries the node sent: it then talks to itself. */
  private void replay() {
    if (outstanding.isEmpty()) {
      return;
    }
    Outbound o = outstanding.get(data.consumeInt(0, outstanding.size() - 1));
    BDictionary.Builder args = BDictionary.builder().put("id", id(o.to).toBytes());
    NodeId target = targetOf(o.query);
    if (target != null) {
      args.put(o.query instanceof Query.GetPeers ? "info_hash" : "target", target.toBytes());
    }
    String method = o.query instanceof Query.Ping ? "ping" : o.query instanceof Query.GetPeers ? "get_peers"
        : o.query instanceof Query.Get ? "get" : "find_node";
    track(harness.deliver(data.consumeBoolean() ? o.to : source(), Messages.query(o.query.transactionId(), method, args)));
  }

  /** Mostly the bytes as built; sometimes truncated, a byte changed, or a byte string's length lied about. */
  private byte[] damaged(byte[] bytes) {
    switch (data.consumeInt(0, 15)) {
      case 13:
        return Arrays.copyOf(bytes, data.consumeInt(0, bytes.length));
      case 14:
        if (bytes.length > 0) {
          bytes[data.consumeInt(0, bytes.length - 1)] = data.consumeByte();
        }
        return bytes;
      case 15:
        byte[] longer = Arrays.copyOf(bytes, bytes.length + data.consumeInt(1, 8));
        longer[longer.length - 1] = 'e';
        return longer;
      default:
        return bytes;
    }
  }

  private void track(List<Sent> out) {
    for (Sent s : out) {
      if (s.message instanceof Query q) {
        outstanding.add(new Outbound(s.to, q));
        if (outstanding.size() > MAX_OUTSTANDING) {
          outstanding.remove(0);
        }
      }
    }
  }

  // ---------------------------------------------------------------- field generators

  private Endpoint source() {
    return data.pickValue(SOURCES);
  }

  /** The id a source normally uses: a simulated peer's own id, or a fixed id per stranger. */
  private static NodeId stableId(Endpoint e) {
    for (Contact c : PEERS) {
      if (c.endpoint().equals(e)) {
        return c.id();
      }
    }
    return Sha1.of(e.toString().getBytes(StandardCharsets.US_ASCII));
  }

  private NodeId id(Endpoint from) {
    switch (data.consumeInt(0, 15)) {
      case 13:
        return SELF;
      case 14:
        return data.pickValue(PEERS).id();
      case 15:
        return randomId();
      default:
        return stableId(from);
    }
  }

  private NodeId responderId(Endpoint to) {
    return data.consumeInt(0, 15) == 15 ? id(to) : stableId(to);
  }

  private NodeId target(Endpoint from) {
    switch (data.consumeInt(0, 8)) {
      case 0:
        return INFO_HASH;
      case 1:
        return HELLO.target();
      case 2:
        return data.pickValue(SignedItems.ALL).target();
      case 3:
        return SELF;
      case 4:
        return data.pickValue(PEERS).id();
      case 5:
        return SELF.withLowBitsFrom(randomId(), data.consumeInt(0, 160));
      case 6:
        return stableId(from);
      default:
        return randomId();
    }
  }

  private NodeId randomId() {
    return NodeId.of(Arrays.copyOf(data.consumeBytes(20), 20));
  }

  private BString tid() {
    switch (data.consumeInt(0, 7)) {
      case 5:
        return BString.of(new byte[0]);
      case 6:
        return BString.of(Arrays.copyOf(data.consumeBytes(4), 4));
      case 7:
        return BString.of(data.consumeBytes(data.consumeInt(0, 1_200)));
      default:
        return BString.of(Arrays.copyOf(data.consumeBytes(2), 2));
    }
  }

  private long port() {
    switch (data.consumeInt(0, 7)) {
      case 5:
        return 0;
      case 6:
        return 65_536;
      case 7:
        return data.consumeLong();
      default:
        return data.consumeInt(1, 65_535);
    }
  }

  private long seq() {
    switch (data.consumeInt(0, 3)) {
      case 2:
        return -1;
      case 3:
        return data.consumeLong();
      default:
        return data.consumeInt(0, 3);
    }
  }

  private long errorCode() {
    long[] codes = {201, 202, 203, 204, 205, 206, 207, 301, 302, -1, 10_000};
    return codes[data.consumeInt(0, codes.length - 1)];
  }

  private void want(BDictionary.Builder args) {
    if (data.consumeInt(0, 3) != 3) {
      return;
    }
    String[] options = {"n4", "n6", "n5", ""};
    List<BValue> list = new ArrayList<>();
    for (int i = data.consumeInt(0, 3); i > 0; i--) {
      list.add(BString.utf8(data.pickValue(options)));
    }
    put(args, "want", shaped(new BList(list)));
  }

  private void flag(BDictionary.Builder args, String key) {
    switch (data.consumeInt(0, 7)) {
      case 6:
        args.put(key, 1);
        break;
      case 7:
        put(args, key, shaped(new BInteger(data.consumeInt(-1, 2))));
        break;
      default:
        break;
    }
  }

  private byte[] compactNodes(boolean ipv6) {
    List<Contact> chosen = new ArrayList<>();
    for (int i = data.consumeInt(0, 8); i > 0; i--) {
      Contact c = data.pickValue(PEERS);
      switch (data.consumeInt(0, 7)) {
        case 6:
          c = new Contact(SELF, c.endpoint());
          break;
        case 7:
          c = new Contact(c.id(), new Endpoint(c.endpoint().address(), 0));
          break;
        default:
          break;
      }
      if (c.endpoint().isIpv6() == ipv6) {
        chosen.add(c);
      }
    }
    byte[] out = compact(chosen).toByteArray();
    return data.consumeInt(0, 15) == 15 ? Arrays.copyOf(out, data.consumeInt(0, out.length + 3)) : out;
  }

  private static BString compact(List<Contact> contacts) {
    int size = 0;
    for (Contact c : contacts) {
      size += NodeId.LENGTH + c.endpoint().compactLength();
    }
    byte[] out = new byte[size];
    int at = 0;
    for (Contact c : contacts) {
      at += c.writeCompact(out, at);
    }
    return BString.of(out);
  }

  private BList values() {
    List<BValue> out = new ArrayList<>();
    for (int i = data.consumeInt(0, 4); i > 0; i--) {
      int[] lengths = {6, 18, 5, 0};
      out.add(BString.of(Arrays.copyOf(data.consumeBytes(18), lengths[data.consumeInt(0, 3)])));
    }
    return new BList(out);
  }

  private byte[] externalAddress() {
    switch (data.consumeInt(0, 3)) {
      case 0:
        return new byte[] {(byte) 203, 0, 113, 7, 0x1a, (byte) 0xe1};
      case 1:
        return new byte[] {(byte) 198, 51, 100, (byte) data.consumeInt(1, 4), 0x1a, (byte) 0xe1};
      case 2:
        return Arrays.copyOf(data.consumeBytes(18), 18);
      default:
        return data.consumeBytes(8);
    }
  }

  private static NodeId targetOf(Query q) {
    if (q instanceof Query.FindNode f) {
      return f.target();
    } else if (q instanceof Query.GetPeers g) {
      return g.infoHash();
    } else if (q instanceof Query.Get g) {
      return g.target();
    } else if (q instanceof Query.SampleInfohashes s) {
      return s.target();
    } else if (q instanceof Query.AnnouncePeer a) {
      return a.infoHash();
    }
    return null;
  }

  /** Mostly {@code expected}; sometimes absent (null) or a value of the wrong type. */
  private BValue shaped(BValue expected) {
    switch (data.consumeInt(0, 15)) {
      case 13:
        return null;
      case 14:
        return new BInteger(data.consumeInt(-1, 70_000));
      case 15:
        return expected instanceof BString ? BList.of(expected) : BString.of(data.consumeBytes(24));
      default:
        return expected;
    }
  }

  private static void put(BDictionary.Builder b, String key, BValue value) {
    if (value != null) {
      b.put(key, value);
    }
  }
}
