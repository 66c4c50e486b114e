package io.dht.id;

/** A DHT node as others see it: its id and its UDP endpoint (BEP 5 "compact node info"). */
public record Contact(NodeId id, Endpoint endpoint) {
  /** Bytes of one IPv4 compact node info entry. */
  public static final int COMPACT_V4 = NodeId.LENGTH + Endpoint.COMPACT_V4;
  /** Bytes of one IPv6 compact node info entry. */
  public static final int COMPACT_V6 = NodeId.LENGTH + Endpoint.COMPACT_V6;

  public Contact {
    if (id == null || endpoint == null) {
      throw new IllegalArgumentException("id and endpoint are required");
    }
  }

  /** Writes id + compact endpoint at {@code dst[offset]}; returns the bytes written (26 or 38). */
  public int writeCompact(byte[] dst, int offset) {
    id.writeTo(dst, offset);
    return NodeId.LENGTH + endpoint.writeCompact(dst, offset + NodeId.LENGTH);
  }

  @Override
  public String toString() {
    return id + "@" + endpoint;
  }
}
