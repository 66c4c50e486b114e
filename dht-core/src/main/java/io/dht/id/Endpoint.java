package io.dht.id;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * A UDP endpoint: an IPv4 or IPv6 address and a port. Parsing accepts IP literals only ({@code 127.0.0.2:6881},
 * {@code [::1]:6881}); resolving host names is the application's job, so the core never touches DNS.
 */
public record Endpoint(InetAddress address, int port) {
  /** Bytes of a compact IPv4 endpoint (BEP 5 "compact peer info"). */
  public static final int COMPACT_V4 = 6;
  /** Bytes of a compact IPv6 endpoint (BEP 32). */
  public static final int COMPACT_V6 = 18;

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  /** Hex groups and colons, optionally ending in a dotted IPv4 part: nothing a resolver would look up. */
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:]+(\\d{1,3}(\\.\\d{1,3}){3})?");

  public Endpoint {
    if (address == null) {
      throw new IllegalArgumentException("address is required");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range 0..65535: " + port);
    }
  }

  /** Parses {@code a.b.c.d:port} or {@code [v6]:port}; IP literals only. */
  public static Endpoint parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("expected IP:PORT, got '" + text + "'");
    }
    String host = text.substring(0, colon);
    String portText = text.substring(colon + 1);
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in '" + text + "'", e);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range 1..65535 in '" + text + "'");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new IllegalArgumentException("an IPv6 endpoint is written [ADDRESS]:PORT, got '" + text + "'");
    }
    return new Endpoint(parseAddress(host), port);
  }

  /** Parses an IPv4 or IPv6 literal without any name lookup. */
  public static InetAddress parseAddress(String literal) {
    boolean v4 = IPV4.matcher(literal).matches();
    if (!v4 && !(literal.contains(":") && IPV6.matcher(literal).matches())) {
      throw new IllegalArgumentException("not an IP address literal: '" + literal + "'");
    }
    if (v4) {
      String[] parts = literal.split("\\.");
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        int v = Integer.parseInt(parts[i]);
        if (v > 255) {
          throw new IllegalArgumentException("not an IPv4 address: '" + literal + "'");
        }
        b[i] = (byte) v;
      }
      return of(b);
    }
    try {
      // A literal containing ':' is parsed, never looked up.
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IPv6 address: '" + literal + "'", e);
    }
  }

  /** An endpoint for raw address bytes (4 or 16). */
  public static Endpoint of(byte[] address, int port) {
    return new Endpoint(of(address), port);
  }

  private static InetAddress of(byte[] address) {
    try {
      if (address.length == 16) {
        // keeps ::ffff:a.b.c.d an IPv6 address (InetAddress.getByAddress would turn it into IPv4)
        return Inet6Address.getByAddress(null, address, -1);
      }
      return InetAddress.getByAddress(address);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("address must have 4 or 16 bytes, got " + address.length, e);
    }
  }

  /** Decodes a 6-byte (IPv4) or 18-byte (IPv6) compact endpoint at {@code src[offset]}. */
  public static Endpoint fromCompact(byte[] src, int offset, int length) {
    if (length != COMPACT_V4 && length != COMPACT_V6) {
      throw new IllegalArgumentException("compact endpoint is 6 or 18 bytes, got " + length);
    }
    int addrLen = length - 2;
    byte[] a = new byte[addrLen];
    System.arraycopy(src, offset, a, 0, addrLen);
    int port = (src[offset + addrLen] & 0xff) << 8 | (src[offset + addrLen + 1] & 0xff);
    return of(a, port);
  }

  public boolean isIpv4() {
    return address instanceof Inet4Address;
  }

  public boolean isIpv6() {
    return address instanceof Inet6Address;
  }

  /** 6 for IPv4, 18 for IPv6. */
  public int compactLength() {
    return isIpv4() ? COMPACT_V4 : COMPACT_V6;
  }

  /** Writes the compact form at {@code dst[offset]}; returns the bytes written. */
  public int writeCompact(byte[] dst, int offset) {
    byte[] a = address.getAddress();
    System.arraycopy(a, 0, dst, offset, a.length);
    dst[offset + a.length] = (byte) (port >>> 8);
    dst[offset + a.length + 1] = (byte) port;
    return a.length + 2;
  }

  /** The compact form as a fresh array. */
  public byte[] toCompact() {
    byte[] out = new byte[compactLength()];
    writeCompact(out, 0);
    return out;
  }

  /** {@code a.b.c.d:port} or {@code [v6]:port}; parses back with {@link #parse(String)}. */
  @Override
  public String toString() {
    String host = address.getHostAddress();
    return isIpv6() ? "[" + host + "]:" + port : host + ":" + port;
  }
}
