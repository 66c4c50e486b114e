package io.dht.storage;

import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * BEP 33's 2048-bit bloom filter of peer IPs (k = 2): index i = (h[2i] | h[2i+1] << 8) mod 2048 of h = SHA-1(ip),
 * bit {@code index % 8} of byte {@code index / 8}. Nodes return one for seeds ({@code BFsd}) and one for other
 * peers ({@code BFpe}); the size of a swarm is estimated from the count of zero bits.
 */
public final class ScrapeFilter {
  /** Bytes on the wire. */
  public static final int BYTES = 256;

  private static final int BITS = BYTES * 8;
  private final byte[] bits;

  public ScrapeFilter() {
    this.bits = new byte[BYTES];
  }

  private ScrapeFilter(byte[] bits) {
    this.bits = bits;
  }

  /** A filter from its 256 wire bytes. */
  public static ScrapeFilter of(byte[] wire) {
    if (wire.length != BYTES) {
      throw new IllegalArgumentException("a scrape filter has 256 bytes, got " + wire.length);
    }
    return new ScrapeFilter(wire.clone());
  }

  /** Inserts an IP address (never the port). */
  public void add(InetAddress ip) {
    byte[] h = sha1(ip.getAddress());
    set((h[0] & 0xff | (h[1] & 0xff) << 8) % BITS);
    set((h[2] & 0xff | (h[3] & 0xff) << 8) % BITS);
  }

  private void set(int index) {
    bits[index / 8] |= (byte) (1 << (index % 8));
  }

  /** Bitwise OR: the filter of the union of both sets. */
  public void addAll(ScrapeFilter other) {
    for (int i = 0; i < BYTES; i++) {
      bits[i] |= other.bits[i];
    }
  }

  /** BEP 33's estimate of the number of distinct IPs inserted: ln(c/m) / (k ln(1 - 1/m)), c = zero bits. */
  public double estimate() {
    int zeros = 0;
    for (byte b : bits) {
      zeros += 8 - Integer.bitCount(b & 0xff);
    }
    double c = Math.min(BITS - 1, zeros);
    return Math.log(c / BITS) / (2 * Math.log1p(-1.0 / BITS));
  }

  /** The 256 wire bytes. */
  public byte[] toBytes() {
    return bits.clone();
  }

  private static byte[] sha1(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always provides SHA-1", e);
    }
  }
}
