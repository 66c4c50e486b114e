package io.dht.fuzz;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.ImmutableItem;
import io.dht.item.MemoryItemStore;
import io.dht.item.MutableItem;
import io.dht.krpc.KrpcCodec;
import io.dht.krpc.MalformedMessageException;
import io.dht.krpc.Message;
import io.dht.krpc.Query;
import io.dht.krpc.Response;
import io.dht.node.DhtConfig;
import io.dht.node.DhtNode;
import io.dht.routing.RoutingTable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One {@link DhtNode} on a fake clock with a capturing transport, plus the checks every fuzz step ends with. A
 * fresh harness per fuzz input, seeded identically, so that every input replays exactly.
 *
 * <p>Checks after each datagram, timer tick or command: nothing escaped the node; {@code internalErrors} is 0;
 * both routing tables pass {@link RoutingTable#checkInvariants()} and hold only their own address family; every
 * datagram the node sent decodes with {@link KrpcCodec}; and every reply (response or error) answers the query just
 * delivered (to its sender, echoing its transaction id, at most one) within 1,024 bytes, or 1,500 for a BEP 44 get
 * reply that carries a value.
 */
final class NodeHarness {
  static final long MS = 1_000_000L;
  static final long SECOND = 1_000 * MS;
  static final int MAX_REPLY_BYTES = 1_024;
  static final int MAX_GET_REPLY_WITH_VALUE_BYTES = 1_500;

  static final NodeId SELF = NodeId.parseHex("6e3f1a2b4c5d6e7f8091a2b3c4d5e6f708192a3b");
  /** Sources of fuzzed datagrams that the node has never heard from (the warm-up peers in {@link #PEERS} it knows). */
  static final Endpoint STRANGER = Endpoint.parse("127.0.0.2:6881");
  static final Endpoint STRANGER_2 = Endpoint.parse("127.0.0.3:51413");
  static final Endpoint STRANGER_V6 = Endpoint.parse("[::1]:6881");

  /** The info-hash the warm-up announces two peers under. */
  static final NodeId INFO_HASH = NodeId.parseHex("6d6e6f707172737475767778797a313233343536"); // "mnopqrstuvwxyz123456"
  /** BEP 44's immutable test item, which the warm-up stores with a put. */
  static final ImmutableItem HELLO = ImmutableItem.ofBytes("Hello World!".getBytes(StandardCharsets.US_ASCII));
  /** A mutable item (no salt, seq 1) the warm-up places straight into the item store. */
  static final MutableItem MUTABLE = SignedItems.ALL.get(2);

  /** Simulated remote nodes: IPv4 ones at every depth of our id's prefix, and two IPv6 ones. */
  static final List<Contact> PEERS = peers();
  /** The peers the warm-up puts into the routing tables. */
  static final int WARM_PEERS = 6;

  private static final byte[] FRAME_PREFIX = "d1:t2:aa".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FRAME_SUFFIX = "1:y1:qe".getBytes(StandardCharsets.US_ASCII);
  private static final HexFormat HEX = HexFormat.of();

  /** A datagram the node sent. */
  static final class Sent {
    final Endpoint to;
    final byte[] bytes;
    final Message message;

    Sent(Endpoint to, byte[] bytes, Message message) {
      this.to = to;
      this.bytes = bytes;
      this.message = message;
    }
  }

  final DhtNode node;
  private final MemoryItemStore items;
  private long now = 1_000 * SECOND;
  private final List<Endpoint> sentTo = new ArrayList<>();
  private final List<byte[]> sentBytes = new ArrayList<>();

  NodeHarness(DhtConfig config, long seed) {
    // the node's default item store, made here so that the warm-up can fill it without a signature check
    items = new MemoryItemStore(SELF, DhtNode.ITEM_TTL_NANOS, DhtNode.DEFAULT_MAX_ITEMS);
    node =
        new DhtNode(
            config,
            SELF,
            (to, data, off, len) -> {
              byte[] copy = new byte[len];
              System.arraycopy(data, off, copy, 0, len);
              sentTo.add(to);
              sentBytes.add(copy);
            },
            () -> now,
            new SplittableRandom(seed),
            items);
  }

  /**
   * A node with state: peers in both tables, two stored peers for {@link #INFO_HASH}, {@link #HELLO} and
   * {@link #MUTABLE} stored. The mutable item goes straight into the store: verifying its signature through a put
   * would cost milliseconds per fuzz input (puts are fuzzed in {@link Conversation}).
   */
  static NodeHarness warmedUp(DhtConfig config, long seed) {
    NodeHarness h = new NodeHarness(config, seed);
    if (!h.items.put(MUTABLE, h.now)) {
      throw new AssertionError("the empty store refused " + MUTABLE);
    }
    for (int i = 0; i < WARM_PEERS; i++) {
      h.introduce(PEERS.get(i));
    }
    h.introduce(PEERS.get(PEERS.size() - 1)); // IPv6
    Contact a = PEERS.get(0);
    Contact b = PEERS.get(1);
    h.announce(a, INFO_HASH, false);
    h.announce(b, INFO_HASH, true);
    BString token = h.tokenFor(a, "get", "target", HELLO.target());
    h.deliver(
        a.endpoint(),
        Messages.query(
            "wp",
            "put",
            BDictionary.builder().put("id", a.id().toBytes()).put("token", token).put("v", decode(HELLO.value()))));
    h.advance(SECOND);
    return h;
  }

  /** A peer sends us a ping, and answers the ping we send back to verify it. */
  private void introduce(Contact peer) {
    List<Sent> out = deliver(peer.endpoint(), Messages.query("in", "ping", idOnly(peer.id())));
    for (Sent s : out) {
      if (s.message instanceof Query && s.to.equals(peer.endpoint())) {
        deliver(peer.endpoint(), Messages.response(s.message.transactionId(), peer.id(), BDictionary.builder()));
      }
    }
  }

  private void announce(Contact peer, NodeId infoHash, boolean seed) {
    BString token = tokenFor(peer, "get_peers", "info_hash", infoHash);
    BDictionary.Builder args =
        idOnly(peer.id()).put("info_hash", infoHash.toBytes()).put("port", 6881).put("token", token);
    if (seed) {
      args.put("seed", 1);
    }
    deliver(peer.endpoint(), Messages.query("an", "announce_peer", args));
  }

  /** Asks the node with get or get_peers and returns the write token of its reply. */
  BString tokenFor(Contact peer, String method, String key, NodeId target) {
    List<Sent> out =
        deliver(peer.endpoint(), Messages.query("tk", method, idOnly(peer.id()).put(key, target.toBytes())));
    for (Sent s : out) {
      if (s.message instanceof Response r && r.token().isPresent()) {
        return r.token().get();
      }
    }
    throw new AssertionError("no token in reply to " + method + " from " + peer);
  }

  private static BDictionary.Builder idOnly(NodeId id) {
    return BDictionary.builder().put("id", id.toBytes());
  }

  /** Hands one datagram to the node (at an offset inside a larger array) and checks what follows. */
  List<Sent> deliver(Endpoint from, byte[] datagram) {
    int mark = sentBytes.size();
    byte[] framed = new byte[FRAME_PREFIX.length + datagram.length + FRAME_SUFFIX.length];
    System.arraycopy(FRAME_PREFIX, 0, framed, 0, FRAME_PREFIX.length);
    System.arraycopy(datagram, 0, framed, FRAME_PREFIX.length, datagram.length);
    System.arraycopy(FRAME_SUFFIX, 0, framed, FRAME_PREFIX.length + datagram.length, FRAME_SUFFIX.length);
    node.onDatagram(from, framed, FRAME_PREFIX.length, datagram.length);
    Expected expected = Expected.of(datagram);
    List<Sent> out = since(mark);
    int replies = 0;
    for (Sent s : out) {
      if (s.message instanceof Query) {
        continue; // the node's own query (verification ping, lookup step)
      }
      replies++;
      check(replies == 1, "more than one reply", s);
      check(expected.replyTid != null, "a reply to a datagram that was not a query", s);
      check(s.to.equals(from), "a reply to " + s.to + " for a query from " + from, s);
      check(s.message.transactionId().equals(expected.replyTid), "a reply with another transaction id", s);
      boolean getWithValue =
          expected.query instanceof Query.Get && s.message instanceof Response r && r.body().containsKey("v");
      int limit = getWithValue ? MAX_GET_REPLY_WITH_VALUE_BYTES : MAX_REPLY_BYTES;
      check(s.bytes.length <= limit, "a reply of " + s.bytes.length + " bytes (limit " + limit + ")", s);
    }
    checkState();
    return out;
  }

  /** Advances the fake clock and fires due timers; nothing sent from a timer may be a reply. */
  List<Sent> advance(long nanos) {
    int mark = sentBytes.size();
    now += nanos;
    node.tick();
    List<Sent> out = since(mark);
    checkNoReplies(out, "timer");
    checkState();
    return out;
  }

  /** Runs a command of the node's API (ping, lookups, puts); it may send queries, never replies. */
  List<Sent> command(Runnable command) {
    int mark = sentBytes.size();
    command.run();
    List<Sent> out = since(mark);
    checkNoReplies(out, "command");
    checkState();
    return out;
  }

  private void checkNoReplies(List<Sent> out, String what) {
    for (Sent s : out) {
      check(s.message instanceof Query, "a " + what + " sent a reply", s);
    }
  }

  void checkState() {
    long internalErrors = node.stats().internalErrors();
    if (internalErrors != 0) {
      throw new AssertionError("internalErrors = " + internalErrors + " (an exception was caught in the node)");
    }
    checkTable(node.routingTable(), false);
    checkTable(node.routingTable6(), true);
  }

  private static void checkTable(RoutingTable table, boolean ipv6) {
    table
        .checkInvariants()
        .ifPresent(v -> {
          throw new AssertionError("routing table" + (ipv6 ? "6" : "") + " invariant: " + v);
        });
    for (Contact c : table.contacts()) {
      if (c.endpoint().isIpv6() != ipv6) {
        throw new AssertionError("routing table" + (ipv6 ? "6" : "") + " holds " + c);
      }
    }
  }

  /** The datagrams sent since {@code mark}, each decoded (an undecodable one fails the input). */
  private List<Sent> since(int mark) {
    List<Sent> out = new ArrayList<>();
    for (int i = mark; i < sentBytes.size(); i++) {
      byte[] bytes = sentBytes.get(i);
      Message m;
      try {
        m = KrpcCodec.decode(bytes, 0, bytes.length);
      } catch (DecodeException | MalformedMessageException e) {
        throw new AssertionError(
            "the node sent an undecodable datagram to " + sentTo.get(i) + ": " + e.getMessage() + "\n"
                + HEX.formatHex(bytes),
            e);
      }
      out.add(new Sent(sentTo.get(i), bytes, m));
    }
    return out;
  }

  private static void check(boolean ok, String what, Sent s) {
    if (!ok) {
      throw new AssertionError(
          what + ": " + s.bytes.length + " bytes to " + s.to + ": " + printable(s.bytes));
    }
  }

  static String printable(byte[] bytes) {
    StringBuilder b = new StringBuilder();
    for (byte x : bytes) {
      int c = x & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        b.append((char) c);
      } else {
        b.append(String.format("\\x%02x", c));
      }
    }
    return b.toString();
  }

  static BValue decode(BString bencoded) {
    try {
      return Bencode.decode(bencoded.toByteArray());
    } catch (DecodeException e) {
      throw new AssertionError(e);
    }
  }

  /** What a delivered datagram entitles its sender to: a reply with this transaction id, or none. */
  private static final class Expected {
    final Query query;
    final BString replyTid;

    private Expected(Query query, BString replyTid) {
      this.query = query;
      this.replyTid = replyTid;
    }

    static Expected of(byte[] datagram) {
      try {
        Message m = KrpcCodec.decode(datagram, 0, datagram.length);
        return m instanceof Query q ? new Expected(q, q.transactionId()) : new Expected(null, null);
      } catch (DecodeException e) {
        return new Expected(null, null);
      } catch (MalformedMessageException e) {
        // a malformed query whose transaction id was readable earns error 203
        return new Expected(null, e.isQuery() ? e.transactionId().orElse(null) : null);
      }
    }
  }

  private static List<Contact> peers() {
    List<Contact> out = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      // peer i shares exactly (i * 3) % 20 leading bits with us, so the table splits as they arrive
      int depth = (i * 3) % 20;
      NodeId id = SELF.withBit(depth, !SELF.bit(depth)).withLowBitsFrom(NodeId.parseHex(hexOf(i)), depth + 1);
      out.add(new Contact(id, Endpoint.parse("127.0.1." + (i + 1) + ":" + (6881 + i))));
    }
    out.add(new Contact(NodeId.parseHex(hexOf(100)), Endpoint.parse("[::2]:6881")));
    out.add(new Contact(NodeId.parseHex(hexOf(101)), Endpoint.parse("[::3]:6882")));
    return List.copyOf(out);
  }

  private static String hexOf(int i) {
    // a fixed, well-mixed 160-bit pattern per index
    long a = (i + 1) * 0x9E3779B97F4A7C15L;
    long b = Long.rotateLeft(a, 17) * 0xBF58476D1CE4E5B9L;
    int c = (int) (b ^ (b >>> 31));
    return String.format("%016x%016x%08x", a, b, c);
  }
}
