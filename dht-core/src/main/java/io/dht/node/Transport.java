package io.dht.node;

import io.dht.id.Endpoint;

/**
 * The node's only way out: sends one datagram. Implementations must not keep a reference to {@code data} after
 * returning (copy it if the datagram is delivered later), and must not call back into the node.
 */
@FunctionalInterface
public interface Transport {
  void send(Endpoint to, byte[] data, int offset, int length);
}
