package io.dht.storage;

import static io.dht.storage.NodeDatabase.Family.ITEMS;

import io.dht.id.NodeId;
import io.dht.item.Item;
import io.dht.item.ItemStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.rocksdb.RocksDBException;

/**
 * The item store on disk, with exactly the semantics of the core's {@code MemoryItemStore}: bounded by {@code
 * maxItems}; when full, a new item evicts the stored item farthest (by XOR) from our id, or is refused if it is
 * itself the farthest; an item expires its time to live after its last put.
 *
 * <p>Values live in the database only ({@link Records} has the format); memory holds an index of target to time of
 * last put on the node's monotonic clock, which drives expiry, eviction, {@link #targets()} and {@link #size()}.
 * On disk the time is wall-clock millis; at open, each item's age is carried over to the monotonic clock and items
 * that expired while the node was down are deleted.
 *
 * <p>A put is in RocksDB's write-ahead log, handed to the OS, before it returns true. When the database fails (disk
 * full, I/O error) the put is refused (false) with a warning and nothing changes. Loop thread only.
 */
public final class PersistentItemStore implements ItemStore {
  private final NodeDatabase db;
  private final NodeId self;
  private final long ttlNanos;
  private final int maxItems;
  /** Target → monotonic time of its last put. */
  private final TreeMap<NodeId, Long> stored = new TreeMap<>();

  PersistentItemStore(NodeDatabase db, NodeId self, NodeDatabase.Settings settings) {
    this.db = db;
    this.self = self;
    this.ttlNanos = settings.itemTtlNanos();
    this.maxItems = settings.maxItems();
    load(settings);
  }

  private void load(NodeDatabase.Settings settings) {
    long wallNow = settings.wallMillis().getAsLong();
    long monoNow = settings.monotonicNanos().getAsLong();
    List<byte[]> drop = new ArrayList<>();
    try {
      db.forEach(
          ITEMS,
          (key, value) -> {
            Records.StoredItem item;
            try {
              item = Records.decodeItem(key, value);
            } catch (RuntimeException e) {
              NodeDatabase.warnCorrupt("item", key, e);
              drop.add(key);
              return;
            }
            long ageMillis = Math.max(0, wallNow - item.storedMillis()); // a clock set back counts as age 0
            if (ageMillis >= ttlNanos / 1_000_000 + 1 || ageMillis * 1_000_000 >= ttlNanos) {
              drop.add(key);
            } else {
              stored.put(item.item().target(), monoNow - ageMillis * 1_000_000);
            }
          });
    } catch (RocksDBException e) {
      throw new IllegalStateException(
          "cannot read the items of node database " + db.path() + ": " + NodeDatabase.oneLine(e), e);
    }
    while (stored.size() > maxItems) { // the bound was lowered since the last run
      NodeId farthest = farthest();
      stored.remove(farthest);
      drop.add(Records.itemKey(farthest));
    }
    if (!drop.isEmpty()) {
      try {
        db.update(ITEMS, drop, null, null);
      } catch (RocksDBException e) {
        db.warnFailure("deleting " + drop.size() + " expired or corrupt items", e);
      }
    }
  }

  @Override
  public Optional<Item> get(NodeId target, long now) {
    Long t = stored.get(target);
    if (t == null || now - t >= ttlNanos) {
      return Optional.empty();
    }
    byte[] key = Records.itemKey(target);
    byte[] value;
    try {
      value = db.get(ITEMS, key);
    } catch (RocksDBException e) {
      db.warnFailure("reading item " + target, e);
      return Optional.empty();
    }
    if (value == null) {
      stored.remove(target); // cannot happen unless the files were changed under us
      return Optional.empty();
    }
    try {
      return Optional.of(Records.decodeItem(key, value).item());
    } catch (RuntimeException e) {
      NodeDatabase.warnCorrupt("item", key, e);
      delete(List.of(target));
      return Optional.empty();
    }
  }

  @Override
  public boolean put(Item item, long now) {
    NodeId target = item.target();
    NodeId evict = null;
    if (!stored.containsKey(target) && stored.size() >= maxItems) {
      expire(now);
      if (stored.size() >= maxItems) {
        NodeId farthest = farthest();
        if (self.compareDistance(target, farthest) >= 0) {
          return false;
        }
        evict = farthest;
      }
    }
    byte[] record = Records.encodeItem(item, db.settings().wallMillis().getAsLong());
    try {
      db.update(
          ITEMS, evict == null ? List.of() : List.of(Records.itemKey(evict)), Records.itemKey(target), record);
    } catch (RocksDBException e) {
      db.warnFailure("storing item " + target, e);
      return false;
    }
    if (evict != null) {
      stored.remove(evict);
    }
    stored.put(target, now);
    return true;
  }

  private NodeId farthest() {
    NodeId farthest = null;
    for (NodeId t : stored.keySet()) {
      if (farthest == null || self.compareDistance(t, farthest) > 0) {
        farthest = t;
      }
    }
    return farthest;
  }

  @Override
  public void expire(long now) {
    List<NodeId> expired = new ArrayList<>();
    for (Iterator<Map.Entry<NodeId, Long>> it = stored.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<NodeId, Long> e = it.next();
      if (now - e.getValue() >= ttlNanos) {
        expired.add(e.getKey());
      }
    }
    if (!expired.isEmpty()) {
      delete(expired);
    }
  }

  /**
   * Forgets {@code targets} and deletes them from disk. If the delete fails they are gone from the index all the
   * same; a record left behind is dropped at the next open, being expired or re-put by then.
   */
  private void delete(List<NodeId> targets) {
    List<byte[]> keys = new ArrayList<>(targets.size());
    for (NodeId t : targets) {
      stored.remove(t);
      keys.add(Records.itemKey(t));
    }
    try {
      db.update(ITEMS, keys, null, null);
    } catch (RocksDBException e) {
      db.warnFailure("deleting " + targets.size() + " items", e);
    }
  }

  @Override
  public List<NodeId> targets() {
    return new ArrayList<>(stored.keySet());
  }

  @Override
  public int size() {
    return stored.size();
  }
}
