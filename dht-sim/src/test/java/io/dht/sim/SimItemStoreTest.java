package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.NodeId;
import io.dht.item.ImmutableItem;
import io.dht.item.MemoryItemStore;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SimItemStoreTest {
  private static final long HOUR = 3600L * 1_000_000_000L;

  private static ImmutableItem item(String s) {
    return ImmutableItem.ofBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aForgottenItemIsGoneUntilPutAgain() {
    SimItemStore store = new SimItemStore(new MemoryItemStore(NodeId.zero(), 2 * HOUR, 100));
    ImmutableItem a = item("a");
    ImmutableItem b = item("b");
    store.put(a, 0);
    store.put(b, 0);

    assertThat(store.forget(a.target(), 1)).isTrue();
    assertThat(store.forget(a.target(), 1)).isFalse();
    assertThat(store.get(a.target(), 1)).isEmpty();
    assertThat(store.targets()).containsExactly(b.target());
    assertThat(store.size()).isEqualTo(1);

    store.put(a, 2);
    assertThat(store.get(a.target(), 2)).contains(a);
    assertThat(store.size()).isEqualTo(2);
  }

  @Test
  void expiryStillApplies() {
    SimItemStore store = new SimItemStore(new MemoryItemStore(NodeId.zero(), 2 * HOUR, 100));
    ImmutableItem a = item("a");
    store.put(a, 0);
    assertThat(store.forget(item("never stored").target(), 0)).isFalse();
    store.expire(2 * HOUR);
    assertThat(store.get(a.target(), 2 * HOUR)).isEmpty();
    assertThat(store.size()).isZero();
  }
}
