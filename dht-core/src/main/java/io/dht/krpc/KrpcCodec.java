package io.dht.krpc;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BInteger;
import io.dht.bencode.BList;
import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import io.dht.bencode.DecodeLimits;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Pure translation between KRPC datagrams and {@link Message}s (BEP 5, with BEP 32's {@code nodes6}, BEP 42's
 * {@code ip} and BEP 43's {@code ro}). Unknown keys are ignored; transaction ids of any length are kept exactly.
 * Decoding never throws anything but its two checked exceptions.
 */
public final class KrpcCodec {
  private static final DecodeLimits LIMITS = DecodeLimits.krpc();

  // The fixed parts of a response written by writeResponse, in canonical key order.
  private static final byte[] IP = ascii("2:ip");
  private static final byte[] R_D_ID = ascii("1:rd2:id20:");
  private static final byte[] NODES = ascii("5:nodes");
  private static final byte[] NODES6 = ascii("6:nodes6");
  private static final byte[] TOKEN = ascii("5:token");
  private static final byte[] VALUES_L = ascii("6:valuesl");
  private static final byte[] E_T = ascii("e1:t");
  private static final byte[] V = ascii("1:v");
  private static final byte[] Y_R_E = ascii("1:y1:re");

  private KrpcCodec() {}

  /**
   * Decodes one datagram. The common queries (ping, find_node, get_peers, announce_peer) are read straight from
   * the bytes by {@link FastQuery}; everything else, and everything that path declines, goes through the bencode
   * tree ({@link #decodeTree}). Both give the same result for the same bytes.
   *
   * @throws DecodeException when the bytes are not bencode within limits: drop the datagram and count it
   * @throws MalformedMessageException when the bencode is not a KRPC message: answer 203 if it was a query
   * @throws IndexOutOfBoundsException if the range is not inside {@code data}
   */
  public static Message decode(byte[] data, int offset, int length)
      throws DecodeException, MalformedMessageException {
    Objects.checkFromIndexSize(offset, length, data.length);
    Query fast = FastQuery.tryDecode(data, offset, length);
    if (fast != null) {
      return fast;
    }
    return decodeTree(data, offset, length);
  }

  /**
   * Decodes one datagram through a full bencode tree: the reference path, used for everything {@link FastQuery}
   * does not decode. Package-private so that tests can compare the two.
   */
  static Message decodeTree(byte[] data, int offset, int length)
      throws DecodeException, MalformedMessageException {
    BValue root = Bencode.decode(data, offset, length, LIMITS);
    if (!(root instanceof BDictionary msg)) {
      throw new MalformedMessageException("message is not a dictionary", null, false);
    }
    BString tid = msg.getString("t");
    BString type = msg.getString("y");
    boolean isQuery = type != null && type.length() == 1 && type.byteAt(0) == 'q';
    if (tid == null) {
      throw new MalformedMessageException("missing transaction id 't'", null, isQuery);
    }
    if (type == null || type.length() != 1) {
      throw new MalformedMessageException("missing or bad message type 'y'", tid, false);
    }
    switch (type.byteAt(0)) {
      case 'q':
        return decodeQuery(msg, tid);
      case 'r':
        return decodeResponse(msg, tid);
      case 'e':
        return decodeError(msg, tid);
      default:
        throw new MalformedMessageException("unknown message type '" + type + "'", tid, false);
    }
  }

  private static Query decodeQuery(BDictionary msg, BString tid) throws MalformedMessageException {
    BString method = msg.getString("q");
    if (method == null) {
      throw bad("missing method 'q'", tid);
    }
    BDictionary args = msg.getDictionary("a");
    if (args == null) {
      throw bad("missing arguments 'a'", tid);
    }
    NodeId sender = requireId(args, "id", tid);
    BInteger ro = msg.getInteger("ro");
    boolean readOnly = ro != null && ro.value() == 1;
    String name = method.asUtf8();
    Want want = want(args);
    switch (name) {
      case "ping":
        return new Query.Ping(tid, sender, readOnly);
      case "find_node":
        return new Query.FindNode(tid, sender, requireId(args, "target", tid), readOnly, want);
      case "get_peers":
        return new Query.GetPeers(
            tid,
            sender,
            requireId(args, "info_hash", tid),
            readOnly,
            want,
            flag(args, "noseed"),
            flag(args, "scrape"));
      case "announce_peer":
        {
          NodeId infoHash = requireId(args, "info_hash", tid);
          BString token = args.getString("token");
          if (token == null) {
            throw bad("missing or non-string 'token'", tid);
          }
          boolean impliedPort = flag(args, "implied_port");
          BInteger port = args.getInteger("port");
          int portValue = 0;
          if (port != null) {
            if (port.value() < 1 || port.value() > 65535) {
              if (!impliedPort) {
                throw bad("port out of range: " + port.value(), tid);
              }
            } else {
              portValue = (int) port.value();
            }
          } else if (!impliedPort) {
            throw bad("missing 'port'", tid);
          }
          return new Query.AnnouncePeer(
              tid, sender, infoHash, portValue, impliedPort, token, readOnly, flag(args, "seed"));
        }
      case "get":
        {
          BInteger seq = args.getInteger("seq");
          return new Query.Get(
              tid,
              sender,
              requireId(args, "target", tid),
              seq == null ? OptionalLong.empty() : OptionalLong.of(seq.value()),
              readOnly,
              want);
        }
      case "put":
        return decodePut(args, tid, sender, readOnly);
      case "sample_infohashes":
        return new Query.SampleInfohashes(tid, sender, requireId(args, "target", tid), readOnly, want);
      default:
        {
          Optional<NodeId> target = optionalId(args, "target").or(() -> optionalId(args, "info_hash"));
          return new Query.Unknown(tid, sender, name, target, readOnly, want);
        }
    }
  }

  private static Query.Put decodePut(BDictionary args, BString tid, NodeId sender, boolean readOnly)
      throws MalformedMessageException {
    BString token = args.getString("token");
    if (token == null) {
      throw bad("missing or non-string 'token'", tid);
    }
    BValue v = args.getOrNull("v");
    if (v == null) {
      throw bad("missing 'v'", tid);
    }
    BString k = args.getString("k");
    BString sig = args.getString("sig");
    BInteger seq = args.getInteger("seq");
    BInteger cas = args.getInteger("cas");
    BString salt = args.getString("salt");
    if (args.containsKey("k") && k == null
        || args.containsKey("sig") && sig == null
        || args.containsKey("seq") && seq == null
        || args.containsKey("cas") && cas == null
        || args.containsKey("salt") && salt == null) {
      throw bad("k, sig, salt must be strings and seq, cas integers", tid);
    }
    if (k != null && (sig == null || seq == null)) {
      throw bad("a mutable put needs k, sig and seq", tid);
    }
    return new Query.Put(
        tid,
        sender,
        token,
        BString.of(Bencode.encode(v)),
        Optional.ofNullable(k),
        Optional.ofNullable(sig),
        seq == null ? OptionalLong.empty() : OptionalLong.of(seq.value()),
        salt == null ? BString.of(new byte[0]) : salt,
        cas == null ? OptionalLong.empty() : OptionalLong.of(cas.value()),
        readOnly);
  }

  private static boolean flag(BDictionary args, String key) {
    BInteger v = args.getInteger(key);
    return v != null && v.value() != 0;
  }

  private static Want want(BDictionary args) {
    BList list = args.getList("want");
    if (list == null) {
      return Want.SAME_FAMILY;
    }
    boolean n4 = false;
    boolean n6 = false;
    for (BValue v : list.values()) {
      if (v instanceof BString s && s.length() == 2 && s.byteAt(0) == 'n') {
        n4 |= s.byteAt(1) == '4';
        n6 |= s.byteAt(1) == '6';
      }
    }
    if (n4 && n6) {
      return Want.BOTH;
    }
    return n4 ? Want.N4 : n6 ? Want.N6 : Want.SAME_FAMILY;
  }

  private static Response decodeResponse(BDictionary msg, BString tid) throws MalformedMessageException {
    BDictionary r = msg.getDictionary("r");
    if (r == null) {
      throw new MalformedMessageException("missing response body 'r'", tid, false);
    }
    BString id = r.getString("id");
    if (id == null || id.length() != NodeId.LENGTH) {
      throw new MalformedMessageException("response without a 20-byte 'id'", tid, false);
    }
    List<Contact> nodes = compactNodes(r.getString("nodes"), Contact.COMPACT_V4, tid);
    List<Contact> nodes6 = compactNodes(r.getString("nodes6"), Contact.COMPACT_V6, tid);
    List<Endpoint> values = List.of();
    BList list = r.getList("values");
    if (list != null) {
      values = new ArrayList<>(list.values().size());
      for (BValue v : list.values()) {
        if (v instanceof BString s
            && (s.length() == Endpoint.COMPACT_V4 || s.length() == Endpoint.COMPACT_V6)) {
          byte[] b = s.toByteArray();
          values.add(Endpoint.fromCompact(b, 0, b.length));
        }
        // entries of other sizes are skipped, not fatal: one bad peer must not hide the rest
      }
    }
    Optional<Endpoint> ip = Optional.empty();
    BString ipField = msg.getString("ip");
    if (ipField != null
        && (ipField.length() == Endpoint.COMPACT_V4 || ipField.length() == Endpoint.COMPACT_V6)) {
      byte[] b = ipField.toByteArray();
      ip = Optional.of(Endpoint.fromCompact(b, 0, b.length));
    }
    return new Response(
        tid,
        NodeId.of(id.toByteArray()),
        nodes,
        nodes6,
        values,
        Optional.ofNullable(r.getString("token")),
        ip,
        r);
  }

  private static ErrorReply decodeError(BDictionary msg, BString tid) throws MalformedMessageException {
    BList e = msg.getList("e");
    if (e == null || e.values().isEmpty() || !(e.values().get(0) instanceof BInteger code)) {
      throw new MalformedMessageException("error without [code, message]", tid, false);
    }
    String text = "";
    if (e.values().size() > 1 && e.values().get(1) instanceof BString s) {
      text = s.asUtf8();
    }
    long c = code.value();
    int clamped = c < 0 || c > 9999 ? 201 : (int) c;
    return new ErrorReply(tid, clamped, text);
  }

  private static List<Contact> compactNodes(BString s, int entry, BString tid)
      throws MalformedMessageException {
    if (s == null || s.length() == 0) {
      return List.of();
    }
    if (s.length() % entry != 0) {
      throw new MalformedMessageException("compact node info length " + s.length() + " is not a multiple of "
          + entry, tid, false);
    }
    byte[] b = s.toByteArray();
    List<Contact> out = new ArrayList<>(b.length / entry);
    for (int i = 0; i < b.length; i += entry) {
      NodeId id = NodeId.of(b, i);
      Endpoint ep = Endpoint.fromCompact(b, i + NodeId.LENGTH, entry - NodeId.LENGTH);
      if (ep.port() != 0) {
        out.add(new Contact(id, ep));
      }
    }
    return out;
  }

  private static NodeId requireId(BDictionary args, String key, BString tid) throws MalformedMessageException {
    BString s = args.getString(key);
    if (s == null) {
      throw bad("missing or non-string '" + key + "'", tid);
    }
    if (s.length() != NodeId.LENGTH) {
      throw bad("'" + key + "' must be 20 bytes, got " + s.length(), tid);
    }
    return NodeId.of(s.toByteArray());
  }

  private static Optional<NodeId> optionalId(BDictionary args, String key) {
    BString s = args.getString(key);
    return s != null && s.length() == NodeId.LENGTH ? Optional.of(NodeId.of(s.toByteArray())) : Optional.empty();
  }

  private static MalformedMessageException bad(String reason, BString tid) {
    return new MalformedMessageException(reason, tid, true);
  }

  // ---------------------------------------------------------------- encoding

  /** Encodes a query: {@code a} = {@code args} plus our {@code id}; {@code v} when non-null. */
  public static byte[] encodeQuery(
      BString tid, String method, NodeId self, BDictionary.Builder args, BString version, boolean readOnly) {
    args.put("id", self.toBytes());
    BDictionary.Builder msg =
        BDictionary.builder()
            .put("t", tid)
            .put("y", BString.utf8("q"))
            .put("q", BString.utf8(method))
            .put("a", args.build());
    if (version != null) {
      msg.put("v", version);
    }
    if (readOnly) {
      msg.put("ro", 1L);
    }
    return Bencode.encode(msg.build());
  }

  /** Encodes a response: {@code r} = {@code body} plus our {@code id}; {@code ip} = the requester's endpoint. */
  public static byte[] encodeResponse(
      BString tid, NodeId self, BDictionary.Builder body, Endpoint requester, BString version) {
    body.put("id", self.toBytes());
    BDictionary.Builder msg =
        BDictionary.builder().put("t", tid).put("y", BString.utf8("r")).put("r", body.build());
    if (requester != null) {
      msg.put("ip", requester.toCompact());
    }
    if (version != null) {
      msg.put("v", version);
    }
    return Bencode.encode(msg.build());
  }

  /**
   * The exact number of bytes {@link #writeResponse} writes for these arguments (its {@code self} is always 20
   * bytes).
   */
  public static int responseLength(
      BString tid,
      List<Contact> nodes,
      List<Contact> nodes6,
      BString token,
      List<Endpoint> values,
      Endpoint requester,
      BString version) {
    int n = 1 + R_D_ID.length + NodeId.LENGTH; // "d" ... "1:rd2:id20:" + id
    if (requester != null) {
      n += IP.length + stringLength(requester.compactLength());
    }
    if (nodes != null) {
      n += NODES.length + stringLength(compactLength(nodes));
    }
    if (nodes6 != null) {
      n += NODES6.length + stringLength(compactLength(nodes6));
    }
    if (token != null) {
      n += TOKEN.length + stringLength(token.length());
    }
    if (values != null) {
      n += VALUES_L.length + 1;
      for (int i = 0; i < values.size(); i++) {
        n += stringLength(values.get(i).compactLength());
      }
    }
    n += E_T.length + stringLength(tid.length());
    if (version != null) {
      n += V.length + stringLength(version.length());
    }
    return n + Y_R_E.length;
  }

  /**
   * Writes a response into {@code dst} at {@code offset} without building a bencode tree: the same bytes as
   * {@link #encodeResponse} for a body of {@code self} and the given parts, each left out when null ({@code nodes}
   * and {@code nodes6} as compact node info, {@code values} as one compact peer string per endpoint, written even
   * when empty). Keys come in their canonical order: {@code ip}, {@code r} ({@code id}, {@code nodes}, {@code
   * nodes6}, {@code token}, {@code values}), {@code t}, {@code v}, {@code y}. Allocates nothing.
   *
   * @return the number of bytes written, {@link #responseLength}
   * @throws IndexOutOfBoundsException if they do not fit; check {@link #responseLength} first
   */
  public static int writeResponse(
      byte[] dst,
      int offset,
      BString tid,
      NodeId self,
      List<Contact> nodes,
      List<Contact> nodes6,
      BString token,
      List<Endpoint> values,
      Endpoint requester,
      BString version) {
    int length = responseLength(tid, nodes, nodes6, token, values, requester, version);
    Objects.checkFromIndexSize(offset, length, dst.length);
    int p = offset;
    dst[p++] = 'd';
    if (requester != null) {
      p = putLength(dst, put(dst, p, IP), requester.compactLength());
      p += requester.writeCompact(dst, p);
    }
    p = put(dst, p, R_D_ID);
    self.writeTo(dst, p);
    p += NodeId.LENGTH;
    if (nodes != null) {
      p = putNodes(dst, put(dst, p, NODES), nodes);
    }
    if (nodes6 != null) {
      p = putNodes(dst, put(dst, p, NODES6), nodes6);
    }
    if (token != null) {
      p = putString(dst, put(dst, p, TOKEN), token);
    }
    if (values != null) {
      p = put(dst, p, VALUES_L);
      for (int i = 0; i < values.size(); i++) {
        Endpoint e = values.get(i);
        p = putLength(dst, p, e.compactLength());
        p += e.writeCompact(dst, p);
      }
      dst[p++] = 'e';
    }
    p = putString(dst, put(dst, p, E_T), tid);
    if (version != null) {
      p = putString(dst, put(dst, p, V), version);
    }
    p = put(dst, p, Y_R_E);
    assert p - offset == length : "wrote " + (p - offset) + " bytes, computed " + length;
    return length;
  }

  private static int compactLength(List<Contact> contacts) {
    int n = 0;
    for (int i = 0; i < contacts.size(); i++) {
      n += NodeId.LENGTH + contacts.get(i).endpoint().compactLength();
    }
    return n;
  }

  /** Bytes of a bencoded string of {@code length} bytes: its decimal length, a colon and the bytes. */
  private static int stringLength(int length) {
    return decimalDigits(length) + 1 + length;
  }

  private static int decimalDigits(int n) {
    int digits = 1;
    for (int x = n; x >= 10; x /= 10) {
      digits++;
    }
    return digits;
  }

  private static int put(byte[] dst, int p, byte[] bytes) {
    System.arraycopy(bytes, 0, dst, p, bytes.length);
    return p + bytes.length;
  }

  /** Writes {@code length} in decimal and a colon. */
  private static int putLength(byte[] dst, int p, int length) {
    int digits = decimalDigits(length);
    for (int i = digits - 1, x = length; i >= 0; i--, x /= 10) {
      dst[p + i] = (byte) ('0' + x % 10);
    }
    dst[p + digits] = ':';
    return p + digits + 1;
  }

  private static int putString(byte[] dst, int p, BString s) {
    p = putLength(dst, p, s.length());
    s.copyTo(dst, p);
    return p + s.length();
  }

  private static int putNodes(byte[] dst, int p, List<Contact> contacts) {
    p = putLength(dst, p, compactLength(contacts));
    for (int i = 0; i < contacts.size(); i++) {
      p += contacts.get(i).writeCompact(dst, p);
    }
    return p;
  }

  /** Encodes an error reply. */
  public static byte[] encodeError(BString tid, int code, String message, Endpoint requester, BString version) {
    BDictionary.Builder msg =
        BDictionary.builder()
            .put("t", tid)
            .put("y", BString.utf8("e"))
            .put("e", BList.of(new BInteger(code), BString.utf8(message)));
    if (requester != null) {
      msg.put("ip", requester.toCompact());
    }
    if (version != null) {
      msg.put("v", version);
    }
    return Bencode.encode(msg.build());
  }

  /** Concatenated compact node info (26 or 38 bytes each). */
  public static byte[] compactNodes(List<Contact> contacts) {
    int size = 0;
    for (Contact c : contacts) {
      size += NodeId.LENGTH + c.endpoint().compactLength();
    }
    byte[] out = new byte[size];
    int o = 0;
    for (Contact c : contacts) {
      o += c.writeCompact(out, o);
    }
    return out;
  }

  /** A {@code values} list: one compact peer string per endpoint. */
  public static BList compactPeers(List<Endpoint> peers) {
    List<BValue> out = new ArrayList<>(peers.size());
    for (Endpoint e : peers) {
      out.add(BString.of(e.toCompact()));
    }
    return new BList(out);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The client version as the 4 raw bytes of {@code v}. */
  public static BString version(String isoLatin1) {
    return BString.of(isoLatin1.getBytes(StandardCharsets.ISO_8859_1));
  }
}
