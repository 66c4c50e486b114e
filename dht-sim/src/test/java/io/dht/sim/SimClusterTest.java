package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.id.Contact;
import io.dht.id.NodeId;
import io.dht.id.NodeIdSecurity;
import io.dht.node.LookupResult;
import io.dht.node.PingResult;
import io.dht.node.RpcTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class SimClusterTest {
  private final long seed = TestSeeds.seed(101);

  @Test
  void buildsAndBootstrapsEveryNodeThroughNodeZero() {
    SimCluster cluster = SimCluster.start(ClusterSpec.of(100, seed));

    assertThat(cluster.bootstrapFailures()).as("seed %d", seed).isZero();
    assertThat(cluster.hosts()).hasSize(100);
    assertThat(cluster.liveHosts()).hasSize(100);
    // joins are 20 ms apart, then the bootstraps finish, then 10 s of settling
    assertThat(cluster.nowNanos()).isGreaterThanOrEqualTo(Duration.ofMillis(99 * 20 + 10_000).toNanos());
    Set<NodeId> ids = new HashSet<>();
    for (SimHost h : cluster.hosts()) {
      assertThat(ids.add(h.id())).isTrue();
      assertThat(NodeIdSecurity.isValid(h.id(), h.endpoint().address())).isTrue();
      assertThat(h.node().id()).isEqualTo(h.id());
      assertThat(h.node().routingTableContacts()).as("table of host %d", h.index()).isNotEmpty();
    }
    assertThat(cluster.network().stats().delivered()).isPositive();
    assertThat(cluster.invariantViolations()).isEmpty();
  }

  @Test
  void trueClosestMatchesABruteForceSortOfTheLiveNodes() {
    SimCluster cluster = SimCluster.start(ClusterSpec.of(60, seed).withSettle(Duration.ZERO));
    cluster.crash(cluster.host(7));
    NodeId target = NodeId.random(cluster.random().workload());
    NodeId excluded = cluster.host(3).id();

    List<Contact> expected = new ArrayList<>();
    for (SimHost h : cluster.liveHosts()) {
      if (!h.id().equals(excluded)) {
        expected.add(h.contact());
      }
    }
    expected.sort((a, b) -> target.compareDistance(a.id(), b.id()));

    assertThat(cluster.trueClosest(target, 8, excluded)).isEqualTo(expected.subList(0, 8));
    assertThat(cluster.trueClosest(target, 100)).hasSize(59).doesNotContain(cluster.host(7).contact());
    assertThat(cluster.trueClosest(cluster.host(5).id(), 1)).containsExactly(cluster.host(5).contact());
  }

  @Test
  void callRunsTheSimulationUntilTheCommandCompletes() {
    SimCluster cluster = SimCluster.start(ClusterSpec.of(30, seed).withSettle(Duration.ZERO));
    long before = cluster.nowNanos();

    PingResult pong =
        cluster.call(cluster.host(1), node -> node.ping(cluster.host(2).endpoint()), Duration.ofSeconds(10));

    assertThat(pong.contact()).isEqualTo(cluster.host(2).contact());
    long rtt = 2 * cluster.network().baseLatency(cluster.host(1).endpoint(), cluster.host(2).endpoint()).toNanos();
    assertThat(pong.rttNanos()).isBetween(rtt, rtt + Duration.ofMillis(10).toNanos());
    assertThat(cluster.nowNanos() - before).isEqualTo(pong.rttNanos());
  }

  @Test
  void aCommandThatNeverCompletesInTimeFailsNamingTheSeed() {
    SimCluster cluster = SimCluster.start(ClusterSpec.of(10, seed).withSettle(Duration.ZERO));
    CompletableFuture<Void> never = new CompletableFuture<>();

    assertThatThrownBy(() -> cluster.call(cluster.host(1), node -> never, Duration.ofSeconds(3)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("seed " + seed);
  }

  @Test
  void aCrashedHostIsSilentAndItsPendingTimersDie() {
    SimCluster cluster = SimCluster.start(ClusterSpec.of(30, seed).withSettle(Duration.ZERO));
    SimHost victim = cluster.host(4);
    cluster.crash(victim);

    assertThat(victim.isUp()).isFalse();
    assertThat(cluster.liveHosts()).doesNotContain(victim);
    assertThat(victim.savedContacts()).isNotEmpty();
    assertThatThrownBy(victim::node).isInstanceOf(IllegalStateException.class);

    // the timeout fires through the host's tick events: a ping to the dead host fails in virtual time
    CompletableFuture<PingResult> ping = cluster.submit(cluster.host(1), node -> node.ping(victim.endpoint()));
    cluster.awaitAll(List.of(ping), Duration.ofSeconds(30));
    assertThatThrownBy(ping::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(RpcTimeoutException.class);
    assertThat(cluster.network().stats().hostDown()).isPositive();
  }

  @Test
  void aRestartedHostRejoinsFromItsSavedRoutingTable() {
    SimCluster cluster = SimCluster.start(ClusterSpec.of(50, seed));
    SimHost host = cluster.host(9);
    cluster.crash(host);
    cluster.runFor(Duration.ofSeconds(5));
    cluster.crash(cluster.host(0)); // no seed node: the saved table is the only way back in

    CompletableFuture<LookupResult> boot = cluster.restart(host, true);
    cluster.awaitAll(List.of(boot), Duration.ofMinutes(1));

    assertThat(boot).isCompleted();
    assertThat(host.isUp()).isTrue();
    assertThat(host.restarts()).isEqualTo(1);
    assertThat(host.node().id()).isEqualTo(host.id());
    assertThat(host.node().routingTableContacts()).isNotEmpty();
    LookupResult found =
        cluster.call(cluster.host(20), node -> node.findNode(host.id()), Duration.ofMinutes(1));
    assertThat(found.closest()).first().isEqualTo(host.contact());
  }

  @Test
  void aRestartWithoutTheSavedTableNeedsTheSeed() {
    SimCluster cluster = SimCluster.start(ClusterSpec.of(20, seed).withSettle(Duration.ZERO));
    SimHost host = cluster.host(5);
    cluster.crash(host);
    cluster.crash(cluster.host(0));

    CompletableFuture<LookupResult> boot = cluster.restart(host, false);
    cluster.awaitAll(List.of(boot), Duration.ofMinutes(1));

    assertThat(boot).isCompletedExceptionally();
  }

  @Test
  void crashRandomTakesTheRequestedShareOfLiveHosts() {
    SimCluster cluster = SimCluster.start(ClusterSpec.of(50, seed).withSettle(Duration.ZERO));
    List<SimHost> victims = cluster.crashRandom(0.2);

    assertThat(victims).hasSize(10).doesNotHaveDuplicates().allMatch(h -> !h.isUp());
    assertThat(cluster.liveHosts()).hasSize(40);
  }
}
