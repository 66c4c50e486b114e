package io.dht.krpc;

import static io.dht.krpc.Wire.bytes;
import static io.dht.krpc.Wire.dict;
import static io.dht.krpc.Wire.encode;
import static io.dht.krpc.Wire.list;
import static io.dht.krpc.Wire.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BList;
import io.dht.bencode.BString;
import io.dht.bencode.DecodeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@link FastQuery} against the tree decoder ({@link KrpcCodec#decodeTree}), its reference: for every input the
 * fast path returns null or exactly the tree decoder's {@link Query}, and {@link KrpcCodec#decode} (fast path plus
 * fallback) gives the same outcome as the tree decoder alone, errors included. Inputs are generated queries of
 * every shape the fast path handles (and some it leaves to the tree), the same queries mutated, and garbage made
 * of bencode tokens, each framed by unrelated bytes so that offsets matter.
 */
class FastQueryTest {
  private static final String[] FAST_METHODS = {"ping", "find_node", "get_peers", "announce_peer"};
  private static final String[] OTHER_METHODS = {"get", "put", "sample_infohashes", "x_unknown", "Ping", "pin"};

  // ------------------------------------------------------------------ examples

  @Test
  void decodesTheBep5QueriesOnTheFastPath() throws Exception {
    for (String q :
        List.of(
            KrpcCodecTest.PING_QUERY,
            KrpcCodecTest.FIND_NODE_QUERY,
            KrpcCodecTest.GET_PEERS_QUERY,
            KrpcCodecTest.ANNOUNCE_QUERY)) {
      byte[] b = bytes(q);
      Query fast = FastQuery.tryDecode(b, 0, b.length);
      assertThat(fast).as(q).isNotNull().isEqualTo(KrpcCodec.decodeTree(b, 0, b.length));
    }
  }

  @Test
  void readsOptionsReadOnlyAndUnknownKeys() throws Exception {
    byte[] b =
        encode(
            dict(
                "a",
                dict(
                    "id", KrpcCodecTest.ID,
                    "info_hash", "mnopqrstuvwxyz123456",
                    "noseed", 1,
                    "scrape", 1,
                    "want", list("n6", 4, "n4", "n44"),
                    "zz", dict("x", list(1, "y"))),
                "ip", "abcdef",
                "q", "get_peers",
                "ro", 1,
                "t", "",
                "v", list("LT", 1),
                "y", "q",
                "zzz", 0));
    Query fast = FastQuery.tryDecode(b, 0, b.length);
    assertThat(fast)
        .isEqualTo(
            new Query.GetPeers(
                BString.of(new byte[0]), KrpcCodecTest.ABC, KrpcCodecTest.MNO, true, Want.BOTH, true, true))
        .isEqualTo(KrpcCodec.decodeTree(b, 0, b.length));
  }

  @Test
  void leavesWhatItMustNotDecideToTheTreeDecoder() {
    List<String> declined =
        List.of(
            "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe" + "x", // trailing data
            "d1:ad2:id20:abcdefghij0123456789e1:t2:aa1:q4:ping1:y1:qe", // unsorted keys
            "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:q4:ping1:t2:aa1:y1:qe", // duplicate key
            "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t02:aa1:y1:qe", // leading zero in a length
            "d1:ad2:id20:abcdefghij01234567891:xi-0ee1:q4:ping1:t2:aa1:y1:qe", // negative zero
            "d1:ad2:id20:abcdefghij01234567891:xi01ee1:q4:ping1:t2:aa1:y1:qe", // leading zero
            "d1:ad2:id20:abcdefghij01234567891:xi1234567890123456789ee1:q4:ping1:t2:aa1:y1:qe", // 19 digits
            "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe1:z", // a key without a value
            "d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:aa1:y1:qe", // short id
            "d1:ad2:id20:abcdefghij0123456789e1:q3:get1:t2:aa1:y1:qe", // another method
            "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:re", // a response
            "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:ti5e1:y1:qe", // t not a string
            "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:q", // truncated
            "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qee", // one e too many
            "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz12345" + "e1:q9:find_node1:t2:aa1:y1:qe",
            "d1:a" + "l".repeat(15) + "e".repeat(15) + "1:q4:ping1:t2:aa1:y1:qe", // too deep
            "le");
    for (String s : declined) {
      byte[] b = bytes(s);
      assertThat(FastQuery.tryDecode(b, 0, b.length)).as(s).isNull();
      assertSameOutcome(b, 0, b.length);
    }
    // the deepest nesting the strict decoder accepts (16) is accepted, one more is not
    String deepest = "d1:ad2:id20:abcdefghij01234567891:x" + "l".repeat(14) + "e".repeat(14) + "e"
        + "1:q4:ping1:t2:aa1:y1:qe";
    byte[] b = bytes(deepest);
    assertThat(FastQuery.tryDecode(b, 0, b.length)).isNotNull();
    byte[] deeper = bytes(deepest.replace("l".repeat(14), "l".repeat(15)).replace("e".repeat(14), "e".repeat(15)));
    assertThat(FastQuery.tryDecode(deeper, 0, deeper.length)).isNull();
    assertSameOutcome(deeper, 0, deeper.length);
  }

  // ------------------------------------------------------------------ properties

  @Property(tries = 2000)
  void generatedQueriesDecodeAsTheTreeDecoderDecodesThem(@ForAll long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    Generated g = generate(r);
    Framed f = frame(g.bytes, r);
    assertSameOutcome(f.data, f.offset, g.bytes.length);
    Message tree = outcome(f.data, f.offset, g.bytes.length, true) instanceof Message m ? m : null;
    if (g.fastShape && tree != null) {
      // every well-formed query of the four methods, without integers of 19 digits, takes the fast path
      assertThat(FastQuery.tryDecode(f.data, f.offset, g.bytes.length)).as(show(g.bytes)).isEqualTo(tree);
    }
  }

  @Property(tries = 3000)
  void mutatedQueriesNeverDecodeDifferently(@ForAll long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] b = generate(r).bytes;
    for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
      b = mutate(b, r);
    }
    Framed f = frame(b, r);
    assertSameOutcome(f.data, f.offset, b.length);
  }

  @Property(tries = 2000)
  void bencodeLikeGarbageNeverDecodesDifferently(@ForAll long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    String[] tokens = {
      "d", "e", "l", "i", "1:", "2:", "0:", "20:", "1:a", "1:q", "1:t", "1:y", "1:v", "2:ro", "2:id", "4:ping",
      "9:find_node", "9:get_peers", "13:announce_peer", "6:target", "9:info_hash", "4:want", "2:n4", "i1e",
      "i0e", "i-1e", "abcdefghij0123456789", "01234", ":", "-", "e1:y1:qe"
    };
    StringBuilder s = new StringBuilder(r.nextBoolean() ? "d" : "");
    for (int i = 0, n = r.nextInt(40); i < n; i++) {
      s.append(tokens[r.nextInt(tokens.length)]);
    }
    byte[] b = bytes(s.toString());
    assertSameOutcome(b, 0, b.length);
  }

  @Property(tries = 500)
  void randomBytesNeverDecodeDifferently(@ForAll @Size(max = 300) byte[] data) {
    assertSameOutcome(data, 0, data.length);
  }

  // ------------------------------------------------------------------ the oracle

  /**
   * The fast path returns null or the tree decoder's message, and the public decode gives the tree decoder's
   * outcome: the same message, or an exception of the same class with the same details.
   */
  private static void assertSameOutcome(byte[] data, int off, int len) {
    Query fast = FastQuery.tryDecode(data, off, len);
    Object tree = outcome(data, off, len, true);
    if (fast != null) {
      assertThat(tree).as("fast path accepted %s", show(data, off, len)).isEqualTo(fast);
    }
    assertThat(outcome(data, off, len, false)).as(show(data, off, len)).isEqualTo(tree);
  }

  /** The decoded message, or a description of the exception thrown. */
  private static Object outcome(byte[] data, int off, int len, boolean treeOnly) {
    try {
      return treeOnly ? KrpcCodec.decodeTree(data, off, len) : KrpcCodec.decode(data, off, len);
    } catch (DecodeException e) {
      return List.of("DecodeException", e.offset(), e.reason());
    } catch (MalformedMessageException e) {
      return List.of("MalformedMessageException", e.getMessage(), e.transactionId(), e.isQuery());
    }
  }

  // ------------------------------------------------------------------ generation

  /** A generated datagram and whether it is a well-formed query the fast path must decode itself. */
  private record Generated(byte[] bytes, boolean fastShape) {}

  private static Generated generate(SplittableRandom r) {
    boolean fastShape = true;
    boolean fastMethod = r.nextInt(10) < 9;
    String method =
        fastMethod ? FAST_METHODS[r.nextInt(FAST_METHODS.length)] : OTHER_METHODS[r.nextInt(OTHER_METHODS.length)];
    fastShape &= fastMethod;
    List<Object> args = new ArrayList<>();
    if (r.nextInt(30) != 0) {
      int idLength = r.nextInt(20) == 0 ? 19 + 2 * r.nextInt(2) : 20;
      args.addAll(List.of("id", randomBytes(r, idLength)));
    }
    String keyName = method.equals("find_node") ? "target" : "info_hash";
    if (!method.equals("ping") && r.nextInt(30) != 0) {
      args.addAll(List.of(keyName, r.nextInt(30) == 0 ? (Object) 7 : randomBytes(r, 20)));
    } else if (r.nextInt(4) == 0) {
      args.addAll(List.of(r.nextBoolean() ? "target" : "info_hash", randomBytes(r, 20)));
    }
    if (r.nextInt(3) == 0) {
      args.addAll(List.of("want", r.nextInt(8) == 0 ? (Object) "n4" : wantList(r)));
    }
    for (String flag : List.of("noseed", "scrape", "seed", "implied_port")) {
      if (r.nextInt(4) == 0) {
        args.addAll(List.of(flag, flagValue(r)));
      }
    }
    if (method.equals("announce_peer") || r.nextInt(10) == 0) {
      if (r.nextInt(20) != 0) {
        args.addAll(List.of("token", r.nextInt(20) == 0 ? (Object) 5 : randomBytes(r, r.nextInt(21))));
      }
      if (r.nextInt(10) != 0) {
        long[] ports = {6881, 1, 65535, 0, -1, 65536, 100_000_000_000_000_000L, r.nextInt(70_000)};
        args.addAll(List.of("port", r.nextInt(20) == 0 ? (Object) "6881" : ports[r.nextInt(ports.length)]));
      }
    }
    for (int i = 0, n = r.nextInt(3); i < n; i++) {
      args.addAll(List.of(randomKey(r), randomValue(r, 0)));
    }
    List<Object> top = new ArrayList<>();
    if (r.nextInt(40) != 0) {
      top.addAll(List.of("a", r.nextInt(40) == 0 ? (Object) list() : dictOf(args)));
    }
    if (r.nextInt(40) != 0) {
      top.addAll(List.of("q", method));
    }
    if (r.nextInt(40) != 0) {
      int[] lengths = {0, 1, 2, 4, 8, r.nextInt(65)};
      top.addAll(List.of("t", r.nextInt(40) == 0 ? (Object) 1 : randomBytes(r, lengths[r.nextInt(lengths.length)])));
    }
    if (r.nextInt(20) != 0) {
      String[] types = {"q", "q", "q", "r", "e", "qq", ""};
      top.addAll(List.of("y", types[r.nextInt(types.length)]));
    }
    if (r.nextBoolean()) {
      Object[] versions = {randomBytes(r, 4), randomBytes(r, r.nextInt(10)), 7, list("LT", 1)};
      top.addAll(List.of("v", versions[r.nextInt(versions.length)]));
    }
    if (r.nextInt(4) == 0) {
      Object[] ro = {1L, 0L, 2L, -1L, "1", list(1)};
      top.addAll(List.of("ro", ro[r.nextInt(ro.length)]));
    }
    if (r.nextInt(4) == 0) {
      top.addAll(List.of("ip", randomBytes(r, r.nextBoolean() ? 6 : 18)));
    }
    for (int i = 0, n = r.nextInt(3); i < n; i++) {
      top.addAll(List.of(randomKey(r), randomValue(r, 0)));
    }
    // Integers of 19 digits are the one well-formed thing the fast path leaves to the tree decoder.
    byte[] bytes = encode(dictOf(top));
    fastShape &= !text(bytes).matches("(?s).*i-?\\d{19}e.*");
    return new Generated(bytes, fastShape);
  }

  private static BList wantList(SplittableRandom r) {
    Object[] choices = {"n4", "n6", "n5", "n", "x4", "n44", 4, list("n4")};
    List<Object> out = new ArrayList<>();
    for (int i = 0, n = r.nextInt(4); i < n; i++) {
      out.add(choices[r.nextInt(choices.length)]);
    }
    return list(out.toArray());
  }

  private static Object flagValue(SplittableRandom r) {
    Object[] values = {0, 1, 1, 7, -1, "1", list()};
    return values[r.nextInt(values.length)];
  }

  /** A dictionary from alternating keys and values; duplicate keys keep the first value. */
  private static BDictionary dictOf(List<Object> keysAndValues) {
    List<Object> unique = new ArrayList<>();
    List<Object> seen = new ArrayList<>();
    for (int i = 0; i < keysAndValues.size(); i += 2) {
      if (!seen.contains(keysAndValues.get(i))) {
        seen.add(keysAndValues.get(i));
        unique.add(keysAndValues.get(i));
        unique.add(keysAndValues.get(i + 1));
      }
    }
    return dict(unique.toArray());
  }

  private static String randomKey(SplittableRandom r) {
    String[] keys = {"x", "zz", "a0", "id2", "tt", "ipx", "want2", "nodes", "values", "token2", "~~", "b"};
    return keys[r.nextInt(keys.length)];
  }

  private static Object randomValue(SplittableRandom r, int depth) {
    switch (depth > 3 ? r.nextInt(3) : r.nextInt(6)) {
      case 0:
        return randomBytes(r, r.nextInt(12));
      case 1:
        return (long) r.nextInt() * (r.nextInt(4) == 0 ? 1_000_000_000L : 1);
      case 2:
        return r.nextInt(30) == 0 ? Long.MIN_VALUE : (long) r.nextInt(100);
      case 3:
        {
          List<Object> l = new ArrayList<>();
          for (int i = 0, n = r.nextInt(4); i < n; i++) {
            l.add(randomValue(r, depth + 1));
          }
          return list(l.toArray());
        }
      default:
        {
          List<Object> kv = new ArrayList<>();
          for (int i = 0, n = r.nextInt(4); i < n; i++) {
            kv.add(randomKey(r));
            kv.add(randomValue(r, depth + 1));
          }
          return dictOf(kv);
        }
    }
  }

  private static byte[] randomBytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      // mostly bytes that mean something to bencode, to make mutations and lengths interesting
      b[i] = r.nextInt(3) == 0 ? (byte) "de:il0123456789-".charAt(r.nextInt(16)) : (byte) r.nextInt(256);
    }
    return b;
  }

  private static byte[] mutate(byte[] b, SplittableRandom r) {
    if (b.length == 0) {
      return new byte[] {'d'};
    }
    int at = r.nextInt(b.length);
    byte[] significant = bytes("deil:-0123456789");
    switch (r.nextInt(7)) {
      case 0:
        {
          byte[] out = b.clone();
          out[at] = (byte) r.nextInt(256);
          return out;
        }
      case 1:
        {
          byte[] out = b.clone();
          out[at] = significant[r.nextInt(significant.length)];
          return out;
        }
      case 2:
        {
          int n = Math.min(b.length - at, 1 + r.nextInt(4));
          byte[] out = new byte[b.length - n];
          System.arraycopy(b, 0, out, 0, at);
          System.arraycopy(b, at + n, out, at, b.length - at - n);
          return out;
        }
      case 3:
        {
          byte[] extra = randomBytes(r, 1 + r.nextInt(4));
          byte[] out = new byte[b.length + extra.length];
          System.arraycopy(b, 0, out, 0, at);
          System.arraycopy(extra, 0, out, at, extra.length);
          System.arraycopy(b, at, out, at + extra.length, b.length - at);
          return out;
        }
      case 4:
        return Arrays.copyOf(b, at);
      case 5:
        {
          int n = Math.min(b.length - at, 1 + r.nextInt(30));
          byte[] out = new byte[b.length + n];
          System.arraycopy(b, 0, out, 0, at + n);
          System.arraycopy(b, at, out, at + n, b.length - at);
          return out;
        }
      default:
        {
          byte[] out = b.clone();
          int other = r.nextInt(b.length);
          out[at] = b[other];
          out[other] = b[at];
          return out;
        }
    }
  }

  /** A datagram inside a larger array, starting at {@code offset}. */
  private record Framed(byte[] data, int offset) {}

  /** {@code b} between random bytes (up to 8 before, up to 8 after). */
  private static Framed frame(byte[] b, SplittableRandom r) {
    byte[] before = randomBytes(r, r.nextInt(9));
    byte[] after = randomBytes(r, r.nextInt(9));
    byte[] out = new byte[before.length + b.length + after.length];
    System.arraycopy(before, 0, out, 0, before.length);
    System.arraycopy(b, 0, out, before.length, b.length);
    System.arraycopy(after, 0, out, before.length + b.length, after.length);
    return new Framed(out, before.length);
  }

  private static String show(byte[] b) {
    return show(b, 0, b.length);
  }

  private static String show(byte[] b, int off, int len) {
    return "'" + text(Arrays.copyOfRange(b, off, off + len)) + "' (hex "
        + HexFormat.of().formatHex(b, off, off + len) + ")";
  }
}
