package io.dht.item;

import io.dht.id.NodeId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The in-memory item store. Bounded by {@code maxItems}; when full, a new item evicts the stored item farthest from
 * our own id (the one we are least responsible for), or is refused if it is itself the farthest. Items expire
 * {@code ttlNanos} after their last put (BEP 44: 2 hours).
 */
public final class MemoryItemStore implements ItemStore {
  private final NodeId self;
  private final long ttlNanos;
  private final int maxItems;
  private final TreeMap<NodeId, Stored> items = new TreeMap<>();

  private record Stored(Item item, long storedNanos) {}

  public MemoryItemStore(NodeId self, long ttlNanos, int maxItems) {
    this.self = self;
    this.ttlNanos = ttlNanos;
    this.maxItems = maxItems;
  }

  @Override
  public Optional<Item> get(NodeId target, long now) {
    Stored s = items.get(target);
    return s == null || now - s.storedNanos >= ttlNanos ? Optional.empty() : Optional.of(s.item);
  }

  @Override
  public boolean put(Item item, long now) {
    NodeId target = item.target();
    if (!items.containsKey(target) && items.size() >= maxItems) {
      expire(now);
      if (items.size() >= maxItems) {
        NodeId farthest = null;
        for (NodeId t : items.keySet()) {
          if (farthest == null || self.compareDistance(t, farthest) > 0) {
            farthest = t;
          }
        }
        if (self.compareDistance(target, farthest) >= 0) {
          return false;
        }
        items.remove(farthest);
      }
    }
    items.put(target, new Stored(item, now));
    return true;
  }

  @Override
  public void expire(long now) {
    Iterator<Map.Entry<NodeId, Stored>> it = items.entrySet().iterator();
    while (it.hasNext()) {
      if (now - it.next().getValue().storedNanos >= ttlNanos) {
        it.remove();
      }
    }
  }

  @Override
  public List<NodeId> targets() {
    return new ArrayList<>(items.keySet());
  }

  @Override
  public int size() {
    return items.size();
  }
}
