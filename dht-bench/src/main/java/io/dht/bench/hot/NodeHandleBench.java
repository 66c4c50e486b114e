package io.dht.bench.hot;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.ImmutableItem;
import io.dht.krpc.KrpcCodec;
import io.dht.krpc.Message;
import io.dht.krpc.Query;
import io.dht.krpc.Response;
import io.dht.node.DhtConfig;
import io.dht.node.DhtNode;
import io.dht.node.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One query handled end to end, bytes in to bytes out: {@link DhtNode#onDatagram} with a capturing {@link
 * Transport}, on a node with the benchmark settings of {@code dht node --private} (no rate limits) whose routing
 * table holds about 200 contacts that answered it. The querier is one of those contacts (the steady state: known
 * nodes ask). Queries rotate over 1024 targets / info-hashes. {@code get_peers_values} asks for an info-hash with
 * 50 stored peers; {@code announce_peer} carries a valid token from an earlier get_peers reply; {@code get} asks
 * for a stored 100-byte immutable item.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class NodeHandleBench {
  @Param({"ping", "find_node", "get_peers", "get_peers_values", "announce_peer", "get"})
  public String query;

  /** The transport: remembers the last datagram (so the benchmark can read replies during setup). */
  static final class Capture implements Transport {
    byte[] last = new byte[0];
    int lastLength;
    long bytes;
    long count;

    @Override
    public void send(Endpoint to, byte[] data, int offset, int length) {
      last = data;
      lastLength = length;
      bytes += length;
      count++;
    }
  }

  private final Capture transport = new Capture();
  private DhtNode node;
  private Endpoint querier;
  private byte[][] datagrams;
  private int next;

  /** The node's clock: fixed, so token epochs and table states cannot drift during a run. */
  private static final long NOW = 1_000_000_000_000L;

  @Setup
  public void setup() throws Exception {
    SplittableRandom r = new SplittableRandom(7);
    NodeId self = Fixtures.randomId(r);
    node = new DhtNode(DhtConfig.privateNetwork(), self, transport, () -> NOW, new java.util.Random(3));
    // Fill the table the only way the node allows: ping 200 contacts and feed back their replies.
    List<NodeId> ids = Fixtures.bucketFillingIds(self, 200, r);
    for (int i = 0; i < ids.size(); i++) {
      Endpoint ep = Fixtures.endpoint(i);
      node.ping(ep);
      Query.Ping sent = (Query.Ping) decode(transport.last, transport.lastLength);
      byte[] reply = KrpcCodec.encodeResponse(sent.transactionId(), ids.get(i), BDictionary.builder(), ep, null);
      node.onDatagram(ep, reply, 0, reply.length);
    }
    int size = node.routingTable().size();
    if (size < 150) {
      throw new IllegalStateException("routing table has only " + size + " contacts");
    }
    Contact known = node.routingTable().contacts().get(size / 2);
    querier = known.endpoint();
    NodeId me = known.id();

    NodeId[] keys = new NodeId[1024];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = Fixtures.randomId(r);
    }
    datagrams = new byte[keys.length][];
    for (int i = 0; i < keys.length; i++) {
      BString tid = BString.of(new byte[] {(byte) (i >>> 8), (byte) i});
      BDictionary.Builder args = BDictionary.builder();
      String method = query;
      switch (query) {
        case "ping":
          break;
        case "find_node":
          args.put("target", keys[i].toBytes());
          break;
        case "get_peers":
          args.put("info_hash", keys[i].toBytes());
          break;
        case "get_peers_values":
          method = "get_peers";
          args.put("info_hash", keys[i % 16].toBytes());
          break;
        case "announce_peer":
          args.put("info_hash", keys[i].toBytes()).put("port", 6881).put("token", tokenFor(me, keys[i]));
          break;
        case "get":
          args.put("target", item(keys, i).target().toBytes());
          break;
        default:
          throw new IllegalArgumentException(query);
      }
      datagrams[i] = KrpcCodec.encodeQuery(tid, method, me, args, KrpcCodec.version("LG\0\1"), false);
    }
    if (query.equals("get_peers_values")) {
      for (int k = 0; k < 16; k++) {
        for (int p = 0; p < 50; p++) {
          node.peerStore().announce(keys[k], Fixtures.endpoint(1000 + p), NOW);
        }
      }
    }
    if (query.equals("get")) {
      for (int i = 0; i < keys.length; i++) {
        node.itemStore().put(item(keys, i), NOW);
      }
    }
    // Check once that every query gets a reply (not an error) before measuring.
    for (byte[] d : datagrams) {
      long before = transport.count;
      node.onDatagram(querier, d, 0, d.length);
      Message m = decode(transport.last, transport.lastLength);
      if (transport.count != before + 1 || !(m instanceof Response)) {
        throw new IllegalStateException(query + " got " + m);
      }
    }
  }

  private static ImmutableItem item(NodeId[] keys, int i) {
    byte[] v = new byte[100];
    keys[i].writeTo(v, 0);
    return ImmutableItem.ofBytes(v);
  }

  private byte[] tokenFor(NodeId me, NodeId infoHash) throws Exception {
    BDictionary.Builder args = BDictionary.builder().put("info_hash", infoHash.toBytes());
    byte[] q = KrpcCodec.encodeQuery(BString.utf8("tk"), "get_peers", me, args, null, false);
    node.onDatagram(querier, q, 0, q.length);
    Response r = (Response) decode(transport.last, transport.lastLength);
    return r.token().orElseThrow().toByteArray();
  }

  private static Message decode(byte[] b, int len) throws Exception {
    return KrpcCodec.decode(b, 0, len);
  }

  @Benchmark
  public long handle() {
    byte[] d = datagrams[next++ & (datagrams.length - 1)];
    node.onDatagram(querier, d, 0, d.length);
    return transport.bytes;
  }

  /** For a quick look at one reply (size) outside JMH. */
  public static void main(String[] args) throws Exception {
    for (String q : new String[] {"ping", "find_node", "get_peers", "get_peers_values", "announce_peer", "get"}) {
      NodeHandleBench b = new NodeHandleBench();
      b.query = q;
      b.setup();
      b.handle();
      System.out.println(q + ": query " + b.datagrams[0].length + " bytes, reply " + b.transport.lastLength
          + " bytes: " + Bencode.decode(java.util.Arrays.copyOf(b.transport.last, b.transport.lastLength)));
    }
  }
}
