package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.node.LookupResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The same seed must replay the same run, datagram for datagram; that is what makes a failing seed useful. */
class DeterminismTest {
  /** What a run produced, in a form that compares by value. */
  record Outcome(long traceHash, NetworkStats network, long virtualNanos, List<String> lookups) {}

  /** Churn, faults and every kind of command, so that every source of randomness is exercised. */
  static Outcome scenario(long seed) {
    NetworkConditions faults =
        NetworkConditions.defaults().withLoss(0.02).withDuplication(0.01).withJitter(Duration.ofMillis(30));
    SimCluster cluster = SimCluster.start(ClusterSpec.of(150, seed).withNetwork(faults));
    List<String> lookups = new ArrayList<>();
    for (LookupSample s : LookupWorkload.run(cluster, 60, 20, Duration.ofMinutes(2))) {
      lookups.add(s.target() + " " + s.result().closest() + " " + s.result().rounds());
    }
    List<SimHost> victims = cluster.crashRandom(0.1);
    cluster.runFor(Duration.ofSeconds(20));
    List<CompletableFuture<LookupResult>> restarts = new ArrayList<>();
    for (int i = 0; i < victims.size(); i += 2) {
      restarts.add(cluster.restart(victims.get(i), i % 4 == 0));
    }
    cluster.awaitAll(restarts, Duration.ofMinutes(2));
    for (AnnounceSample s : AnnounceWorkload.run(cluster, 10, 5, Duration.ofMinutes(2))) {
      lookups.add(s.infoHash() + " " + s.lookup().peers());
    }
    cluster.runFor(Duration.ofSeconds(30));
    assertThat(cluster.invariantViolations()).as("seed %d", seed).isEmpty();
    return new Outcome(cluster.network().traceHash(), cluster.network().stats(), cluster.nowNanos(), lookups);
  }

  @Test
  void theSameSeedReplaysTheSameTrace() {
    long seed = TestSeeds.seed(2024);
    Outcome first = scenario(seed);
    Outcome second = scenario(seed);

    System.out.printf("seed %d: trace hash %016x over %d datagrams%n", seed, first.traceHash(), first.network().delivered());
    assertThat(first.network().delivered()).isGreaterThan(10_000);
    assertThat(first.network().lost()).isPositive();
    assertThat(first.network().duplicated()).isPositive();
    assertThat(second).as("seed %d", seed).isEqualTo(first);
  }

  @Test
  void anotherSeedGivesAnotherTrace() {
    long seed = TestSeeds.seed(2024);
    assertThat(scenario(seed + 1).traceHash()).as("seed %d", seed).isNotEqualTo(scenario(seed).traceHash());
  }
}
