package io.dht.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.ImmutableItem;
import io.dht.item.Item;
import io.dht.item.MutableItem;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** BEP 44 get/put end to end between core nodes on the in-memory test network. */
class ItemsTest {
  private static final DhtConfig CONFIG = DhtConfig.privateNetwork();

  private static TestNetwork swarm(int size, long seed) {
    TestNetwork net = new TestNetwork(seed);
    DhtNode seedNode = net.add(CONFIG);
    Endpoint seedEp = net.endpointOf(seedNode);
    for (int i = 1; i < size; i++) {
      net.await(net.add(CONFIG).bootstrap(List.of(seedEp)));
    }
    net.runFor(30_000 * TestNetwork.MS);
    return net;
  }

  /** A key pair that depends only on {@code randomSeed}, so that item targets, and with them the tests, are repeatable. */
  static byte[][] keyPair(long randomSeed) throws Exception {
    SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
    random.setSeed(randomSeed); // before any output: the generator is then deterministic
    KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
    generator.initialize(255, random);
    var pair = generator.generateKeyPair();
    byte[] seed = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow();
    byte[] spki = pair.getPublic().getEncoded();
    return new byte[][] {seed, Arrays.copyOfRange(spki, spki.length - 32, spki.length)};
  }

  @Test
  void immutableItemPutByOneIsFoundByAnother() {
    TestNetwork net = swarm(60, 11);
    ImmutableItem item = ImmutableItem.ofBytes("hello dht".getBytes(StandardCharsets.UTF_8));
    PutResult put = net.await(net.list.get(5).putItem(item, OptionalLong.empty()));
    assertThat(put.storedOn()).hasSize(8);
    assertThat(put.target()).isEqualTo(item.target());
    ItemResult got = net.await(net.list.get(40).getItem(item.target(), new byte[0]));
    assertThat(got.item()).contains(item);
    assertThat(got.holders()).isGreaterThanOrEqualTo(8);
  }

  @Test
  void mutableItemHighestSeqWinsAndStaleSeqIsRefused() throws Exception {
    TestNetwork net = swarm(60, 12);
    byte[][] kp = keyPair(12);
    byte[] salt = "profile".getBytes(StandardCharsets.UTF_8);
    MutableItem v1 = MutableItem.sign(kp[0], kp[1], salt, 1, "one".getBytes(StandardCharsets.UTF_8));
    MutableItem v2 = MutableItem.sign(kp[0], kp[1], salt, 2, "two".getBytes(StandardCharsets.UTF_8));
    assertThat(net.await(net.list.get(3).putItem(v1, OptionalLong.empty())).storedOn()).hasSize(8);
    List<io.dht.id.Contact> v2Holders = net.await(net.list.get(4).putItem(v2, OptionalLong.empty())).storedOn();
    assertThat(v2Holders).hasSize(8);
    // seq 1 again is lower than what the holders have: every holder of seq 2 refuses it (302), and says so
    PutResult stale = net.await(net.list.get(5).putItem(v1, OptionalLong.empty()));
    // (a node still holding seq 1 from the first put accepts it as a refresh, which BEP 44 allows)
    assertThat(stale.storedOn()).noneMatch(v2Holders::contains);
    assertThat(stale.refused()).isNotEmpty();
    assertThat(stale.refused().size() + stale.storedOn().size() + stale.unanswered().size()).isEqualTo(8);
    assertThat(stale.refused()).extracting(Refusal::code).containsOnly(302);
    assertThat(stale.refused()).extracting(Refusal::message).containsOnly("sequence number less than current");
    assertThat(stale.storedLocally()).isFalse(); // it is not among the closest, or holds seq 2 and refused too
    ItemResult got = net.await(net.list.get(50).getItem(MutableItem.target(kp[1], salt), salt));
    assertThat(got.item()).contains(v2);
    Item item = got.item().orElseThrow();
    assertThat(new String(((MutableItem) item).data(), StandardCharsets.UTF_8)).isEqualTo("two");
  }

  @Test
  void casMismatchIsRefused() throws Exception {
    TestNetwork net = swarm(40, 13);
    byte[][] kp = keyPair(13);
    MutableItem v1 = MutableItem.sign(kp[0], kp[1], new byte[0], 1, new byte[] {1});
    MutableItem v2 = MutableItem.sign(kp[0], kp[1], new byte[0], 2, new byte[] {2});
    List<io.dht.id.Contact> holders = net.await(net.list.get(1).putItem(v1, OptionalLong.empty())).storedOn();
    assertThat(holders).hasSize(8);
    // Nodes holding seq 1 refuse cas 7 (301); a node that held nothing ignores cas, as BEP 44 says.
    PutResult wrong = net.await(net.list.get(2).putItem(v2, OptionalLong.of(7)));
    List<io.dht.id.Contact> wrongCas = wrong.storedOn();
    assertThat(wrongCas).noneMatch(holders::contains);
    assertThat(wrong.refused()).isNotEmpty().allSatisfy(r -> {
      assertThat(r.code()).isEqualTo(301);
      assertThat(r.message()).isEqualTo("cas mismatch: stored seq is 1");
      // a holder of seq 1: one the put reached, or the publisher's own copy
      assertThat(r.node().id().equals(net.list.get(1).id()) || holders.contains(r.node())).isTrue();
    });
    // With the right cas every node accepts, except those that already took seq 2 above (cas 1 != 2: 301).
    List<io.dht.id.Contact> rightCas = net.await(net.list.get(2).putItem(v2, OptionalLong.of(1))).storedOn();
    assertThat(rightCas).noneMatch(wrongCas::contains);
    assertThat(rightCas.size() + wrongCas.size()).isGreaterThanOrEqualTo(8);
  }

  @Test
  void aPublisherAmongTheClosestKeepsACopyAndOthersDoNot() {
    TestNetwork net = swarm(40, 15);
    ImmutableItem item = ImmutableItem.ofBytes("near".getBytes(StandardCharsets.UTF_8));
    NodeId target = item.target();
    List<DhtNode> byDistance =
        net.list.stream().sorted((a, b) -> target.compareDistance(a.id(), b.id())).toList();
    DhtNode closest = byDistance.get(0);
    PutResult put = net.await(closest.putItem(item, OptionalLong.empty()));
    assertThat(put.storedLocally()).isTrue();
    assertThat(put.storedOn()).hasSize(8).noneMatch(c -> c.id().equals(closest.id()));
    assertThat(put.copies()).isEqualTo(9);
    assertThat(closest.stats().storedItems()).isEqualTo(1);
    // a get finds it on all of the k closest nodes, the publisher (the closest) among them
    ItemResult got = net.await(byDistance.get(39).getItem(target, new byte[0]));
    assertThat(got.lookup().closest()).extracting(c -> c.id()).contains(closest.id());
    assertThat(got.holders()).isEqualTo(8);

    ImmutableItem other = ImmutableItem.ofBytes("far".getBytes(StandardCharsets.UTF_8));
    DhtNode farFromOther =
        net.list.stream().max((a, b) -> other.target().compareDistance(a.id(), b.id())).orElseThrow();
    PutResult far = net.await(farFromOther.putItem(other, OptionalLong.empty()));
    assertThat(far.storedLocally()).isFalse();
    assertThat(far.copies()).isEqualTo(far.storedOn().size()).isEqualTo(8);
  }

  @Test
  void missingItemIsEmpty() {
    TestNetwork net = swarm(30, 14);
    ItemResult got = net.await(net.list.get(7).getItem(NodeId.random(net.random), new byte[0]));
    assertThat(got.item()).isEmpty();
    assertThat(got.holders()).isZero();
    for (DhtNode n : net.list) {
      assertThat(n.stats().internalErrors()).isZero();
    }
  }
}
