package io.dht.krpc;

import static io.dht.krpc.Wire.bstr;
import static io.dht.krpc.Wire.bytes;
import static io.dht.krpc.Wire.dict;
import static io.dht.krpc.Wire.encode;
import static io.dht.krpc.Wire.list;
import static io.dht.krpc.Wire.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KrpcCodecTest {
  // BEP 5 examples, byte for byte
  static final String PING_QUERY = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
  static final String PING_REPLY = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
  static final String FIND_NODE_QUERY =
      "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe";
  static final String GET_PEERS_QUERY =
      "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe";
  static final String GET_PEERS_REPLY_VALUES =
      "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re";
  static final String ANNOUNCE_QUERY =
      "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:"
          + "aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";
  static final String ERROR = "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee";

  static final NodeId ABC = NodeId.of(bytes("abcdefghij0123456789"));
  static final NodeId MNO = NodeId.of(bytes("mnopqrstuvwxyz123456"));
  static final BString AA = bstr("aa");
  static final String ID = "abcdefghij0123456789";

  static Message decode(String iso) throws Exception {
    byte[] b = bytes(iso);
    return KrpcCodec.decode(b, 0, b.length);
  }

  static Message decode(byte[] b) throws Exception {
    return KrpcCodec.decode(b, 0, b.length);
  }

  static MalformedMessageException malformed(byte[] b) {
    MalformedMessageException e =
        catchThrowableOfType(MalformedMessageException.class, () -> KrpcCodec.decode(b, 0, b.length));
    assertThat(e).as("expected MalformedMessageException for %s", text(b)).isNotNull();
    return e;
  }


  static void assertPing(Message m, BString tid, NodeId sender, boolean readOnly) {
    assertThat(m).isInstanceOf(Query.Ping.class);
    Query.Ping p = (Query.Ping) m;
    assertThat(p.transactionId()).isEqualTo(tid);
    assertThat(p.sender()).isEqualTo(sender);
    assertThat(p.readOnly()).isEqualTo(readOnly);
  }

  static void assertFindNode(Message m, BString tid, NodeId sender, NodeId target) {
    assertThat(m).isInstanceOf(Query.FindNode.class);
    Query.FindNode f = (Query.FindNode) m;
    assertThat(f.transactionId()).isEqualTo(tid);
    assertThat(f.sender()).isEqualTo(sender);
    assertThat(f.target()).isEqualTo(target);
    assertThat(f.readOnly()).isFalse();
  }

  static void assertGetPeers(Message m, BString tid, NodeId sender, NodeId infoHash) {
    assertThat(m).isInstanceOf(Query.GetPeers.class);
    Query.GetPeers g = (Query.GetPeers) m;
    assertThat(g.transactionId()).isEqualTo(tid);
    assertThat(g.sender()).isEqualTo(sender);
    assertThat(g.infoHash()).isEqualTo(infoHash);
    assertThat(g.readOnly()).isFalse();
  }

  static void assertError(Message m, BString tid, int code, String text) {
    assertThat(m).isInstanceOf(ErrorReply.class);
    ErrorReply e = (ErrorReply) m;
    assertThat(e.transactionId()).isEqualTo(tid);
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.message()).isEqualTo(text);
  }

  // ------------------------------------------------------------------ golden vectors: decoding

  @Test
  void decodesBep5Ping() throws Exception {
    assertPing(decode(PING_QUERY), AA, ABC, false);
  }

  @Test
  void decodesBep5FindNode() throws Exception {
    assertFindNode(decode(FIND_NODE_QUERY), AA, ABC, MNO);
  }

  @Test
  void decodesBep5GetPeers() throws Exception {
    assertGetPeers(decode(GET_PEERS_QUERY), AA, ABC, MNO);
  }

  @Test
  void decodesBep5AnnouncePeer() throws Exception {
    Query.AnnouncePeer a = (Query.AnnouncePeer) decode(ANNOUNCE_QUERY);
    assertThat(a.transactionId()).isEqualTo(AA);
    assertThat(a.sender()).isEqualTo(ABC);
    assertThat(a.infoHash()).isEqualTo(MNO);
    assertThat(a.port()).isEqualTo(6881);
    assertThat(a.impliedPort()).isTrue();
    assertThat(a.token()).isEqualTo(bstr("aoeusnth"));
    assertThat(a.readOnly()).isFalse();
  }

  @Test
  void decodesBep5PingReply() throws Exception {
    Response r = (Response) decode(PING_REPLY);
    assertThat(r.transactionId()).isEqualTo(AA);
    assertThat(r.responder()).isEqualTo(MNO);
    assertThat(r.nodes()).isEmpty();
    assertThat(r.nodes6()).isEmpty();
    assertThat(r.values()).isEmpty();
    assertThat(r.token()).isEmpty();
    assertThat(r.requesterAddress()).isEmpty();
    assertThat(r.body().getString("id")).isEqualTo(bstr("mnopqrstuvwxyz123456"));
  }

  @Test
  void decodesBep5GetPeersReplyWithValues() throws Exception {
    Response r = (Response) decode(GET_PEERS_REPLY_VALUES);
    assertThat(r.transactionId()).isEqualTo(AA);
    assertThat(r.responder()).isEqualTo(ABC);
    assertThat(r.token()).contains(bstr("aoeusnth"));
    // "axje.u" = 97.120.106.101 port 0x2e75; "idhtnm" = 105.100.104.116 port 0x6e6d
    assertThat(r.values())
        .containsExactly(Endpoint.parse("97.120.106.101:11893"), Endpoint.parse("105.100.104.116:28269"));
    assertThat(r.nodes()).isEmpty();
  }

  @Test
  void decodesBep5Error() throws Exception {
    assertError(decode(ERROR), AA, 201, "A Generic Error Ocurred");
  }

  // ------------------------------------------------------------------ golden vectors: encoding

  @Test
  void encodesBep5PingExactly() {
    byte[] out = KrpcCodec.encodeQuery(AA, "ping", ABC, BDictionary.builder(), null, false);
    assertThat(text(out)).isEqualTo(PING_QUERY);
  }

  @Test
  void encodesBep5FindNodeGetPeersAndAnnounceExactly() {
    assertThat(
            text(
                KrpcCodec.encodeQuery(
                    AA, "find_node", ABC, BDictionary.builder().put("target", MNO.toBytes()), null, false)))
        .isEqualTo(FIND_NODE_QUERY);
    assertThat(
            text(
                KrpcCodec.encodeQuery(
                    AA, "get_peers", ABC, BDictionary.builder().put("info_hash", MNO.toBytes()), null, false)))
        .isEqualTo(GET_PEERS_QUERY);
    BDictionary.Builder announce =
        BDictionary.builder()
            .put("implied_port", 1L)
            .put("info_hash", MNO.toBytes())
            .put("port", 6881L)
            .put("token", bstr("aoeusnth"));
    assertThat(text(KrpcCodec.encodeQuery(AA, "announce_peer", ABC, announce, null, false)))
        .isEqualTo(ANNOUNCE_QUERY);
  }

  @Test
  void encodesBep5RepliesAndErrorExactly() {
    assertThat(text(KrpcCodec.encodeResponse(AA, MNO, BDictionary.builder(), null, null))).isEqualTo(PING_REPLY);
    BDictionary.Builder body =
        BDictionary.builder()
            .put("token", bstr("aoeusnth"))
            .put(
                "values",
                KrpcCodec.compactPeers(
                    List.of(Endpoint.parse("97.120.106.101:11893"), Endpoint.parse("105.100.104.116:28269"))));
    assertThat(text(KrpcCodec.encodeResponse(AA, ABC, body, null, null))).isEqualTo(GET_PEERS_REPLY_VALUES);
    assertThat(text(KrpcCodec.encodeError(AA, 201, "A Generic Error Ocurred", null, null))).isEqualTo(ERROR);
  }

  @Test
  void encodesIpVersionAndReadOnlyInCanonicalOrder() throws Exception {
    Endpoint requester = Endpoint.parse("1.2.3.4:6881");
    BString v = KrpcCodec.version("JD\u0000\u0001");
    assertThat(v.toByteArray()).containsExactly('J', 'D', 0, 1);

    byte[] reply = KrpcCodec.encodeResponse(AA, MNO, BDictionary.builder(), requester, v);
    assertThat(text(reply))
        .isEqualTo(
            "d2:ip6:\u0001\u0002\u0003\u0004\u001a\u00e1"
                + "1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:v4:JD\u0000\u00011:y1:re");
    assertThat(Bencode.encode(Bencode.decode(reply))).isEqualTo(reply);
    Response r = (Response) decode(reply);
    assertThat(r.requesterAddress()).contains(requester);

    byte[] error = KrpcCodec.encodeError(AA, 203, "bad token", requester, v);
    assertThat(text(error))
        .isEqualTo("d1:eli203e9:bad tokene2:ip6:\u0001\u0002\u0003\u0004\u001a\u00e11:t2:aa1:v4:JD\u0000\u00011:y1:ee");
    assertError(decode(error), AA, 203, "bad token");

    byte[] query = KrpcCodec.encodeQuery(AA, "ping", ABC, BDictionary.builder(), v, true);
    assertThat(text(query))
        .isEqualTo("d1:ad2:id20:abcdefghij0123456789e1:q4:ping2:roi1e1:t2:aa1:v4:JD\u0000\u00011:y1:qe");
    assertPing(decode(query), AA, ABC, true);
  }

  @Test
  void encodedResponseAndErrorAreCanonicalAndDecodeBack() throws Exception {
    Endpoint requester = Endpoint.parse("[2001:db8::7]:40000");
    List<Contact> nodes = List.of(new Contact(MNO, Endpoint.parse("9.8.7.6:5")));
    BDictionary.Builder body =
        BDictionary.builder().put("nodes", KrpcCodec.compactNodes(nodes)).put("token", bstr("tok"));
    byte[] reply = KrpcCodec.encodeResponse(bstr("xyz"), ABC, body, requester, bstr("UT12"));
    assertThat(Bencode.encode(Bencode.decode(reply))).isEqualTo(reply);
    Response r = (Response) decode(reply);
    assertThat(r.transactionId()).isEqualTo(bstr("xyz"));
    assertThat(r.responder()).isEqualTo(ABC);
    assertThat(r.nodes()).isEqualTo(nodes);
    assertThat(r.token()).contains(bstr("tok"));
    assertThat(r.requesterAddress()).contains(requester);

    byte[] error = KrpcCodec.encodeError(bstr("xyz"), 204, "Method Unknown", requester, null);
    assertThat(Bencode.encode(Bencode.decode(error))).isEqualTo(error);
    assertError(decode(error), bstr("xyz"), 204, "Method Unknown");
  }

  // ------------------------------------------------------------------ transaction ids

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 4, 40})
  void transactionIdsAreKeptExactly(int length) throws Exception {
    BString tid = BString.of(Wire.filler(length, length));
    assertThat(decode(KrpcCodec.encodeQuery(tid, "ping", ABC, BDictionary.builder(), null, false)).transactionId())
        .isEqualTo(tid);
    assertThat(decode(KrpcCodec.encodeResponse(tid, ABC, BDictionary.builder(), null, null)).transactionId())
        .isEqualTo(tid);
    assertThat(decode(KrpcCodec.encodeError(tid, 201, "x", null, null)).transactionId()).isEqualTo(tid);
    // and hand-made, not only through our own encoder
    assertPing(decode(encode(dict("a", dict("id", ID), "q", "ping", "t", tid, "y", "q"))), tid, ABC, false);
  }

  @Property(tries = 200)
  void anyTransactionIdRoundTrips(@ForAll @Size(max = 64) byte[] tid) throws Exception {
    BString t = BString.of(tid);
    assertFindNode(decode(KrpcCodec.encodeQuery(t, "find_node", ABC, BDictionary.builder().put("target", MNO.toBytes()),
            null, false)), t, ABC, MNO);
  }

  // ------------------------------------------------------------------ leniency

  @Test
  void unknownKeysAreIgnoredAtEveryLevel() throws Exception {
    byte[] query =
        encode(
            dict(
                "a",
                dict("id", ID, "target", "mnopqrstuvwxyz123456", "want", list("n4", "n6"), "zz", dict("x", 1)),
                "ip",
                "\u0001\u0002\u0003\u0004\u0000\u0001",
                "q",
                "find_node",
                "t",
                "aa",
                "v",
                "LT\u0001\u0002",
                "x-extension",
                list(1, "two", dict()),
                "y",
                "q"));
    assertFindNode(decode(query), AA, ABC, MNO);

    byte[] reply =
        encode(
            dict(
                "r",
                dict("id", "mnopqrstuvwxyz123456", "p", 6881, "samples", "ignored", "zz", list()),
                "t",
                "aa",
                "unknown",
                dict("deep", dict("deeper", list(1))),
                "y",
                "r"));
    Response r = (Response) decode(reply);
    assertThat(r.responder()).isEqualTo(MNO);
    assertThat(r.nodes()).isEmpty();

    byte[] error = encode(dict("e", list(202, "Server Error", "extra", 5), "t", "aa", "v", "XX00", "y", "e"));
    assertError(decode(error), AA, 202, "Server Error");
  }

  @Test
  void unknownMethodKeepsItsTarget() throws Exception {
    Query.Unknown withTarget =
        (Query.Unknown)
            decode(encode(dict("a", dict("id", ID, "target", "mnopqrstuvwxyz123456"), "q", "x_future_method",
                "t", "aa", "y", "q")));
    assertThat(withTarget.method()).isEqualTo("x_future_method");
    assertThat(withTarget.sender()).isEqualTo(ABC);
    assertThat(withTarget.target()).contains(MNO);
    assertThat(withTarget.transactionId()).isEqualTo(AA);

    Query.Unknown withInfoHash =
        (Query.Unknown)
            decode(encode(dict("a", dict("id", ID, "info_hash", "mnopqrstuvwxyz123456"), "q", "x_scrape", "t", "aa",
                "y", "q")));
    assertThat(withInfoHash.target()).contains(MNO);

    Query.Unknown without =
        (Query.Unknown) decode(encode(dict("a", dict("id", ID), "q", "vote", "t", "aa", "y", "q")));
    assertThat(without.method()).isEqualTo("vote");
    assertThat(without.target()).isEmpty();

    Query.Unknown shortTarget =
        (Query.Unknown)
            decode(encode(dict("a", dict("id", ID, "target", "too short"), "q", "x_get", "t", "aa", "y", "q")));
    assertThat(shortTarget.target()).isEmpty();
  }

  @Test
  void wantListIsDecoded() throws Exception {
    Query.FindNode both =
        (Query.FindNode)
            decode(encode(query("find_node", dict("id", ID, "target", "mnopqrstuvwxyz123456", "want",
                list("n6", "n4", "xx", 4)))));
    assertThat(both.want()).isEqualTo(Want.BOTH);
    Query.FindNode none = (Query.FindNode) decode(FIND_NODE_QUERY);
    assertThat(none.want()).isEqualTo(Want.SAME_FAMILY);
    Query.FindNode six =
        (Query.FindNode)
            decode(encode(query("find_node", dict("id", ID, "target", "mnopqrstuvwxyz123456", "want", list("n6")))));
    assertThat(six.want()).isEqualTo(Want.N6);
  }

  @Test
  void readOnlyFlag() throws Exception {
    assertThat(((Query) decode(encode(dict("a", dict("id", ID), "q", "ping", "ro", 1, "t", "aa", "y", "q"))))
            .readOnly())
        .isTrue();
    assertThat(((Query) decode(encode(dict("a", dict("id", ID), "q", "ping", "ro", 0, "t", "aa", "y", "q"))))
            .readOnly())
        .isFalse();
  }

  @Test
  void announceWithImpliedPortNeedsNoValidPort() throws Exception {
    Query.AnnouncePeer noPort =
        (Query.AnnouncePeer)
            decode(encode(dict("a", dict("id", ID, "implied_port", 1, "info_hash", "mnopqrstuvwxyz123456", "token",
                "tk"), "q", "announce_peer", "t", "aa", "y", "q")));
    assertThat(noPort.impliedPort()).isTrue();
    assertThat(noPort.token()).isEqualTo(bstr("tk"));

    Query.AnnouncePeer zeroPort =
        (Query.AnnouncePeer)
            decode(encode(dict("a", dict("id", ID, "implied_port", 1, "info_hash", "mnopqrstuvwxyz123456", "port",
                0, "token", "tk"), "q", "announce_peer", "t", "aa", "y", "q")));
    assertThat(zeroPort.impliedPort()).isTrue();

    Query.AnnouncePeer explicit =
        (Query.AnnouncePeer)
            decode(encode(dict("a", dict("id", ID, "implied_port", 0, "info_hash", "mnopqrstuvwxyz123456", "port",
                65535, "token", ""), "q", "announce_peer", "t", "aa", "y", "q")));
    assertThat(explicit.impliedPort()).isFalse();
    assertThat(explicit.port()).isEqualTo(65535);
    assertThat(explicit.token().length()).isZero();
  }

  // ------------------------------------------------------------------ malformed KRPC (valid bencode)

  static BDictionary query(String method, BDictionary args) {
    return dict("a", args, "q", method, "t", "aa", "y", "q");
  }

  static void assertMalformedQuery(BDictionary message) {
    MalformedMessageException e = malformed(Bencode.encode(message));
    assertThat(e.isQuery()).as("isQuery for %s", message).isTrue();
    assertThat(e.transactionId()).as("tid for %s", message).contains(AA);
    assertThat(e.getMessage()).isNotBlank();
  }

  @Test
  void malformedQueriesKeepTheirTransactionId() {
    String ih = "mnopqrstuvwxyz123456";
    assertMalformedQuery(dict("q", "ping", "t", "aa", "y", "q")); // no a
    assertMalformedQuery(dict("a", "not a dict", "q", "ping", "t", "aa", "y", "q"));
    assertMalformedQuery(dict("a", dict("id", ID), "t", "aa", "y", "q")); // no q
    assertMalformedQuery(query("ping", dict())); // no id
    assertMalformedQuery(query("ping", dict("id", "abcdefghij012345678"))); // 19 bytes
    assertMalformedQuery(query("ping", dict("id", "abcdefghij0123456789X"))); // 21 bytes
    assertMalformedQuery(query("ping", dict("id", 12345)));
    assertMalformedQuery(query("find_node", dict("id", ID)));
    assertMalformedQuery(query("find_node", dict("id", ID, "target", "mnopqrstuvwxyz12345")));
    assertMalformedQuery(query("get_peers", dict("id", ID)));
    assertMalformedQuery(query("get_peers", dict("id", ID, "info_hash", 7)));
    assertMalformedQuery(query("announce_peer", dict("id", ID, "info_hash", ih, "port", 6881)));
    assertMalformedQuery(query("announce_peer", dict("id", ID, "info_hash", ih, "port", 6881, "token", 5)));
    assertMalformedQuery(query("announce_peer", dict("id", ID, "port", 6881, "token", "tk")));
    assertMalformedQuery(query("announce_peer", dict("id", ID, "info_hash", ih, "port", 0, "token", "tk")));
    assertMalformedQuery(
        query("announce_peer", dict("id", ID, "implied_port", 0, "info_hash", ih, "port", 0, "token", "tk")));
    assertMalformedQuery(query("announce_peer", dict("id", ID, "info_hash", ih, "port", 65536, "token", "tk")));
    assertMalformedQuery(query("announce_peer", dict("id", ID, "info_hash", ih, "port", -1, "token", "tk")));
    assertMalformedQuery(query("announce_peer", dict("id", ID, "info_hash", ih, "token", "tk")));
  }

  @Test
  void queryWithoutTransactionIdIsMalformedWithoutOne() {
    MalformedMessageException e = malformed(encode(dict("a", dict("id", ID), "q", "ping", "y", "q")));
    assertThat(e.isQuery()).isTrue();
    assertThat(e.transactionId()).isEmpty();
    MalformedMessageException intTid = malformed(encode(dict("a", dict("id", ID), "q", "ping", "t", 5, "y", "q")));
    assertThat(intTid.transactionId()).isEmpty();
  }

  @Test
  void badMessageTypeIsNotAQuery() {
    for (BDictionary m :
        List.of(
            dict("a", dict("id", ID), "q", "ping", "t", "aa"),
            dict("a", dict("id", ID), "q", "ping", "t", "aa", "y", "x"),
            dict("a", dict("id", ID), "q", "ping", "t", "aa", "y", "qq"),
            dict("a", dict("id", ID), "q", "ping", "t", "aa", "y", ""),
            dict("a", dict("id", ID), "q", "ping", "t", "aa", "y", 113))) {
      MalformedMessageException e = malformed(Bencode.encode(m));
      assertThat(e.isQuery()).as("%s", m).isFalse();
      assertThat(e.transactionId()).as("%s", m).contains(AA);
    }
  }

  @Test
  void topLevelMustBeADictionary() {
    for (Object top : List.<Object>of(list("t", "aa", "y", "q"), "d1:t2:aae", 42)) {
      MalformedMessageException e = malformed(encode(top));
      assertThat(e.isQuery()).isFalse();
      assertThat(e.transactionId()).isEmpty();
    }
  }

  @Test
  void malformedResponsesAndErrors() {
    List<BDictionary> bad =
        List.of(
            dict("t", "aa", "y", "r"), // no r
            dict("r", "x", "t", "aa", "y", "r"),
            dict("r", dict(), "t", "aa", "y", "r"), // no id
            dict("r", dict("id", "mnopqrstuvwxyz12345"), "t", "aa", "y", "r"),
            dict("r", dict("id", 5), "t", "aa", "y", "r"),
            dict("r", dict("id", ID, "nodes", new byte[27]), "t", "aa", "y", "r"),
            dict("r", dict("id", ID, "nodes", new byte[25]), "t", "aa", "y", "r"),
            dict("r", dict("id", ID, "nodes6", new byte[39]), "t", "aa", "y", "r"),
            dict("r", dict("id", ID, "nodes6", new byte[26]), "t", "aa", "y", "r"),
            dict("t", "aa", "y", "e"), // no e
            dict("e", list(), "t", "aa", "y", "e"),
            dict("e", list("201", "x"), "t", "aa", "y", "e"),
            dict("e", "201", "t", "aa", "y", "e"));
    for (BDictionary m : bad) {
      MalformedMessageException e = malformed(Bencode.encode(m));
      assertThat(e.isQuery()).as("%s", m).isFalse();
      assertThat(e.transactionId()).as("%s", m).contains(AA);
    }
  }

  @Test
  void notBencodeIsADecodeException() {
    for (String s :
        List.of("", "garbage", "d1:t2:aa", "d1:t2:aa1:y1:qee", "d2:zz1:x1:a1:ye", "l", "4294967296:x", "i12")) {
      byte[] b = bytes(s);
      assertThatThrownBy(() -> KrpcCodec.decode(b, 0, b.length)).as(s).isInstanceOf(DecodeException.class);
    }
    // every proper prefix of a valid message
    byte[] ping = bytes(PING_QUERY);
    for (int n = 0; n < ping.length; n++) {
      int len = n;
      assertThatThrownBy(() -> KrpcCodec.decode(ping, 0, len)).isInstanceOf(DecodeException.class);
    }
  }

  @Test
  void decodesASliceOfALargerBuffer() throws Exception {
    byte[] msg = bytes(PING_QUERY);
    byte[] buffer = new byte[msg.length + 20];
    java.util.Arrays.fill(buffer, (byte) 'x');
    System.arraycopy(msg, 0, buffer, 7, msg.length);
    assertPing(KrpcCodec.decode(buffer, 7, msg.length), AA, ABC, false);
  }

  // ------------------------------------------------------------------ responses

  @Test
  void valuesOfBadSizeAreSkipped() throws Exception {
    byte[] v4 = {1, 2, 3, 4, 0x1a, (byte) 0xe1};
    byte[] v6 = Endpoint.parse("[2001:db8::1]:80").toCompact();
    Response r =
        (Response)
            decode(encode(dict("r", dict("id", ID, "values", list(v4, new byte[5], 17, v6, new byte[7], dict())),
                "t", "aa", "y", "r")));
    assertThat(r.values()).containsExactly(Endpoint.parse("1.2.3.4:6881"), Endpoint.parse("[2001:db8::1]:80"));
  }

  @Test
  void ipFieldIsTheRequesterAddress() throws Exception {
    Endpoint v4 = Endpoint.parse("5.6.7.8:9");
    Endpoint v6 = Endpoint.parse("[2001:db8::5]:65535");
    assertThat(((Response) decode(encode(dict("ip", v4.toCompact(), "r", dict("id", ID), "t", "aa", "y", "r"))))
            .requesterAddress())
        .contains(v4);
    assertThat(((Response) decode(encode(dict("ip", v6.toCompact(), "r", dict("id", ID), "t", "aa", "y", "r"))))
            .requesterAddress())
        .contains(v6);
    assertThat(((Response) decode(encode(dict("ip", new byte[5], "r", dict("id", ID), "t", "aa", "y", "r"))))
            .requesterAddress())
        .isEmpty();
  }

  @Test
  void nodesAndNodes6AreDecoded() throws Exception {
    List<Contact> v4 =
        List.of(new Contact(MNO, Endpoint.parse("1.1.1.1:1")), new Contact(ABC, Endpoint.parse("2.2.2.2:65535")));
    List<Contact> v6 = List.of(new Contact(ABC, Endpoint.parse("[2001:db8::9]:6881")));
    Response r =
        (Response)
            decode(encode(dict("r", dict("id", ID, "nodes", KrpcCodec.compactNodes(v4), "nodes6",
                KrpcCodec.compactNodes(v6)), "t", "aa", "y", "r")));
    assertThat(r.nodes()).isEqualTo(v4);
    assertThat(r.nodes6()).isEqualTo(v6);
    assertThat(KrpcCodec.compactNodes(v4)).hasSize(52);
    assertThat(KrpcCodec.compactNodes(v6)).hasSize(38);
  }

  @Test
  void nodesWithPortZeroAreDropped() throws Exception {
    byte[] nodes =
        KrpcCodec.compactNodes(
            List.of(new Contact(MNO, Endpoint.parse("1.1.1.1:1")), new Contact(ABC, new Endpoint(
                Endpoint.parseAddress("3.3.3.3"), 0))));
    Response r = (Response) decode(encode(dict("r", dict("id", ID, "nodes", nodes), "t", "aa", "y", "r")));
    assertThat(r.nodes()).containsExactly(new Contact(MNO, Endpoint.parse("1.1.1.1:1")));
  }

  @Test
  void errorCodesOutOfRangeBecomeGeneric() throws Exception {
    assertError(decode(encode(dict("e", list(99999, "x"), "t", "aa", "y", "e"))), AA, 201, "x");
    assertError(decode(encode(dict("e", list(-5), "t", "aa", "y", "e"))), AA, 201, "");
    assertError(decode(encode(dict("e", list(204, 7), "t", "aa", "y", "e"))), AA, 204, "");
  }

  // ------------------------------------------------------------------ properties

  @Provide
  Arbitrary<Contact> contactsV4() {
    return Combinators.combine(
            Arbitraries.bytes().array(byte[].class).ofSize(20),
            Arbitraries.bytes().array(byte[].class).ofSize(4),
            Arbitraries.integers().between(1, 65535))
        .as((id, ip, port) -> new Contact(NodeId.of(id), Endpoint.of(ip, port)));
  }

  @Provide
  Arbitrary<Contact> contactsV6() {
    return Combinators.combine(
            Arbitraries.bytes().array(byte[].class).ofSize(20),
            Arbitraries.bytes().array(byte[].class).ofSize(16),
            Arbitraries.integers().between(1, 65535))
        .as(
            (id, ip, port) -> {
              ip[0] = (byte) (0x20 | (ip[0] & 0x1f)); // global unicast, never IPv4-mapped
              return new Contact(NodeId.of(id), Endpoint.of(ip, port));
            });
  }

  @Property(tries = 300)
  void compactNodesRoundTripThroughAResponse(
      @ForAll @Size(max = 16) List<@From("contactsV4") Contact> v4,
      @ForAll @Size(max = 8) List<@From("contactsV6") Contact> v6,
      @ForAll @Size(max = 12) List<@From("contactsV4") Contact> peers)
      throws Exception {
    BDictionary.Builder body = BDictionary.builder();
    if (!v4.isEmpty()) {
      body.put("nodes", KrpcCodec.compactNodes(v4));
    }
    if (!v6.isEmpty()) {
      body.put("nodes6", KrpcCodec.compactNodes(v6));
    }
    List<Endpoint> peerEndpoints = new ArrayList<>();
    peers.forEach(c -> peerEndpoints.add(c.endpoint()));
    v6.forEach(c -> peerEndpoints.add(c.endpoint()));
    body.put("values", KrpcCodec.compactPeers(peerEndpoints));
    byte[] wire = KrpcCodec.encodeResponse(AA, ABC, body, null, null);
    Response r = (Response) decode(wire);
    assertThat(r.nodes()).isEqualTo(v4);
    assertThat(r.nodes6()).isEqualTo(v6);
    assertThat(r.values()).isEqualTo(peerEndpoints);
    assertThat(r.token()).isEqualTo(Optional.empty());
    assertThat(Bencode.encode(Bencode.decode(wire))).isEqualTo(wire);
  }

  // ------------------------------------------------------------------ writeResponse

  /**
   * {@link KrpcCodec#writeResponse} writes exactly what {@link KrpcCodec#encodeResponse} encodes for the same
   * parts, at any offset, and {@link KrpcCodec#responseLength} is its length: transaction ids of 0 to 64 bytes,
   * IPv4, IPv6 or no requester, with and without a version, each optional part absent, empty or full.
   */
  @Property(tries = 1000)
  void writeResponseIsEncodeResponseByteForByte(
      @ForAll @Size(max = 64) byte[] tid,
      @ForAll @IntRange(min = 0, max = 2) int requesterKind,
      @ForAll @Size(max = 6) byte[] version,
      @ForAll boolean withVersion,
      @ForAll @IntRange(min = -1, max = 8) int nodes,
      @ForAll @IntRange(min = -1, max = 8) int nodes6,
      @ForAll @Size(max = 20) byte[] token,
      @ForAll boolean withToken,
      @ForAll @IntRange(min = -1, max = 60) int values,
      @ForAll boolean values6,
      @ForAll @IntRange(min = 0, max = 7) int offset,
      @ForAll long seed) {
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    Endpoint requester =
        requesterKind == 0 ? null : requesterKind == 1 ? randomEndpoint(r, false) : randomEndpoint(r, true);
    List<Contact> n4 = nodes < 0 ? null : randomContacts(r, nodes, false);
    List<Contact> n6 = nodes6 < 0 ? null : randomContacts(r, nodes6, true);
    List<Endpoint> peers = values < 0 ? null : new ArrayList<>();
    for (int i = 0; i < values; i++) {
      peers.add(randomEndpoint(r, values6));
    }
    BString t = BString.of(tid);
    BString v = withVersion ? BString.of(version) : null;
    BString tok = withToken ? BString.of(token) : null;
    NodeId self = NodeId.random(r);

    BDictionary.Builder body = BDictionary.builder();
    if (n4 != null) {
      body.put("nodes", KrpcCodec.compactNodes(n4));
    }
    if (n6 != null) {
      body.put("nodes6", KrpcCodec.compactNodes(n6));
    }
    if (tok != null) {
      body.put("token", tok);
    }
    if (peers != null) {
      body.put("values", KrpcCodec.compactPeers(peers));
    }
    byte[] expected = KrpcCodec.encodeResponse(t, self, body, requester, v);

    int length = KrpcCodec.responseLength(t, n4, n6, tok, peers, requester, v);
    assertThat(length).isEqualTo(expected.length);
    byte[] out = new byte[offset + length + 3];
    int written = KrpcCodec.writeResponse(out, offset, t, self, n4, n6, tok, peers, requester, v);
    assertThat(written).isEqualTo(length);
    assertThat(text(java.util.Arrays.copyOfRange(out, offset, offset + written))).isEqualTo(text(expected));
    assertThat(java.util.Arrays.copyOfRange(out, offset + written, out.length)).containsOnly(0);
    byte[] small = new byte[offset + length - 1];
    assertThatThrownBy(() -> KrpcCodec.writeResponse(small, offset, t, self, n4, n6, tok, peers, requester, v))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  private static Endpoint randomEndpoint(java.util.SplittableRandom r, boolean ipv6) {
    byte[] address = new byte[ipv6 ? 16 : 4];
    r.nextBytes(address);
    if (ipv6) {
      address[0] = 0x20; // not an IPv4-mapped address
    }
    return Endpoint.of(address, 1 + r.nextInt(65535));
  }

  private static List<Contact> randomContacts(java.util.SplittableRandom r, int n, boolean ipv6) {
    List<Contact> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Contact(NodeId.random(r), randomEndpoint(r, ipv6)));
    }
    return out;
  }
}
