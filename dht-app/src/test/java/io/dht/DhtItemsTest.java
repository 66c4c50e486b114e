package io.dht;

import static io.dht.TestSwarm.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.id.NodeId;
import io.dht.item.MutableItem;
import io.dht.item.Sha1;
import io.dht.keys.SigningKeyPair;
import io.dht.node.DurabilityStats;
import io.dht.node.PutResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** BEP 44 through the {@link Dht} facade on a real UDP swarm on loopback. */
class DhtItemsTest {
  private static TestSwarm swarm;

  @BeforeAll
  static void startSwarm() throws Exception {
    swarm = TestSwarm.start(12, 100);
    swarm.bootstrapAll();
  }

  @AfterAll
  static void stopSwarm() {
    if (swarm != null) {
      swarm.close();
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void immutableRoundTrip() throws Exception {
    byte[] value = utf8("hello from the facade " + System.nanoTime());
    PutResult put = get(swarm.node(3).putImmutable(value));

    assertThat(put.target()).isEqualTo(Sha1.of(Bencode.encode(BString.of(value))));
    assertThat(put.storedOn()).hasSize(8); // k of the 11 other nodes

    Dht.GetResult got = get(swarm.node(9).get(put.target()));
    assertThat(got.found()).isTrue();
    assertThat(got.value()).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
    assertThat(got.seq()).isEmpty();
    assertThat(got.holders()).isGreaterThanOrEqualTo(7);
    assertThat(got.target()).isEqualTo(put.target());
  }

  @Test
  void largestValueFitsAndOneByteMoreFailsFast() throws Exception {
    byte[] max = new byte[Dht.MAX_DATA_BYTES];
    new SplittableRandom(5).nextBytes(max);
    PutResult put = get(swarm.node(1).putImmutable(max));
    assertThat(put.storedOn()).isNotEmpty();
    assertThat(get(swarm.node(2).get(put.target())).value()).hasValueSatisfying(v -> assertThat(v).isEqualTo(max));

    byte[] tooBig = new byte[Dht.MAX_DATA_BYTES + 1];
    assertThatThrownBy(() -> swarm.node(1).putImmutable(tooBig))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "value is 997 bytes (1001 bencoded); BEP 44 allows at most 1000 bytes bencoded, that is 996 bytes of data");
    SigningKeyPair key = SigningKeyPair.generate();
    assertThatThrownBy(() -> swarm.node(1).putMutable(key, null, 1, new byte[5000]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("value is 5000 bytes (5005 bencoded); BEP 44 allows at most 1000 bytes bencoded");
    assertThatThrownBy(() -> swarm.node(1).putImmutableDurable(tooBig)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void badMutableArgumentsFailFast() {
    SigningKeyPair key = SigningKeyPair.generate();
    Dht d = swarm.node(1);
    assertThatThrownBy(() -> d.putMutable(key, new byte[65], 1, utf8("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("salt is 65 bytes; BEP 44 allows at most 64");
    assertThatThrownBy(() -> d.putMutable(key, null, -1, utf8("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("seq must not be negative, got -1");
    assertThatThrownBy(() -> d.putMutable(key, null, 1, utf8("x"), OptionalLong.of(-2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cas must not be negative, got -2");
    assertThatThrownBy(() -> d.putMutable(null, null, 1, utf8("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key is required");
    assertThatThrownBy(() -> d.putImmutable(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("value is required");
    assertThatThrownBy(() -> d.getMutable(new byte[31], null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a public key has 32 bytes, got 31");
  }

  @Test
  void mutableRoundTripAndUpdateWithAHigherSeq() throws Exception {
    SigningKeyPair key = SigningKeyPair.generate();
    byte[] salt = utf8("profile");
    PutResult first = get(swarm.node(2).putMutable(key, salt, 1, utf8("version one")));
    assertThat(first.target()).isEqualTo(MutableItem.target(key.publicKey(), salt));
    assertThat(first.storedOn()).hasSize(8);

    Dht.GetResult got = get(swarm.node(6).getMutable(key.publicKey(), salt));
    assertThat(got.value()).hasValueSatisfying(v -> assertThat(v).isEqualTo(utf8("version one")));
    assertThat(got.seq()).hasValue(1);

    PutResult second = get(swarm.node(4).putMutable(key, salt, 2, utf8("version two")));
    assertThat(second.target()).isEqualTo(first.target());
    assertThat(second.storedOn()).hasSize(8);
    got = get(swarm.node(8).getMutable(key.publicKey(), salt));
    assertThat(got.value()).hasValueSatisfying(v -> assertThat(v).isEqualTo(utf8("version two")));
    assertThat(got.seq()).hasValue(2);
    assertThat(got.holders()).isGreaterThanOrEqualTo(7);

    // An older seq is refused by every holder of the newer one (BEP 44: 302) and does not replace the newer value.
    // A node holding no copy stores it (it has nothing to compare with). One can be among the put's 8 closest when a
    // holder answers the put's lookup too slowly, as on a loaded machine; gets still return the highest seq.
    PutResult stale = get(swarm.node(5).putMutable(key, salt, 1, utf8("stale")));
    assertThat(stale.storedOn()).doesNotContainAnyElementsOf(second.storedOn());
    assertThat(stale.refused()).isNotEmpty().allSatisfy(r -> assertThat(r.code()).isEqualTo(302));
    assertThat(get(swarm.node(7).getMutable(key.publicKey(), salt)).seq()).hasValue(2);

    // The same item is found by target with its salt, not without it.
    assertThat(get(swarm.node(3).get(first.target(), salt)).seq()).hasValue(2);
    assertThat(get(swarm.node(3).get(first.target())).found()).isFalse();
  }

  @Test
  void unsaltedMutableItemIsFoundByTargetAlone() throws Exception {
    SigningKeyPair key = SigningKeyPair.generate();
    PutResult put = get(swarm.node(2).putMutable(key, null, 7, utf8("no salt")));
    assertThat(put.target()).isEqualTo(Sha1.of(key.publicKey()));
    Dht.GetResult got = get(swarm.node(10).get(put.target()));
    assertThat(got.seq()).hasValue(7);
    assertThat(got.value()).hasValueSatisfying(v -> assertThat(v).isEqualTo(utf8("no salt")));
  }

  @Test
  void casMismatchIsRefusedAndCasMatchIsStored() throws Exception {
    SigningKeyPair key = SigningKeyPair.generate();
    byte[] salt = utf8("counter");
    assertThat(get(swarm.node(1).putMutable(key, salt, 5, utf8("5"))).storedOn()).hasSize(8);

    // From the same node, so that the put goes to the same 8 nodes, which all hold seq 5. (A node that returned no
    // data gets no cas, BEP 44, and stores the item: cas guards only the copies that exist.)
    PutResult mismatch = get(swarm.node(1).putMutable(key, salt, 6, utf8("6 wrongly"), OptionalLong.of(4)));
    assertThat(mismatch.storedOn()).as("every holder answers 301").isEmpty();
    Dht.GetResult still = get(swarm.node(3).getMutable(key.publicKey(), salt));
    assertThat(still.seq()).hasValue(5);

    PutResult match = get(swarm.node(1).putMutable(key, salt, 6, utf8("6"), OptionalLong.of(5)));
    assertThat(match.storedOn()).hasSize(8);
    Dht.GetResult now = get(swarm.node(4).getMutable(key.publicKey(), salt));
    assertThat(now.seq()).hasValue(6);
    assertThat(now.value()).hasValueSatisfying(v -> assertThat(v).isEqualTo(utf8("6")));
  }

  @Test
  void missingItemIsNotFound() throws Exception {
    NodeId nowhere = NodeId.random(new SplittableRandom(99));
    Dht.GetResult got = get(swarm.node(5).get(nowhere));
    assertThat(got.found()).isFalse();
    assertThat(got.value()).isEmpty();
    assertThat(got.holders()).isZero();
    assertThat(got.lookup().responses()).isPositive();
  }

  @Test
  void durablePutsAreListedUntilCancelled() throws Exception {
    Dht d = swarm.node(11);
    SigningKeyPair key = SigningKeyPair.generate();
    PutResult imm = get(d.putImmutableDurable(utf8("kept alive")));
    PutResult mut = get(d.putMutableDurable(key, utf8("s"), 1, utf8("kept alive too")));
    assertThat(imm.storedOn()).isNotEmpty();
    assertThat(mut.storedOn()).isNotEmpty();
    assertThat(get(d.durableItems())).extracting(i -> i.target()).containsExactlyInAnyOrder(imm.target(), mut.target());
    assertThat(get(d.durabilityStats()).durablePuts()).isEqualTo(2);

    assertThat(get(d.cancelDurable(imm.target()))).isTrue();
    assertThat(get(d.cancelDurable(imm.target()))).isFalse();
    assertThat(get(d.cancelDurable(mut.target()))).isTrue();
    assertThat(get(d.durableItems())).isEmpty();
  }

  /** The holders of an item: the nodes that hold any item at all, in a swarm where only that item was put. */
  private static List<Integer> holders(TestSwarm s) throws Exception {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < s.size(); i++) {
      DurabilityStats stats = get(s.node(i).durabilityStats());
      if (stats.itemsHeld() > 0) {
        out.add(i);
      }
    }
    return out;
  }

  @Test
  void gracefulCloseOfEveryHolderHandsTheItemOn() throws Exception {
    try (TestSwarm s = TestSwarm.start(16, 120)) {
      s.bootstrapAll();
      byte[] value = utf8("survives its holders");
      PutResult put = get(s.node(0).putImmutable(value));
      List<Integer> holders = holders(s);
      assertThat(holders).hasSize(put.copies()); // with the publisher when it is among the 8 closest
      int getter = 0;
      while (holders.contains(getter)) {
        getter++;
      }

      for (int h : holders) {
        long start = System.nanoTime();
        OptionalInt handed = s.node(h).closeGracefully(Duration.ofSeconds(15));
        System.out.printf(
            "[graceful] holder %d handed %s items off in %d ms%n", h, handed, (System.nanoTime() - start) / 1_000_000);
        assertThat(handed).as("items handed off by node %d", h).hasValue(1);
      }

      Dht.GetResult got = get(s.node(getter).get(put.target()));
      assertThat(got.value()).as("after all original holders left gracefully").hasValueSatisfying(
          v -> assertThat(v).isEqualTo(value));
      assertThat(got.holders()).isPositive();
      assertThat(s.node(holders.get(0)).closeGracefully(Duration.ofSeconds(1))).as("already closed").isEmpty();
    }
  }

  @Test
  void plainCloseOfEveryHolderLosesTheItem() throws Exception {
    try (TestSwarm s = TestSwarm.start(12, 140)) {
      s.bootstrapAll();
      PutResult put = get(s.node(0).putImmutable(utf8("lost with its holders")));
      List<Integer> holders = holders(s);
      // the 8 that acknowledged, and the publisher itself when it is among the 8 closest of the 12
      assertThat(holders).hasSize(put.copies());
      assertThat(put.storedOn()).hasSize(8);
      int getter = 0;
      while (holders.contains(getter)) {
        getter++;
      }
      for (int h : holders) {
        s.node(h).close();
      }
      assertThat(get(s.node(getter).get(put.target())).found()).as("control: no handoff, no copy").isFalse();
    }
  }

  @Test
  void gracefulCloseOfANodeHoldingNothingIsQuick() {
    Dht lone = Dht.builder().bindAddress(TestSwarm.host(160)).start();
    long start = System.nanoTime();
    assertThat(lone.closeGracefully(Duration.ofSeconds(5))).hasValue(0);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    lone.close(); // idempotent
    assertThat(lone.closeGracefully(Duration.ofSeconds(1))).isEmpty();
  }

  @Test
  void aLoneNodeStoresNowhere() throws Exception {
    try (Dht lone = Dht.builder().bindAddress(TestSwarm.host(161)).start()) {
      PutResult put = get(lone.putImmutable(utf8("nobody to tell")));
      assertThat(put.storedOn()).isEmpty();
      assertThat(get(lone.get(put.target())).found()).isFalse();
    }
  }

  @Test
  void valuesAreCopiedAtTheCall() throws Exception {
    byte[] value = utf8("copy me");
    var future = swarm.node(4).putImmutable(value);
    Arrays.fill(value, (byte) 'x');
    PutResult put = get(future);
    assertThat(get(swarm.node(5).get(put.target())).value())
        .hasValueSatisfying(v -> assertThat(v).isEqualTo(utf8("copy me")));
  }
}
