package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Acceptance: a peer announced by one node is found by get_peers from another, every time. */
class AnnounceWorkloadTest {
  @Test
  void everyAnnouncedPeerIsFound() {
    long seed = TestSeeds.seed(4);
    SimCluster cluster = SimCluster.start(ClusterSpec.of(2_000, seed));

    List<AnnounceSample> samples = AnnounceWorkload.run(cluster, 200, 20, Duration.ofMinutes(5));

    assertThat(cluster.invariantViolations()).isEmpty();
    long found = samples.stream().filter(AnnounceSample::found).count();
    double storedOn = samples.stream().mapToInt(s -> s.announce().storedOn().size()).average().orElse(0);
    System.out.printf("announce/get_peers, seed %d: found %d of %d, stored on %.1f nodes on average%n",
        seed, found, samples.size(), storedOn);
    samples.stream()
        .filter(s -> !s.found())
        .limit(5)
        .forEach(s -> System.out.printf("  not found: info-hash %s announced by %s (stored on %d), got %s%n",
            s.infoHash(), s.announcer(), s.announce().storedOn().size(), s.lookup().peers()));
    assertThat(found).as("announced peers found, seed %d", seed).isEqualTo(200);
    assertThat(samples).allMatch(s -> !s.announce().storedOn().isEmpty());
  }
}
