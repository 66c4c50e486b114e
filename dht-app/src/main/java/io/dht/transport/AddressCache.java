package io.dht.transport;

import io.dht.id.Endpoint;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Pairs of equal {@link InetSocketAddress} (what NIO speaks) and {@link Endpoint} (what the core speaks), so that
 * the event loop converts neither way with an allocation for the addresses it sees again: the sender of every
 * datagram is converted to an {@code Endpoint}, and every reply goes back to it as an {@code InetSocketAddress}.
 * (The JDK's {@code DatagramChannel.receive} itself returns the same {@code InetSocketAddress} object for
 * consecutive datagrams from one sender.)
 *
 * <p>Direct-mapped: {@value #SLOTS} slots chosen by a hash of address and port, a newer pair replacing an older
 * one in its slot. Bounded, never wrong (a hit compares address, IPv6 scope and port), and a miss costs what no
 * cache would: one allocation. Loop thread only.
 */
final class AddressCache {
  /** Slots; a power of two. */
  static final int SLOTS = 1024;

  private final InetSocketAddress[] socketAddresses = new InetSocketAddress[SLOTS];
  private final Endpoint[] endpoints = new Endpoint[SLOTS];
  private long hits;
  private long misses;

  /** The endpoint of a received datagram's source. */
  Endpoint endpointOf(InetSocketAddress source) {
    InetAddress address = source.getAddress();
    int port = source.getPort();
    int slot = slot(address, port);
    InetSocketAddress cached = socketAddresses[slot];
    if (cached == source || (cached != null && cached.getPort() == port && same(address, cached.getAddress()))) {
      hits++;
      return endpoints[slot];
    }
    misses++;
    Endpoint endpoint = new Endpoint(address, port);
    socketAddresses[slot] = source;
    endpoints[slot] = endpoint;
    return endpoint;
  }

  /** The socket address to send to {@code to}. */
  InetSocketAddress socketAddressOf(Endpoint to) {
    InetAddress address = to.address();
    int port = to.port();
    int slot = slot(address, port);
    Endpoint cached = endpoints[slot];
    if (cached == to || (cached != null && cached.port() == port && same(address, cached.address()))) {
      hits++;
      return socketAddresses[slot];
    }
    misses++;
    InetSocketAddress socketAddress = new InetSocketAddress(address, port);
    socketAddresses[slot] = socketAddress;
    endpoints[slot] = to;
    return socketAddress;
  }

  /** Conversions answered from the cache. */
  long hits() {
    return hits;
  }

  /** Conversions that allocated. */
  long misses() {
    return misses;
  }

  /** Equal addresses, and for IPv6 the same scope (a link-local address means a different host per interface). */
  private static boolean same(InetAddress a, InetAddress b) {
    if (a == b) {
      return true;
    }
    if (!a.equals(b)) {
      return false;
    }
    return !(a instanceof Inet6Address a6) || a6.getScopeId() == ((Inet6Address) b).getScopeId();
  }

  private static int slot(InetAddress address, int port) {
    int h = address.hashCode() * 31 + port;
    h ^= h >>> 16;
    h *= 0x45d9f3b;
    h ^= h >>> 16;
    return h & (SLOTS - 1);
  }
}
