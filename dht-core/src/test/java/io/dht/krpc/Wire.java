package io.dht.krpc;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BInteger;
import io.dht.bencode.BList;
import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test fixture: builds bencoded messages by hand, including malformed ones, without going through the code under
 * test. Strings are ISO-8859-1, so every char is one byte.
 */
public final class Wire {
  private Wire() {}

  /** A dictionary from alternating ASCII keys and values (see {@link #value}). */
  public static BDictionary dict(Object... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("keys and values must alternate");
    }
    BDictionary.Builder b = BDictionary.builder();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      b.put((String) keysAndValues[i], value(keysAndValues[i + 1]));
    }
    return b.build();
  }

  public static BList list(Object... values) {
    List<BValue> out = new ArrayList<>();
    for (Object v : values) {
      out.add(value(v));
    }
    return new BList(out);
  }

  /** BValue as is; String as ISO-8859-1 bytes; byte[] as bytes; Integer/Long as an integer. */
  public static BValue value(Object o) {
    if (o instanceof BValue v) {
      return v;
    }
    if (o instanceof String s) {
      return BString.of(s.getBytes(StandardCharsets.ISO_8859_1));
    }
    if (o instanceof byte[] b) {
      return BString.of(b);
    }
    if (o instanceof Integer n) {
      return new BInteger(n);
    }
    if (o instanceof Long n) {
      return new BInteger(n);
    }
    throw new IllegalArgumentException("unsupported " + o);
  }

  public static byte[] encode(Object value) {
    return Bencode.encode(value(value));
  }

  public static byte[] bytes(String iso) {
    return iso.getBytes(StandardCharsets.ISO_8859_1);
  }

  public static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  public static BString bstr(String iso) {
    return BString.of(bytes(iso));
  }

  /** Decodes a whole datagram as a dictionary (for looking at raw top-level keys). */
  public static BDictionary decodeDict(byte[] datagram) {
    try {
      return (BDictionary) Bencode.decode(datagram);
    } catch (DecodeException e) {
      throw new AssertionError("not bencode: " + text(datagram), e);
    }
  }

  /** A string of {@code n} distinct-looking bytes. */
  public static byte[] filler(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (seed * 31 + i * 7);
    }
    return b;
  }
}
