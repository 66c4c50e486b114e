package io.dht.item;

import io.dht.id.NodeId;
import java.util.List;
import java.util.Optional;

/**
 * Where a node keeps the BEP 44 items others put on it: bounded and expiring. Two implementations: in memory
 * ({@link MemoryItemStore}, for the simulator and tests) and persistent (the application's embedded database).
 * Called only on the node's loop.
 */
public interface ItemStore {
  /** The live item stored under {@code target}. */
  Optional<Item> get(NodeId target, long now);

  /**
   * Stores {@code item} under its target (replacing an older version) and restarts its expiry clock; false when
   * the store is full and the item is farther from our id than everything stored (it was refused).
   */
  boolean put(Item item, long now);

  /** Drops items not re-put within the time to live. */
  void expire(long now);

  /** Targets of the live items, in ascending order. */
  List<NodeId> targets();

  int size();
}
