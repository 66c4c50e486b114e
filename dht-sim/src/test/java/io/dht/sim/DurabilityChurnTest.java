package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.sim.DurabilityExperiment.Options;
import io.dht.sim.DurabilityExperiment.Report;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Must show (ii), at the size a test can afford (the full 1,000 nodes and 1,000 items run through the main class,
 * see docs/durability.md): 300 nodes, 300 items put by random publishers that then stay silent, 24 simulated hours
 * of churn. Sessions are exponential with a median of 2 hours (half the nodes leave within 2 hours of joining, by
 * crashing); every departure is replaced at once by a newcomer, so the population stays 300 and about 2,500 nodes
 * come and go. With the holders' checks every 30 minutes at least 99.9 % of the items are retrievable at the end;
 * with checks off (and with them handoffs, which need a check to know an item's farthest holder) items last only
 * their 2-hour lifetime.
 */
class DurabilityChurnTest {
  static final int NODES = 300;
  static final int ITEMS = 300;

  @Test
  void itemsSurviveADayOfChurnWithHolderRepair() {
    long seed = TestSeeds.seed(1);
    Report r = DurabilityExperiment.run(Options.churn(NODES, ITEMS, seed));
    System.out.print(r.format());

    assertThat(r.bootstrapFailures()).as("seed %d", seed).isZero();
    assertThat(r.last().hours()).isEqualTo(24.0);
    assertThat(r.last().liveNodes()).isEqualTo(NODES);
    // ~ 300 nodes * 24 h / (2 h / ln 2) departures
    assertThat(r.crashed()).as("departures, seed %d", seed).isBetween(2_000, 3_000);
    assertThat(r.joined()).isEqualTo(r.crashed());
    assertThat(r.retrievedShare())
        .as("share of items retrievable after 24 h of churn (lost: %s), seed %d", r.lost(), seed)
        .isGreaterThanOrEqualTo(0.999);
    assertThat(r.last().repairPuts() + r.last().handoffs()).isPositive();
    assertThat(r.invariantViolations()).isEmpty();
  }

  @Test
  void withoutHolderChecksItemsDieWithTheirLifetime() {
    long seed = TestSeeds.seed(1);
    Report r = DurabilityExperiment.run(
        Options.churn(NODES, ITEMS, seed)
            .withCheckInterval(DurabilityExperiment.CHECKS_OFF)
            .withDuration(Duration.ofHours(4)));
    System.out.print(r.format());

    assertThat(r.last().checks()).isZero();
    assertThat(r.last().repairPuts()).isZero();
    assertThat(r.last().handoffs()).isZero();
    assertThat(r.last().itemsWithCopy()).as("items with a copy after 4 h, seed %d", seed).isZero();
    assertThat(r.retrieved()).isZero();
  }
}
