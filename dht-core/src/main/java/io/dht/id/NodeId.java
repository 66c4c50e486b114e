package io.dht.id;

import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * A 160-bit Kademlia identifier: a node id, an info-hash or a BEP 44 target. Held in three primitive fields so
 * that equality, hashing and XOR distance comparisons never allocate.
 *
 * <p>{@link #toString()} is 40 lowercase hex digits and parses back with {@link #parseHex(String)}.
 */
public final class NodeId implements Comparable<NodeId> {
  /** Length of an id on the wire, in bytes. */
  public static final int LENGTH = 20;
  /** Number of bits in an id. */
  public static final int BITS = 160;

  private static final HexFormat HEX = HexFormat.of();

  final long hi;
  final long mid;
  final int lo;

  private NodeId(long hi, long mid, int lo) {
    this.hi = hi;
    this.mid = mid;
    this.lo = lo;
  }

  /** The id whose big-endian bytes are {@code bytes[0..20)}. */
  public static NodeId of(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("a node id has 20 bytes, got " + bytes.length);
    }
    return of(bytes, 0);
  }

  /** The id whose big-endian bytes start at {@code bytes[offset]}. */
  public static NodeId of(byte[] bytes, int offset) {
    if (offset < 0 || bytes.length - offset < LENGTH) {
      throw new IllegalArgumentException("a node id needs 20 bytes at offset " + offset);
    }
    return new NodeId(readLong(bytes, offset), readLong(bytes, offset + 8), readInt(bytes, offset + 16));
  }

  /** Parses 40 hex digits (either case). */
  public static NodeId parseHex(String hex) {
    if (hex.length() != 2 * LENGTH) {
      throw new IllegalArgumentException("a node id is 40 hex digits, got " + hex.length() + ": '" + hex + "'");
    }
    try {
      return of(HEX.parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a hex node id: '" + hex + "'", e);
    }
  }

  /** A uniformly random id. */
  public static NodeId random(RandomGenerator random) {
    return new NodeId(random.nextLong(), random.nextLong(), random.nextInt());
  }

  /**
   * A random id that shares its first {@code prefixBits} bits with {@code prefix} and has random bits after.
   */
  public static NodeId randomWithPrefix(NodeId prefix, int prefixBits, RandomGenerator random) {
    NodeId r = random(random);
    return prefix.withLowBitsFrom(r, prefixBits);
  }

  /** The id with all bits zero. */
  public static NodeId zero() {
    return new NodeId(0, 0, 0);
  }

  /** The id with all bits one. */
  public static NodeId max() {
    return new NodeId(-1L, -1L, -1);
  }

  /** The 20 big-endian bytes (a fresh copy). */
  public byte[] toBytes() {
    byte[] out = new byte[LENGTH];
    writeTo(out, 0);
    return out;
  }

  /** Writes the 20 big-endian bytes at {@code dst[offset]}. */
  public void writeTo(byte[] dst, int offset) {
    writeLong(dst, offset, hi);
    writeLong(dst, offset + 8, mid);
    writeInt(dst, offset + 16, lo);
  }

  /**
   * Bytes 0..7 of the id (the most significant) as a big-endian long. With {@link #mid()} and {@link #lo()} this
   * reads the id without the copy {@link #toBytes()} makes, e.g. to hash it.
   */
  public long hi() {
    return hi;
  }

  /** Bytes 8..15 of the id as a big-endian long. */
  public long mid() {
    return mid;
  }

  /** Bytes 16..19 of the id (the least significant) as a big-endian int. */
  public int lo() {
    return lo;
  }

  /** Bit {@code index} counted from the most significant bit (0) to the least (159). */
  public boolean bit(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("bit index out of range: " + index);
    }
    if (index < 64) {
      return (hi << index) < 0;
    } else if (index < 128) {
      return (mid << (index - 64)) < 0;
    } else if (index < BITS) {
      return (lo << (index - 128)) < 0;
    }
    throw new IllegalArgumentException("bit index out of range: " + index);
  }

  /** This id with bit {@code index} (0 = most significant) set to {@code value}. */
  public NodeId withBit(int index, boolean value) {
    if (index < 0 || index >= BITS) {
      throw new IllegalArgumentException("bit index out of range: " + index);
    }
    long h = hi;
    long m = mid;
    int l = lo;
    if (index < 64) {
      long mask = Long.MIN_VALUE >>> index;
      h = value ? h | mask : h & ~mask;
    } else if (index < 128) {
      long mask = Long.MIN_VALUE >>> (index - 64);
      m = value ? m | mask : m & ~mask;
    } else {
      int mask = Integer.MIN_VALUE >>> (index - 128);
      l = value ? l | mask : l & ~mask;
    }
    return new NodeId(h, m, l);
  }

  /** This id's first {@code prefixBits} bits followed by {@code other}'s remaining bits. */
  public NodeId withLowBitsFrom(NodeId other, int prefixBits) {
    if (prefixBits < 0 || prefixBits > BITS) {
      throw new IllegalArgumentException("prefix length out of range: " + prefixBits);
    }
    long mh = maskHi(prefixBits);
    long mm = maskHi(prefixBits - 64);
    int ml = (int) (maskHi(prefixBits - 128) >>> 32);
    return new NodeId(
        (hi & mh) | (other.hi & ~mh), (mid & mm) | (other.mid & ~mm), (lo & ml) | (other.lo & ~ml));
  }

  private static long maskHi(int bits) {
    if (bits <= 0) {
      return 0L;
    }
    if (bits >= 64) {
      return -1L;
    }
    return -1L << (64 - bits);
  }

  /** The XOR of the two ids. */
  public NodeId xor(NodeId other) {
    return new NodeId(hi ^ other.hi, mid ^ other.mid, lo ^ other.lo);
  }

  /** Number of leading bits this id shares with {@code other} (160 when equal). */
  public int commonPrefixLength(NodeId other) {
    long x = hi ^ other.hi;
    if (x != 0) {
      return Long.numberOfLeadingZeros(x);
    }
    x = mid ^ other.mid;
    if (x != 0) {
      return 64 + Long.numberOfLeadingZeros(x);
    }
    int y = lo ^ other.lo;
    return y != 0 ? 128 + Integer.numberOfLeadingZeros(y) : BITS;
  }

  /**
   * Compares the XOR distances of {@code a} and {@code b} to this id: negative when {@code a} is closer, zero when
   * they are the same id, positive when {@code b} is closer. Allocation-free.
   */
  public int compareDistance(NodeId a, NodeId b) {
    int c = Long.compareUnsigned(a.hi ^ hi, b.hi ^ hi);
    if (c != 0) {
      return c;
    }
    c = Long.compareUnsigned(a.mid ^ mid, b.mid ^ mid);
    if (c != 0) {
      return c;
    }
    return Integer.compareUnsigned(a.lo ^ lo, b.lo ^ lo);
  }

  /**
   * The XOR distance's bit length, 0..160: 0 for the same id, 160 when the first bit differs. Kademlia's "bucket
   * index" of {@code other} relative to this id is {@code distanceBits - 1}.
   */
  public int distanceBits(NodeId other) {
    return BITS - commonPrefixLength(other);
  }

  /** Unsigned big-endian order of the ids themselves. */
  @Override
  public int compareTo(NodeId o) {
    int c = Long.compareUnsigned(hi, o.hi);
    if (c != 0) {
      return c;
    }
    c = Long.compareUnsigned(mid, o.mid);
    return c != 0 ? c : Integer.compareUnsigned(lo, o.lo);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeId n && n.hi == hi && n.mid == mid && n.lo == lo;
  }

  @Override
  public int hashCode() {
    // Ids are random, so the low bits are already well mixed.
    return (int) (hi ^ (hi >>> 32)) * 31 + (int) mid ^ lo;
  }

  /** 40 lowercase hex digits. */
  @Override
  public String toString() {
    return HEX.formatHex(toBytes());
  }

  private static long readLong(byte[] b, int o) {
    return ((long) readInt(b, o) << 32) | (readInt(b, o + 4) & 0xffffffffL);
  }

  private static int readInt(byte[] b, int o) {
    return (b[o] & 0xff) << 24 | (b[o + 1] & 0xff) << 16 | (b[o + 2] & 0xff) << 8 | (b[o + 3] & 0xff);
  }

  private static void writeLong(byte[] b, int o, long v) {
    writeInt(b, o, (int) (v >>> 32));
    writeInt(b, o + 4, (int) v);
  }

  private static void writeInt(byte[] b, int o, int v) {
    b[o] = (byte) (v >>> 24);
    b[o + 1] = (byte) (v >>> 16);
    b[o + 2] = (byte) (v >>> 8);
    b[o + 3] = (byte) v;
  }
}
