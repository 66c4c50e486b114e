package io.dht.node;

import io.dht.id.Endpoint;

/** A remote node did not answer a query in time. */
public final class RpcTimeoutException extends DhtException {
  public RpcTimeoutException(Endpoint endpoint) {
    super("no reply from " + endpoint);
  }
}
