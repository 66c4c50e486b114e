package io.dht.item;

import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import io.dht.bencode.DecodeLimits;
import io.dht.id.NodeId;

/** An immutable BEP 44 item: its target is the SHA-1 of the bencoded value. */
public record ImmutableItem(BString value) implements Item {
  public ImmutableItem {
    if (value.length() > MAX_VALUE_BYTES) {
      throw new IllegalArgumentException(
          "a BEP 44 value is at most 1000 bytes bencoded, got " + value.length());
    }
  }

  /** The item whose {@code v} is the byte string {@code data}. */
  public static ImmutableItem ofBytes(byte[] data) {
    return new ImmutableItem(BString.of(Bencode.encode(BString.of(data))));
  }

  @Override
  public NodeId target() {
    return Sha1.of(value.toByteArray());
  }

  /** The value as user data: the contents when {@code v} is a byte string, else the bencoding itself. */
  public byte[] data() {
    return contents(value);
  }

  static byte[] contents(BString encoded) {
    try {
      BValue v = Bencode.decode(encoded.toByteArray(), 0, encoded.length(), DecodeLimits.krpc());
      return v instanceof BString s ? s.toByteArray() : encoded.toByteArray();
    } catch (DecodeException e) {
      return encoded.toByteArray();
    }
  }
}
