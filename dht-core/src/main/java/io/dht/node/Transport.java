package io.dht.node;

import io.dht.id.Endpoint;

/**
 * The node's only way out: sends one datagram. Implementations must not keep a reference to {@code data} after
 * returning (copy it if the datagram is delivered later), and must not call back into the node. A datagram to an
 * address family the transport cannot reach is dropped.
 */
@FunctionalInterface
public interface Transport {
  void send(Endpoint to, byte[] data, int offset, int length);

  /**
   * Whether this transport reaches both IPv4 and IPv6 (BEP 32 dual stack). A dual-stack node asks for both
   * {@code nodes} and {@code nodes6} in its lookups; a single-stack node uses the family of each reply.
   */
  default boolean dualStack() {
    return false;
  }
}
