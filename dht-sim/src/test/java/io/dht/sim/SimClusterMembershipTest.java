package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.item.ImmutableItem;
import io.dht.node.PutResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Newcomers join a running cluster; holders leave gracefully (hand-off, then close). */
class SimClusterMembershipTest {
  private final long seed = TestSeeds.seed(103);

  @Test
  void aNewcomerBootstrapsFromTheHostsItIsGiven() {
    SimCluster cluster = SimCluster.start(ClusterSpec.of(40, seed));
    SimHost newcomer = cluster.join(List.of(cluster.host(5), cluster.host(9)));
    cluster.runFor(Duration.ofSeconds(30));

    assertThat(newcomer.index()).isEqualTo(40);
    assertThat(cluster.liveHosts()).hasSize(41).contains(newcomer);
    assertThat(newcomer.node().routingTableContacts()).hasSizeGreaterThanOrEqualTo(8);
    assertThat(cluster.liveHosts())
        .as("hosts that know the newcomer")
        .anyMatch(h -> h != newcomer && h.node().routingTableContacts().contains(newcomer.contact()));
  }

  @Test
  void aLeavingHolderHandsItsItemsOnAndGoesDown() {
    SimCluster cluster = SimCluster.start(ClusterSpec.of(60, seed));
    ImmutableItem item = ImmutableItem.ofBytes("leaving".getBytes(StandardCharsets.UTF_8));
    PutResult put =
        cluster.call(cluster.host(3), n -> n.putItem(item, OptionalLong.empty()), Duration.ofMinutes(1));
    SimHost holder = cluster.hosts().stream()
        .filter(h -> h.id().equals(put.storedOn().get(0).id()))
        .findFirst()
        .orElseThrow();

    CompletableFuture<Integer> left = cluster.leave(holder);
    cluster.awaitAll(List.of(left), Duration.ofMinutes(5));

    assertThat(left.join()).isEqualTo(1);
    assertThat(holder.isUp()).isFalse();
    assertThat(holder.closedGracefully()).isTrue();
    assertThat(holder.lastStats()).isNotNull();
    assertThat(holder.lastDurabilityStats().itemsHeld()).isEqualTo(1);
    long now = cluster.nowNanos();
    long holders = cluster.liveHosts().stream()
        .filter(h -> h.node().itemStore().get(item.target(), now).isPresent())
        .count();
    assertThat(holders).isGreaterThanOrEqualTo(8);
  }

  @Test
  void forgetDestroysOneItemOnARunningNode() {
    SimCluster cluster = SimCluster.start(ClusterSpec.of(30, seed));
    ImmutableItem item = ImmutableItem.ofBytes("forget".getBytes(StandardCharsets.UTF_8));
    PutResult put =
        cluster.call(cluster.host(2), n -> n.putItem(item, OptionalLong.empty()), Duration.ofMinutes(1));
    SimHost holder = cluster.hosts().stream()
        .filter(h -> h.id().equals(put.storedOn().get(0).id()))
        .findFirst()
        .orElseThrow();

    assertThat(holder.forget(item.target())).isTrue();
    assertThat(holder.node().itemStore().get(item.target(), cluster.nowNanos())).isEmpty();
    assertThat(holder.isUp()).isTrue();
  }
}
