package io.dht.storage;

import io.dht.id.NodeId;
import io.dht.item.ItemStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The RocksDB-backed store against the same contract as the in-memory one. */
class PersistentItemStoreContractTest extends ItemStoreContract {
  @TempDir Path dir;
  private final List<NodeDatabase> open = new ArrayList<>();

  @Override
  ItemStore create(NodeId self, long ttlNanos, int maxItems) {
    NodeDatabase db =
        NodeDatabase.open(
            dir.resolve("node" + open.size()), self, NodeDatabase.Settings.defaults().withItems(ttlNanos, maxItems));
    open.add(db);
    return db.items();
  }

  @AfterEach
  void close() {
    open.forEach(NodeDatabase::close);
  }
}
