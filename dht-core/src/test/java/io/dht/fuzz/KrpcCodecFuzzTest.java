package io.dht.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dht.bencode.BDictionary;
import io.dht.bencode.BList;
import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import io.dht.bencode.DecodeLimits;
import io.dht.krpc.ErrorReply;
import io.dht.krpc.KrpcCodec;
import io.dht.krpc.MalformedMessageException;
import io.dht.krpc.Message;
import io.dht.krpc.Query;
import io.dht.krpc.Response;
import io.dht.krpc.Want;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link KrpcCodec#decode(byte[], int, int)} with raw bytes.
 *
 * <p>Oracle, for every input: only {@link DecodeException} (exactly when the bencode layer rejects the bytes,
 * with the same offset) or {@link MalformedMessageException} (valid bencode that is not a KRPC message; the
 * transaction id it reports is the message's {@code t}) escape. A decoded message carries the {@code t} of the
 * input and, re-encoded with {@code KrpcCodec}'s own encoders and decoded again, equals itself.
 */
class KrpcCodecFuzzTest {
  private static final byte[] PREFIX = "d1:t2:aa".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SUFFIX = "1:y1:qe".getBytes(StandardCharsets.US_ASCII);

  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({
    "1:t", "1:y", "1:q", "1:r", "1:e", "1:a", "2:id", "20:", "2:ip", "2:ro", "1:v", "4:ping", "9:find_node",
    "9:get_peers", "13:announce_peer", "3:get", "3:put", "17:sample_infohashes", "6:target", "9:info_hash",
    "4:port", "5:token", "12:implied_port", "4:seed", "6:noseed", "6:scrape", "4:want", "2:n4", "2:n6",
    "5:nodes", "6:nodes6", "6:values", "3:seq", "3:cas", "4:salt", "3:sig", "1:k", "i201e", "i203e", "i1e"
  })
  void decode(byte[] input) {
    BValue bencode = null;
    DecodeException bencodeError = null;
    try {
      bencode = Bencode.decode(input, 0, input.length, DecodeLimits.krpc());
    } catch (DecodeException e) {
      bencodeError = e;
    }

    Message message;
    try {
      message = KrpcCodec.decode(frame(input), PREFIX.length, input.length);
    } catch (DecodeException e) {
      assertThat(bencodeError).as("KRPC rejects as bencode only what bencode rejects").isNotNull();
      assertThat(e.offset()).isEqualTo(bencodeError.offset());
      assertThat(e.reason()).isEqualTo(bencodeError.reason());
      return;
    } catch (MalformedMessageException e) {
      assertThat(bencodeError).as("malformed KRPC but not valid bencode").isNull();
      if (e.transactionId().isPresent()) {
        assertThat(bencode).isInstanceOf(BDictionary.class);
        assertThat(e.transactionId()).contains(((BDictionary) bencode).getString("t"));
      }
      if (e.isQuery()) {
        assertThat(((BDictionary) bencode).getString("y")).isEqualTo(BString.utf8("q"));
      }
      return;
    }
    assertThat(bencodeError).as("KRPC accepted what bencode rejects").isNull();
    assertThat(bencode).isInstanceOf(BDictionary.class);
    BDictionary root = (BDictionary) bencode;
    assertThat(message.transactionId()).isEqualTo(root.getString("t"));
    if (message instanceof Response r) {
      assertThat(r.body()).isEqualTo(root.getDictionary("r"));
    }

    byte[] again = reencode(message);
    Message decodedAgain;
    try {
      decodedAgain = KrpcCodec.decode(again, 0, again.length);
    } catch (DecodeException | MalformedMessageException e) {
      throw new AssertionError("re-encoded " + message + " does not decode: " + e.getMessage(), e);
    }
    assertThat(decodedAgain).as("decode(encode(decode(input)))").isEqualTo(message);
  }

  private static byte[] frame(byte[] input) {
    byte[] buffer = new byte[PREFIX.length + input.length + SUFFIX.length];
    System.arraycopy(PREFIX, 0, buffer, 0, PREFIX.length);
    System.arraycopy(input, 0, buffer, PREFIX.length, input.length);
    System.arraycopy(SUFFIX, 0, buffer, PREFIX.length + input.length, SUFFIX.length);
    return buffer;
  }

  /** The message through KrpcCodec's encoders, keeping every field the decoder reads. */
  static byte[] reencode(Message message) {
    if (message instanceof Query q) {
      return KrpcCodec.encodeQuery(q.transactionId(), method(q), q.sender(), arguments(q), null, q.readOnly());
    } else if (message instanceof Response r) {
      BDictionary.Builder body = BDictionary.builder();
      r.body().entries().forEach(body::put);
      return KrpcCodec.encodeResponse(r.transactionId(), r.responder(), body, r.requesterAddress().orElse(null), null);
    } else if (message instanceof ErrorReply e) {
      return KrpcCodec.encodeError(e.transactionId(), e.code(), e.message(), null, null);
    }
    throw new AssertionError(message);
  }

  private static String method(Query q) {
    if (q instanceof Query.Ping) {
      return "ping";
    } else if (q instanceof Query.FindNode) {
      return "find_node";
    } else if (q instanceof Query.GetPeers) {
      return "get_peers";
    } else if (q instanceof Query.AnnouncePeer) {
      return "announce_peer";
    } else if (q instanceof Query.Get) {
      return "get";
    } else if (q instanceof Query.Put) {
      return "put";
    } else if (q instanceof Query.SampleInfohashes) {
      return "sample_infohashes";
    } else if (q instanceof Query.Unknown u) {
      return u.method();
    }
    throw new AssertionError(q);
  }

  private static BDictionary.Builder arguments(Query q) {
    BDictionary.Builder a = BDictionary.builder();
    if (q instanceof Query.FindNode f) {
      a.put("target", f.target().toBytes());
      want(a, f.want());
    } else if (q instanceof Query.GetPeers g) {
      a.put("info_hash", g.infoHash().toBytes());
      want(a, g.want());
      flag(a, "noseed", g.noSeed());
      flag(a, "scrape", g.scrape());
    } else if (q instanceof Query.AnnouncePeer p) {
      a.put("info_hash", p.infoHash().toBytes());
      a.put("token", p.token());
      flag(a, "implied_port", p.impliedPort());
      flag(a, "seed", p.seed());
      if (!p.impliedPort() || p.port() != 0) {
        a.put("port", p.port());
      }
    } else if (q instanceof Query.Get g) {
      a.put("target", g.target().toBytes());
      g.seq().ifPresent(seq -> a.put("seq", seq));
      want(a, g.want());
    } else if (q instanceof Query.Put p) {
      a.put("token", p.token());
      try {
        a.put("v", Bencode.decode(p.value().toByteArray()));
      } catch (DecodeException e) {
        throw new AssertionError("put value is not bencode: " + p.value(), e);
      }
      p.publicKey().ifPresent(k -> a.put("k", k));
      p.signature().ifPresent(sig -> a.put("sig", sig));
      p.seq().ifPresent(seq -> a.put("seq", seq));
      p.cas().ifPresent(cas -> a.put("cas", cas));
      if (p.salt().length() > 0) {
        a.put("salt", p.salt());
      }
    } else if (q instanceof Query.SampleInfohashes s) {
      a.put("target", s.target().toBytes());
      want(a, s.want());
    } else if (q instanceof Query.Unknown u) {
      u.target().ifPresent(t -> a.put("target", t.toBytes()));
      want(a, u.want());
    }
    return a;
  }

  private static void want(BDictionary.Builder a, Want want) {
    switch (want) {
      case SAME_FAMILY:
        break;
      case N4:
        a.put("want", BList.of(BString.utf8("n4")));
        break;
      case N6:
        a.put("want", BList.of(BString.utf8("n6")));
        break;
      case BOTH:
        a.put("want", BList.of(BString.utf8("n4"), BString.utf8("n6")));
        break;
      default:
        throw new AssertionError(want);
    }
  }

  private static void flag(BDictionary.Builder a, String key, boolean set) {
    if (set) {
      a.put(key, 1L);
    }
  }
}
