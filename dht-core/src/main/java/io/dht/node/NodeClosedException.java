package io.dht.node;

/** The node was closed before the operation finished. */
public final class NodeClosedException extends DhtException {
  public NodeClosedException() {
    super("the DHT node is closed");
  }
}
