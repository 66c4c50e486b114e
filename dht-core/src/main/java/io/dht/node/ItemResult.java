package io.dht.node;

import io.dht.item.Item;
import java.util.Optional;

/**
 * The outcome of a BEP 44 get: the item (for mutable items, the valid one with the highest {@code seq}), how many of
 * the responding nodes hold it, and the lookup.
 */
public record ItemResult(Optional<Item> item, int holders, LookupResult lookup) {}
