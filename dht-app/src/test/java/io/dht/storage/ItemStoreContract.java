package io.dht.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.NodeId;
import io.dht.item.Item;
import io.dht.item.ItemStore;
import io.dht.item.MutableItem;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ItemStore} does, run against the in-memory and the persistent implementation: put and get,
 * replace, expiry, the bound with eviction of the item farthest from our id, refusal of an item that would be the
 * farthest, and the order of {@link ItemStore#targets()}.
 */
abstract class ItemStoreContract {
  static final long TTL = 7_200_000_000_000L; // 2 hours
  static final long T0 = 1_000_000_000L;
  static final NodeId SELF = NodeId.parseHex("8000000000000000000000000000000000000001");

  /** A new, empty store. */
  abstract ItemStore create(NodeId self, long ttlNanos, int maxItems);

  @Test
  void storesAndReturnsImmutableAndMutableItems() {
    ItemStore s = create(SELF, TTL, 100);
    Item a = TestItems.immutable("hello");
    MutableItem m = TestItems.mutable(1, "salt", 5, "world");
    assertThat(s.put(a, T0)).isTrue();
    assertThat(s.put(m, T0)).isTrue();
    assertThat(s.get(a.target(), T0 + 1)).contains(a);
    assertThat(s.get(m.target(), T0 + 1)).contains(m);
    assertThat(s.size()).isEqualTo(2);
  }

  @Test
  void unknownTargetIsEmpty() {
    ItemStore s = create(SELF, TTL, 100);
    s.put(TestItems.immutable("x"), T0);
    assertThat(s.get(TestItems.immutable("y").target(), T0)).isEmpty();
  }

  @Test
  void aNewVersionReplacesTheOld() {
    ItemStore s = create(SELF, TTL, 100);
    MutableItem v1 = TestItems.mutable(2, "", 1, "first");
    MutableItem v2 = TestItems.mutable(2, "", 2, "second");
    assertThat(v2.target()).isEqualTo(v1.target());
    s.put(v1, T0);
    assertThat(s.put(v2, T0 + 10)).isTrue();
    assertThat(s.get(v1.target(), T0 + 20)).contains(v2);
    assertThat(s.size()).isEqualTo(1);
  }

  @Test
  void itemsExpireTheirTimeToLiveAfterTheLastPut() {
    ItemStore s = create(SELF, TTL, 100);
    Item a = TestItems.immutable("a");
    Item b = TestItems.immutable("b");
    s.put(a, T0);
    s.put(b, T0);
    assertThat(s.get(a.target(), T0 + TTL - 1)).contains(a);
    assertThat(s.get(a.target(), T0 + TTL)).isEmpty();

    s.put(b, T0 + 1000); // a re-put restarts the clock
    s.expire(T0 + TTL);
    assertThat(s.targets()).containsExactly(b.target());
    assertThat(s.size()).isEqualTo(1);
    assertThat(s.get(b.target(), T0 + 1000 + TTL - 1)).contains(b);
    s.expire(T0 + 1000 + TTL);
    assertThat(s.size()).isZero();
    assertThat(s.targets()).isEmpty();
    assertThat(s.get(b.target(), T0 + 1000 + TTL)).isEmpty();
  }

  @Test
  void whenFullANewItemEvictsTheFarthestFromOurId() {
    List<Item> ranked = TestItems.byDistance(SELF, 6);
    ItemStore s = create(SELF, TTL, 3);
    assertThat(s.put(ranked.get(0), T0)).isTrue();
    assertThat(s.put(ranked.get(1), T0)).isTrue();
    assertThat(s.put(ranked.get(3), T0)).isTrue();

    assertThat(s.put(ranked.get(2), T0 + 1)).isTrue();

    assertThat(s.size()).isEqualTo(3);
    assertThat(s.get(ranked.get(3).target(), T0 + 2)).isEmpty();
    assertThat(s.targets())
        .containsExactlyInAnyOrder(ranked.get(0).target(), ranked.get(1).target(), ranked.get(2).target());
  }

  @Test
  void whenFullAnItemFartherThanEverythingStoredIsRefused() {
    List<Item> ranked = TestItems.byDistance(SELF, 6);
    ItemStore s = create(SELF, TTL, 3);
    for (int i = 0; i < 3; i++) {
      s.put(ranked.get(i), T0);
    }
    assertThat(s.put(ranked.get(5), T0 + 1)).isFalse();
    assertThat(s.get(ranked.get(5).target(), T0 + 1)).isEmpty();
    assertThat(s.size()).isEqualTo(3);
    for (int i = 0; i < 3; i++) {
      assertThat(s.get(ranked.get(i).target(), T0 + 1)).contains(ranked.get(i));
    }
  }

  @Test
  void whenFullAReputOfAStoredItemIsAccepted() {
    List<Item> ranked = TestItems.byDistance(SELF, 3);
    ItemStore s = create(SELF, TTL, 3);
    for (Item i : ranked) {
      s.put(i, T0);
    }
    assertThat(s.put(ranked.get(2), T0 + TTL / 2)).isTrue();
    assertThat(s.size()).isEqualTo(3);
    s.expire(T0 + TTL);
    assertThat(s.targets()).containsExactly(ranked.get(2).target());
  }

  @Test
  void whenFullExpiredItemsMakeRoomBeforeAnythingIsEvicted() {
    List<Item> ranked = TestItems.byDistance(SELF, 4);
    ItemStore s = create(SELF, TTL, 3);
    s.put(ranked.get(0), T0); // will have expired
    s.put(ranked.get(1), T0 + TTL / 2);
    s.put(ranked.get(2), T0 + TTL / 2);

    assertThat(s.put(ranked.get(3), T0 + TTL)).isTrue(); // the farthest, but there is room now

    assertThat(s.targets())
        .containsExactlyInAnyOrder(ranked.get(1).target(), ranked.get(2).target(), ranked.get(3).target());
  }

  @Test
  void targetsAreInAscendingOrder() {
    ItemStore s = create(SELF, TTL, 100);
    List<NodeId> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Item item = TestItems.immutable("t" + i);
      s.put(item, T0 + i);
      expected.add(item.target());
    }
    expected.sort(null);
    assertThat(s.targets()).containsExactlyElementsOf(expected);
    assertThat(s.size()).isEqualTo(20);
  }
}
