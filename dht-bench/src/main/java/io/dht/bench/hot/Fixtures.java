package io.dht.bench.hot;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.krpc.KrpcCodec;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Typical KRPC messages and id sets shared by the hot-path benchmarks. Deterministic (fixed seeds). */
final class Fixtures {
  private Fixtures() {}

  /** BEP 5's own examples, byte for byte. */
  static final String PING_Q = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
  static final String PING_R = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
  static final String FIND_NODE_Q =
      "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe";
  static final String GET_PEERS_Q =
      "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe";
  static final String ANNOUNCE_Q =
      "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:"
          + "aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** A message by name: the BEP 5 examples plus a find_node reply with 8 nodes and a get_peers reply with 50 values. */
  static byte[] message(String name) {
    switch (name) {
      case "ping_q": return ascii(PING_Q);
      case "find_node_q": return ascii(FIND_NODE_Q);
      case "get_peers_q": return ascii(GET_PEERS_Q);
      case "announce_q": return ascii(ANNOUNCE_Q);
      case "ping_r": return ascii(PING_R);
      case "find_node_r8": return findNodeReply(8);
      case "get_peers_r50": return getPeersReply(50);
      default: throw new IllegalArgumentException(name);
    }
  }

  /** A find_node reply as our node sends it: r.id, r.nodes (n x 26 bytes), t, y, ip and v. */
  static byte[] findNodeReply(int n) {
    SplittableRandom r = new SplittableRandom(1);
    List<Contact> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nodes.add(new Contact(randomId(r), endpoint(i)));
    }
    BDictionary.Builder body = BDictionary.builder().put("nodes", KrpcCodec.compactNodes(nodes));
    return KrpcCodec.encodeResponse(BString.utf8("aa"), randomId(r), body, endpoint(999), KrpcCodec.version("JD\0\1"));
  }

  /** A get_peers reply with a token and {@code n} compact peers (values), as BEP 5 describes it. */
  static byte[] getPeersReply(int n) {
    SplittableRandom r = new SplittableRandom(2);
    List<Endpoint> peers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      peers.add(endpoint(i));
    }
    byte[] token = new byte[8];
    r.nextBytes(token);
    BDictionary.Builder body =
        BDictionary.builder().put("token", BString.of(token)).put("values", KrpcCodec.compactPeers(peers));
    return KrpcCodec.encodeResponse(BString.utf8("aa"), randomId(r), body, endpoint(999), KrpcCodec.version("JD\0\1"));
  }

  static BValue decode(byte[] b) {
    try {
      return Bencode.decode(b);
    } catch (io.dht.bencode.DecodeException e) {
      throw new IllegalStateException(e);
    }
  }

  static NodeId randomId(SplittableRandom r) {
    byte[] b = new byte[NodeId.LENGTH];
    r.nextBytes(b);
    return NodeId.of(b);
  }

  /** 127.2.X.Y:6881, distinct per i (loopback addresses; the benchmarks send nothing anywhere). */
  static Endpoint endpoint(int i) {
    try {
      return new Endpoint(
          InetAddress.getByAddress(new byte[] {127, 2, (byte) (i / 250), (byte) (1 + i % 250)}), 6881 + i % 1000);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code n} ids spread over the buckets of {@code self} the way a real table fills: 8 sharing exactly 0 bits of
   * prefix with self, 8 sharing exactly 1, and so on, so a table of k = 8 keeps them all.
   */
  static List<NodeId> bucketFillingIds(NodeId self, int n, SplittableRandom r) {
    List<NodeId> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int depth = i / 8;
      NodeId id = NodeId.randomWithPrefix(self, depth, r);
      out.add(id.withBit(depth, !self.bit(depth)));
    }
    return out;
  }
}
