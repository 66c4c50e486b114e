package io.dht.sim;

import io.dht.id.NodeId;
import io.dht.item.Item;
import io.dht.item.ItemStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A simulated host's item store: the core's in-memory store, plus {@link #forget}, which destroys one stored item
 * the way a damaged disk loses one file while the node keeps running. Until something is forgotten it behaves
 * exactly like the store it wraps; a forgotten item is invisible until it is put again. (A forgotten item still
 * occupies a slot of the wrapped store's bound until it expires.)
 */
final class SimItemStore implements ItemStore {
  private final ItemStore delegate;
  private final TreeSet<NodeId> forgotten = new TreeSet<>();

  SimItemStore(ItemStore delegate) {
    this.delegate = delegate;
  }

  /** Destroys the item stored under {@code target}, if any; true if there was one. */
  boolean forget(NodeId target, long now) {
    if (forgotten.contains(target) || delegate.get(target, now).isEmpty()) {
      return false;
    }
    forgotten.add(target);
    return true;
  }

  @Override
  public Optional<Item> get(NodeId target, long now) {
    return forgotten.contains(target) ? Optional.empty() : delegate.get(target, now);
  }

  @Override
  public boolean put(Item item, long now) {
    boolean stored = delegate.put(item, now);
    if (stored) {
      forgotten.remove(item.target());
    }
    return stored;
  }

  @Override
  public void expire(long now) {
    delegate.expire(now);
    if (!forgotten.isEmpty()) {
      forgotten.retainAll(delegate.targets());
    }
  }

  @Override
  public List<NodeId> targets() {
    List<NodeId> all = delegate.targets();
    if (forgotten.isEmpty()) {
      return all;
    }
    List<NodeId> out = new ArrayList<>(all.size());
    for (NodeId t : all) {
      if (!forgotten.contains(t)) {
        out.add(t);
      }
    }
    return out;
  }

  @Override
  public int size() {
    return forgotten.isEmpty() ? delegate.size() : targets().size();
  }
}
