package io.dht.bencode;

import java.util.List;

/** A bencoded list ({@code l<values>e}); the list is an unmodifiable copy and holds no nulls. */
public record BList(List<BValue> values) implements BValue {

  public BList {
    values = List.copyOf(values);
  }

  /** Returns a list of the given values, in order. */
  public static BList of(BValue... values) {
    return new BList(List.of(values));
  }
}
