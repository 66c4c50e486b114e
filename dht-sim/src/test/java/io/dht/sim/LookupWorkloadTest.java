package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Acceptance: iterative find_node returns exactly the true 8 closest live nodes. The truth excludes the querier,
 * since a node never returns itself; every other live node counts.
 */
class LookupWorkloadTest {
  static final int NODES = 2_000;
  static final Duration BATCH_TIMEOUT = Duration.ofMinutes(5);

  @Test
  void lookupsInAStableNetworkFindTheTrueClosest() {
    long seed = TestSeeds.seed(1);
    SimCluster cluster = SimCluster.start(ClusterSpec.of(NODES, seed));
    assertThat(cluster.bootstrapFailures()).as("bootstrap failures, seed %d", seed).isZero();

    List<LookupSample> samples = LookupWorkload.run(cluster, 1_000, 50, BATCH_TIMEOUT);

    assertThat(cluster.invariantViolations()).isEmpty();
    double exactness = report("stable", seed, samples);
    assertThat(exactness).as("share of exact lookups, seed %d", seed).isGreaterThanOrEqualTo(0.995);
  }

  /**
   * 20 % of the nodes crash at once. Seconds later, routing tables still list the dead (BEP 5 gives a silent node
   * 15 minutes before it is even questionable), so replies of 8 contacts carry about 1.6 dead ones and the 8th
   * closest live node is often pushed out of every reply: lookups then still complete, return only live nodes and
   * find the closest live node, but miss one of the 8. Once the tables have had BEP 5's 15 minutes to notice the
   * silence (maintenance pings questionable entries and replaces those that fail), lookups are exact again.
   */
  @Test
  void lookupsAfterTwentyPercentCrashFindTheTrueClosestLiveNodes() {
    long seed = TestSeeds.seed(2);
    SimCluster cluster = SimCluster.start(ClusterSpec.of(NODES, seed));
    List<SimHost> victims = cluster.crashRandom(0.2);
    assertThat(victims).hasSize(NODES / 5);

    cluster.runFor(Duration.ofSeconds(30));
    List<LookupSample> soon = LookupWorkload.run(cluster, 1_000, 50, BATCH_TIMEOUT);
    assertThat(soon).hasSize(1_000);
    for (LookupSample s : soon) {
      assertThat(s.result().closest()).noneMatch(c -> victims.stream().anyMatch(v -> v.id().equals(c.id())));
    }
    report("20% crashed, after 30 s", seed, soon);
    assertThat(closestFound(soon)).as("closest live node found after 30 s, seed %d", seed)
        .isGreaterThanOrEqualTo(0.99);

    cluster.runFor(Duration.ofMinutes(16));
    List<LookupSample> later = LookupWorkload.run(cluster, 1_000, 50, BATCH_TIMEOUT);
    for (LookupSample s : later) {
      assertThat(s.result().closest()).noneMatch(c -> victims.stream().anyMatch(v -> v.id().equals(c.id())));
    }
    assertThat(cluster.invariantViolations()).isEmpty();
    double exactness = report("20% crashed, after 16 min", seed, later);
    assertThat(exactness).as("share of exact lookups, seed %d", seed).isGreaterThanOrEqualTo(0.99);
  }

  /** Share of lookups whose nearest result is the true nearest live node. */
  static double closestFound(List<LookupSample> samples) {
    return samples.stream()
            .filter(s -> !s.result().closest().isEmpty()
                && !s.expected().isEmpty()
                && s.result().closest().get(0).id().equals(s.expected().get(0).id()))
            .count()
        / (double) samples.size();
  }

  static double report(String name, long seed, List<LookupSample> samples) {
    double exactness = LookupWorkload.exactness(samples);
    double[] rounds = samples.stream().mapToDouble(s -> s.result().rounds()).toArray();
    double[] messages = samples.stream().mapToDouble(s -> s.result().messagesSent()).toArray();
    System.out.printf(
        Locale.ROOT,
        "%s, seed %d: %d lookups, exact %.2f %%, median rounds %.0f, median messages %.0f%n",
        name, seed, samples.size(), 100 * exactness, Percentiles.of(rounds).median(),
        Percentiles.of(messages).median());
    samples.stream()
        .filter(s -> !s.exact())
        .limit(5)
        .forEach(
            s ->
                System.out.printf(
                    "  inexact: querier %s target %s missing %d of %d (rounds %d, messages %d, timeouts %d)%n",
                    s.querier(), s.target(), s.missing().size(), s.expected().size(), s.result().rounds(),
                    s.result().messagesSent(), s.result().timeouts()));
    return exactness;
  }
}
