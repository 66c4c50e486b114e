package io.dht.id;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.random.RandomGenerator;
import java.util.zip.CRC32C;

/**
 * BEP 42: node ids derived from the node's external IP, so that an attacker cannot choose ids next to a target.
 * The first 21 bits of a conforming id equal the first 21 bits of CRC32C(masked IP with {@code r} folded in), and
 * the last byte carries {@code r}. Local and private addresses are exempt.
 */
public final class NodeIdSecurity {
  private static final byte[] V4_MASK = {0x03, 0x0f, 0x3f, (byte) 0xff};
  private static final byte[] V6_MASK = {0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, (byte) 0xff};

  private NodeIdSecurity() {}

  /** A conforming id for {@code ip} with a random {@code r} and random free bits. */
  public static NodeId generate(InetAddress ip, RandomGenerator random) {
    return generate(ip, random.nextInt(256), random);
  }

  /** A conforming id for {@code ip} whose last byte is {@code lastByte} (its low 3 bits are BEP 42's r). */
  public static NodeId generate(InetAddress ip, int lastByte, RandomGenerator random) {
    int crc = crc(ip, lastByte & 7);
    byte[] id = new byte[NodeId.LENGTH];
    random.nextBytes(id);
    id[0] = (byte) (crc >>> 24);
    id[1] = (byte) (crc >>> 16);
    id[2] = (byte) (((crc >>> 8) & 0xf8) | (id[2] & 0x07));
    id[19] = (byte) lastByte;
    return NodeId.of(id);
  }

  /** Whether {@code id} conforms to BEP 42 for {@code ip}; always true for exempt (local, private) addresses. */
  public static boolean isValid(NodeId id, InetAddress ip) {
    if (isExempt(ip)) {
      return true;
    }
    byte[] b = id.toBytes();
    int crc = crc(ip, b[19] & 7);
    return b[0] == (byte) (crc >>> 24)
        && b[1] == (byte) (crc >>> 16)
        && (b[2] & 0xf8) == ((crc >>> 8) & 0xf8);
  }

  /**
   * Addresses BEP 42 exempts: 10/8, 172.16/12, 192.168/16, 169.254/16, 127/8, and IPv6 loopback, link-local,
   * site-local and unique-local (fc00::/7).
   */
  public static boolean isExempt(InetAddress ip) {
    byte[] a = ip.getAddress();
    if (ip instanceof Inet4Address) {
      int b0 = a[0] & 0xff;
      int b1 = a[1] & 0xff;
      return b0 == 10
          || b0 == 127
          || (b0 == 172 && (b1 & 0xf0) == 16)
          || (b0 == 192 && b1 == 168)
          || (b0 == 169 && b1 == 254);
    }
    return ip.isLoopbackAddress()
        || ip.isLinkLocalAddress()
        || ip.isSiteLocalAddress()
        || (a[0] & 0xfe) == 0xfc;
  }

  private static int crc(InetAddress ip, int r) {
    byte[] a = ip.getAddress();
    byte[] mask = ip instanceof Inet4Address ? V4_MASK : V6_MASK;
    byte[] masked = new byte[mask.length];
    for (int i = 0; i < mask.length; i++) {
      masked[i] = (byte) (a[i] & mask[i]);
    }
    masked[0] |= (byte) ((r & 7) << 5);
    CRC32C crc = new CRC32C();
    crc.update(masked, 0, masked.length);
    return (int) crc.getValue();
  }
}
