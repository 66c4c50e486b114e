package io.dht.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.ImmutableItem;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Items survive churn: holders repair missing copies, newcomers get handoffs, publishers re-put. */
class DurabilityTest {
  private static final long MINUTE = 60_000 * TestNetwork.MS;
  private static final DhtConfig CONFIG =
      DhtConfig.privateNetwork().toBuilder()
          .itemCheckInterval(Duration.ofMinutes(2))
          .republishInterval(Duration.ofMinutes(10))
          .build();

  private static TestNetwork swarm(int size, long seed) {
    TestNetwork net = new TestNetwork(seed);
    DhtNode seedNode = net.add(CONFIG);
    Endpoint seedEp = net.endpointOf(seedNode);
    for (int i = 1; i < size; i++) {
      net.await(net.add(CONFIG).bootstrap(List.of(seedEp)));
    }
    net.runFor(MINUTE / 2);
    return net;
  }

  private static int liveHolders(TestNetwork net, NodeId target) {
    int n = 0;
    for (DhtNode node : net.list) {
      if (!node.isClosed() && node.itemStore().get(target, net.now).isPresent()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void holdersRepairCopiesAfterMostHoldersCrash() {
    TestNetwork net = swarm(80, 21);
    DhtNode publisher = net.list.get(1);
    ImmutableItem item = ImmutableItem.ofBytes("survive".getBytes(StandardCharsets.UTF_8));
    PutResult put = net.await(publisher.putItem(item, OptionalLong.empty()));
    assertThat(put.storedOn()).hasSize(8);
    publisher.close(); // the publisher leaves for good: only holder-side repair can help now

    // crash 6 of the 8 holders at once
    List<Contact> holders = new ArrayList<>(put.storedOn());
    for (int i = 0; i < 6; i++) {
      net.nodes.get(holders.get(i).endpoint()).close();
    }
    assertThat(liveHolders(net, item.target())).isEqualTo(2);

    net.runFor(10 * MINUTE);

    assertThat(liveHolders(net, item.target())).isGreaterThanOrEqualTo(8);
    DhtNode reader = net.list.stream().filter(n -> !n.isClosed()).reduce((a, b) -> b).orElseThrow();
    ItemResult got = net.await(reader.getItem(item.target(), new byte[0]));
    assertThat(got.item()).contains(item);
    long repairs = net.list.stream().mapToLong(n -> n.durabilityStats().repairPutsSent()).sum();
    assertThat(repairs).isGreaterThanOrEqualTo(6);
    // the replica checks are lookups of their own purpose, one per check, reported with the node's other lookups
    DhtNode holder = net.nodes.get(holders.get(7).endpoint());
    List<CompletedLookups.Sample> checks =
        holder.completedLookupsSince(0).lookups().stream()
            .filter(l -> l.purpose() == LookupPurpose.ITEM_CHECK)
            .toList();
    assertThat((long) checks.size()).isEqualTo(holder.durabilityStats().itemsChecked()).isPositive();
    assertThat(checks).allSatisfy(l -> assertThat(l.rounds()).isPositive());
  }

  @Test
  void newcomerCloserToAnItemReceivesIt() {
    TestNetwork net = swarm(60, 22);
    ImmutableItem item = ImmutableItem.ofBytes("handoff".getBytes(StandardCharsets.UTF_8));
    net.await(net.list.get(2).putItem(item, OptionalLong.empty()));
    net.runFor(6 * MINUTE); // holders check once and learn their farthest holder
    // a node whose id is the item's target itself: closer than anyone
    DhtNode newcomer = net.add(CONFIG, Endpoint.parse("10.200.0.1:6881"), item.target());
    net.await(newcomer.bootstrap(List.of(net.endpointOf(net.list.get(0)))));
    net.runFor(2 * MINUTE);
    assertThat(newcomer.itemStore().get(item.target(), net.now)).isPresent();
    assertThat(net.list.stream().mapToLong(n -> n.durabilityStats().handoffsSent()).sum()).isPositive();
  }

  @Test
  void zeroHandoffsPerSecondTurnsHandoffOff() {
    DhtConfig noHandoff = CONFIG.toBuilder().handoffsPerSecond(0).build();
    TestNetwork net = new TestNetwork(22); // the scenario of the test above, with handoff off everywhere
    Endpoint seedEp = net.endpointOf(net.add(noHandoff));
    for (int i = 1; i < 60; i++) {
      net.await(net.add(noHandoff).bootstrap(List.of(seedEp)));
    }
    net.runFor(MINUTE / 2);
    ImmutableItem item = ImmutableItem.ofBytes("handoff".getBytes(StandardCharsets.UTF_8));
    net.await(net.list.get(2).putItem(item, OptionalLong.empty()));
    net.runFor(6 * MINUTE);
    DhtNode newcomer = net.add(noHandoff, Endpoint.parse("10.200.0.1:6881"), item.target());
    net.await(newcomer.bootstrap(List.of(net.endpointOf(net.list.get(0)))));
    net.runFor(2 * MINUTE);
    assertThat(net.list.stream().mapToLong(n -> n.durabilityStats().handoffsSent()).sum()).isZero();
    assertThat(net.list.stream().mapToLong(n -> n.durabilityStats().itemsChecked()).sum())
        .as("holder checks still run").isPositive();
  }

  @Test
  void negativeHandoffsPerSecondIsRefused() {
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> CONFIG.toBuilder().handoffsPerSecond(-1).build())
        .withMessage("handoffsPerSecond must not be negative, got -1");
  }

  @Test
  void durablePutKeepsAnItemAlivePastItsLifetime() {
    TestNetwork net = swarm(40, 23);
    DhtNode publisher = net.list.get(3);
    ImmutableItem item = ImmutableItem.ofBytes("forever".getBytes(StandardCharsets.UTF_8));
    net.await(publisher.putDurable(item));
    net.runFor(150 * MINUTE); // longer than the 2-hour item lifetime
    assertThat(liveHolders(net, item.target())).isGreaterThanOrEqualTo(8);
    assertThat(publisher.durabilityStats().republishesSent()).isGreaterThanOrEqualTo(10);

    assertThat(publisher.cancelDurable(item.target())).isTrue();
    long republished = publisher.durabilityStats().republishesSent();
    net.runFor(150 * MINUTE);
    assertThat(publisher.durabilityStats().republishesSent()).isEqualTo(republished);
    // the responsible nodes keep it without the publisher
    assertThat(liveHolders(net, item.target())).isGreaterThanOrEqualTo(8);
  }

  @Test
  void copiesOnNodesNoLongerResponsibleExpire() {
    TestNetwork net = swarm(40, 25);
    ImmutableItem item = ImmutableItem.ofBytes("moved".getBytes(StandardCharsets.UTF_8));
    PutResult put = net.await(net.list.get(6).putItem(item, OptionalLong.empty()));
    assertThat(put.storedOn()).hasSize(8);
    // eight newcomers with ids right next to the target take over responsibility
    for (int i = 0; i < 8; i++) {
      NodeId id = item.target().withBit(159 - i, !item.target().bit(159 - i));
      DhtNode n = net.add(CONFIG, Endpoint.parse("10.201.0." + (i + 1) + ":6881"), id);
      net.await(n.bootstrap(List.of(net.endpointOf(net.list.get(0)))));
    }
    net.runFor(180 * MINUTE);
    for (Contact old : put.storedOn()) {
      assertThat(net.nodes.get(old.endpoint()).itemStore().get(item.target(), net.now))
          .as("copy on %s, no longer among the 8 closest", old)
          .isEmpty();
    }
    assertThat(liveHolders(net, item.target())).isGreaterThanOrEqualTo(8);
  }

  @Test
  void gracefulShutdownHandsItemsToTheNextResponsibleNodes() {
    TestNetwork net = swarm(50, 24);
    ImmutableItem item = ImmutableItem.ofBytes("bye".getBytes(StandardCharsets.UTF_8));
    PutResult put = net.await(net.list.get(4).putItem(item, OptionalLong.empty()));
    DhtNode leaving = net.nodes.get(put.storedOn().get(0).endpoint());
    int handed = net.await(leaving.handOffAll());
    assertThat(handed).isEqualTo(1);
    leaving.close();
    assertThat(liveHolders(net, item.target())).isGreaterThanOrEqualTo(8);
  }
}
