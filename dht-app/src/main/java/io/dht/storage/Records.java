package io.dht.storage;

import io.dht.bencode.BString;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.ImmutableItem;
import io.dht.item.Item;
import io.dht.item.MutableItem;
import java.net.InetAddress;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * The on-disk records, big-endian, version 1.
 *
 * <p>Items, keyed by the 20-byte target:
 *
 * <pre>
 * immutable: 0x01 | stored-at millis (8) | value length (2) | value
 * mutable:   0x02 | stored-at millis (8) | public key (32) | salt length (1) | salt | seq (8) | signature (64)
 *            | value length (2) | value
 * </pre>
 *
 * <p>Peers, keyed by info-hash (20) followed by the peer's IP address (4 or 16 bytes):
 *
 * <pre>
 * 0x01 | port (2) | flags (1; bit 0 = seed) | announced-at millis (8)
 * </pre>
 *
 * <p>Times are wall-clock milliseconds since the epoch: the monotonic clock restarts with the process. Decoding
 * checks every length and that an item's target is its key; anything else is an {@link IllegalArgumentException}.
 */
final class Records {
  static final byte IMMUTABLE = 1;
  static final byte MUTABLE = 2;
  static final byte PEER_V1 = 1;
  static final int PEER_VALUE_BYTES = 12;

  private Records() {}

  /** An item read back, with the wall-clock time of its last put. */
  record StoredItem(Item item, long storedMillis) {}

  /** A peer read back, with the wall-clock time of its last announce. */
  record StoredPeer(NodeId infoHash, Endpoint peer, boolean seed, long announcedMillis) {}

  static byte[] itemKey(NodeId target) {
    return target.toBytes();
  }

  static byte[] encodeItem(Item item, long storedMillis) {
    if (item instanceof ImmutableItem i) {
      ByteBuffer b = ByteBuffer.allocate(1 + 8 + 2 + i.value().length());
      b.put(IMMUTABLE).putLong(storedMillis);
      putValue(b, i.value());
      return b.array();
    }
    MutableItem m = (MutableItem) item;
    ByteBuffer b =
        ByteBuffer.allocate(1 + 8 + 32 + 1 + m.salt().length() + 8 + 64 + 2 + m.value().length());
    b.put(MUTABLE).putLong(storedMillis);
    b.put(m.publicKey().toByteArray());
    b.put((byte) m.salt().length()).put(m.salt().toByteArray());
    b.putLong(m.seq());
    b.put(m.signature().toByteArray());
    putValue(b, m.value());
    return b.array();
  }

  private static void putValue(ByteBuffer b, BString value) {
    b.putShort((short) value.length()).put(value.toByteArray());
  }

  static StoredItem decodeItem(byte[] key, byte[] record) {
    if (key.length != NodeId.LENGTH) {
      throw new IllegalArgumentException("item key has " + key.length + " bytes, not " + NodeId.LENGTH);
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(record);
      byte type = b.get();
      if (type != IMMUTABLE && type != MUTABLE) {
        throw new IllegalArgumentException("unknown item record type " + type);
      }
      long millis = b.getLong();
      Item item;
      if (type == IMMUTABLE) {
        item = new ImmutableItem(value(b));
      } else {
        BString publicKey = bytes(b, 32);
        BString salt = bytes(b, b.get() & 0xff);
        long seq = b.getLong();
        BString signature = bytes(b, 64);
        item = new MutableItem(publicKey, salt, seq, value(b), signature);
      }
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " trailing bytes");
      }
      if (!item.target().equals(NodeId.of(key))) {
        throw new IllegalArgumentException("the item's target is " + item.target() + ", not its key");
      }
      return new StoredItem(item, millis);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated item record (" + record.length + " bytes)", e);
    }
  }

  private static BString value(ByteBuffer b) {
    return bytes(b, b.getShort() & 0xffff);
  }

  private static BString bytes(ByteBuffer b, int n) {
    byte[] out = new byte[n];
    b.get(out);
    return BString.of(out);
  }

  static byte[] peerKey(NodeId infoHash, InetAddress address) {
    byte[] ip = address.getAddress();
    byte[] key = new byte[NodeId.LENGTH + ip.length];
    infoHash.writeTo(key, 0);
    System.arraycopy(ip, 0, key, NodeId.LENGTH, ip.length);
    return key;
  }

  static byte[] encodePeer(int port, boolean seed, long announcedMillis) {
    return ByteBuffer.allocate(PEER_VALUE_BYTES)
        .put(PEER_V1)
        .putShort((short) port)
        .put((byte) (seed ? 1 : 0))
        .putLong(announcedMillis)
        .array();
  }

  static StoredPeer decodePeer(byte[] key, byte[] record) {
    int ipBytes = key.length - NodeId.LENGTH;
    if (ipBytes != 4 && ipBytes != 16) {
      throw new IllegalArgumentException("peer key has " + key.length + " bytes, not 24 or 36");
    }
    if (record.length != PEER_VALUE_BYTES || record[0] != PEER_V1) {
      throw new IllegalArgumentException(
          "peer record has " + record.length + " bytes and version " + (record.length > 0 ? record[0] : -1));
    }
    ByteBuffer b = ByteBuffer.wrap(record, 1, PEER_VALUE_BYTES - 1);
    int port = b.getShort() & 0xffff;
    byte flags = b.get();
    long millis = b.getLong();
    if ((flags & ~1) != 0) {
      throw new IllegalArgumentException("unknown peer flags " + flags);
    }
    byte[] ip = new byte[ipBytes];
    System.arraycopy(key, NodeId.LENGTH, ip, 0, ipBytes);
    return new StoredPeer(NodeId.of(key, 0), Endpoint.of(ip, port), (flags & 1) != 0, millis);
  }

  /** Lowercase hex of a key, for warnings. */
  static String hex(byte[] key) {
    StringBuilder sb = new StringBuilder(key.length * 2);
    for (byte x : key) {
      sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    }
    return sb.toString();
  }
}
