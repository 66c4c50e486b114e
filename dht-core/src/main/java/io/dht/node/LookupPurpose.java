package io.dht.node;

/**
 * Why a node ran an iterative lookup: asked by its owner (one of the public operations) or for its own upkeep
 * (joining, refreshing buckets, checking the replicas of held items). Metrics tag lookups with {@link #label()}.
 */
public enum LookupPurpose {
  /** {@link DhtNode#findNode}. */
  FIND_NODE("find_node"),
  /** {@link DhtNode#getPeers}. */
  GET_PEERS("get_peers"),
  /** The get_peers lookup of {@link DhtNode#announce}. */
  ANNOUNCE("announce"),
  /** {@link DhtNode#getItem}. */
  GET("get"),
  /** The get lookup of {@link DhtNode#putItem} (and of durable re-puts). */
  PUT("put"),
  /** The self-lookup of {@link DhtNode#bootstrap}. */
  BOOTSTRAP("bootstrap"),
  /** A bucket refresh: after the bootstrap, and for buckets not heard from in the refresh interval. */
  REFRESH("refresh"),
  /** A replication check of a held BEP 44 item (durability). */
  ITEM_CHECK("item_check");

  private final String label;

  LookupPurpose(String label) {
    this.label = label;
  }

  /** Lower-case, underscores: the metrics' {@code kind} tag. */
  public String label() {
    return label;
  }
}
