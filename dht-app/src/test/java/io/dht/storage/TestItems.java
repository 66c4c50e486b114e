package io.dht.storage;

import io.dht.bencode.BString;
import io.dht.id.NodeId;
import io.dht.item.ImmutableItem;
import io.dht.item.Item;
import io.dht.item.MutableItem;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/** Items for store tests (signatures are never checked by a store, so mutable items carry arbitrary bytes). */
final class TestItems {
  private TestItems() {}

  static ImmutableItem immutable(String text) {
    return ImmutableItem.ofBytes(text.getBytes(StandardCharsets.UTF_8));
  }

  static MutableItem mutable(long keySeed, String salt, long seq, String text) {
    SplittableRandom r = new SplittableRandom(keySeed);
    byte[] publicKey = new byte[32];
    r.nextBytes(publicKey);
    byte[] signature = new byte[64];
    new SplittableRandom(keySeed * 31 + seq).nextBytes(signature);
    byte[] v = ("" + text.length() + ":" + text).getBytes(StandardCharsets.UTF_8);
    return new MutableItem(
        BString.of(publicKey), BString.utf8(salt), seq, BString.of(v), BString.of(signature));
  }

  /** {@code n} distinct immutable items, closest to {@code self} first. */
  static List<Item> byDistance(NodeId self, int n) {
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      items.add(immutable("item " + i));
    }
    items.sort(Comparator.comparing(Item::target, self::compareDistance));
    return items;
  }
}
