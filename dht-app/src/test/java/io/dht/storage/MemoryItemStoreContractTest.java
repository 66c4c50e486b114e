package io.dht.storage;

import io.dht.id.NodeId;
import io.dht.item.ItemStore;
import io.dht.item.MemoryItemStore;

/** The core's in-memory store against the contract, so both implementations are held to one standard. */
class MemoryItemStoreContractTest extends ItemStoreContract {
  @Override
  ItemStore create(NodeId self, long ttlNanos, int maxItems) {
    return new MemoryItemStore(self, ttlNanos, maxItems);
  }
}
