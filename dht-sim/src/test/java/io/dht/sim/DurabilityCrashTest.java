package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.sim.DurabilityExperiment.Options;
import io.dht.sim.DurabilityExperiment.Report;
import io.dht.sim.DurabilityExperiment.Sample;
import org.junit.jupiter.api.Test;

/**
 * Must show (i): 1,000 nodes, 1,000 items put by random publishers that then stay silent. At one instant every item
 * loses all but one of its copies: the holders chosen by {@link SurvivorChoice} survive and every other holder
 * crashes (866 of the 1,000 nodes with the default seed), and items that still had two or more copies lose the
 * extra ones. Two hours later (four 30-minute check intervals) the holders' checks have put every item back on
 * all 8 of its true 8 closest live nodes, and a get from a random live node returns every item.
 */
class DurabilityCrashTest {
  @Test
  void everyItemComesBackFromItsLastCopy() {
    long seed = TestSeeds.seed(1);
    Report r = DurabilityExperiment.run(Options.crash(1_000, 1_000, seed));
    System.out.print(r.format());

    assertThat(r.bootstrapFailures()).as("seed %d", seed).isZero();
    Sample afterCrash = r.samples().get(1);
    assertThat(afterCrash.hours()).isZero();
    assertThat(afterCrash.itemsWithCopy()).as("items with a copy after the crash, seed %d", seed).isEqualTo(1_000);
    assertThat(afterCrash.meanCopiesLive()).as("copies per item after the crash, seed %d", seed).isEqualTo(1.0);
    assertThat(r.crashed()).as("nodes crashed, seed %d", seed).isGreaterThan(800);
    assertThat(r.exactlyOneSurvivor() + r.moreSurvivors()).isEqualTo(1_000);

    Sample end = r.last();
    assertThat(end.hours()).isEqualTo(2.0);
    assertThat(end.itemsFull())
        .as("items on all 8 of their true 8 closest live nodes 2 h after the crash, seed %d", seed)
        .isEqualTo(1_000);
    assertThat(r.lost()).as("items a get did not return, seed %d", seed).isEmpty();
    assertThat(r.retrieved()).isEqualTo(1_000);
    assertThat(end.repairPuts()).as("repair puts, seed %d", seed).isGreaterThanOrEqualTo(7 * 1_000);
    assertThat(r.invariantViolations()).isEmpty();
  }

  /**
   * The same crash with as many newcomers joining right after it: the newcomers become the closest nodes of many
   * items, and the survivors must learn of them. They do through the periodic lookup of their own id (the deepest
   * bucket is never idle, so an idle-bucket refresh would not run there); without it 365 of the 1,000 items were
   * still not on all 8 of their true closest live nodes after 2 hours (307 after 4 hours), with the default seed.
   */
  @Test
  void newcomersAfterAMassCrashReceiveTheItemsTheyBecameResponsibleFor() {
    long seed = TestSeeds.seed(1);
    Report r = DurabilityExperiment.run(Options.crash(1_000, 1_000, seed).withReplace(true));
    System.out.print(r.format());

    assertThat(r.joined()).as("newcomers, seed %d", seed).isEqualTo(r.crashed());
    Sample end = r.last();
    assertThat(end.liveNodes()).isEqualTo(1_000);
    assertThat(end.itemsFull())
        .as("items on all 8 of their true 8 closest live nodes 2 h after the crash, seed %d", seed)
        .isEqualTo(1_000);
    assertThat(r.lost()).as("items a get did not return, seed %d", seed).isEmpty();
    assertThat(r.invariantViolations()).isEmpty();
  }
}
