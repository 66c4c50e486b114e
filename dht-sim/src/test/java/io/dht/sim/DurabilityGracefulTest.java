package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.sim.DurabilityExperiment.Options;
import io.dht.sim.DurabilityExperiment.Report;
import io.dht.sim.DurabilityExperiment.Sample;
import org.junit.jupiter.api.Test;

/**
 * Must show (iii): 1,000 nodes, 1,000 items. Every node holding one of 100 random items leaves gracefully, one after
 * another (hand-off of everything it holds, then close): 536 nodes with the default seed, more than half the
 * network. Holder-side checks are off, so only the graceful hand-off moves items: none is lost, and every item is
 * still on at least 8 live nodes.
 */
class DurabilityGracefulTest {
  @Test
  void holdersLeavingGracefullyLoseNothing() {
    long seed = TestSeeds.seed(1);
    Report r = DurabilityExperiment.run(Options.graceful(1_000, 1_000, seed));
    System.out.print(r.format());

    assertThat(r.bootstrapFailures()).as("seed %d", seed).isZero();
    assertThat(r.options().checksOn()).isFalse();
    assertThat(r.crashed()).as("nodes that left, seed %d", seed).isGreaterThan(400);
    assertThat(r.handedOff()).as("items handed off, seed %d", seed).isGreaterThan(r.crashed());
    Sample end = r.last();
    assertThat(end.liveNodes()).isEqualTo(1_000 - r.crashed());
    assertThat(end.checks()).isZero();
    assertThat(end.itemsWithK()).as("items on at least 8 live nodes, seed %d", seed).isEqualTo(1_000);
    assertThat(r.lost()).as("items a get did not return, seed %d", seed).isEmpty();
    assertThat(r.invariantViolations()).isEmpty();
  }
}
