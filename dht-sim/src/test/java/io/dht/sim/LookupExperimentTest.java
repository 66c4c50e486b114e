package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LookupExperimentTest {
  @Test
  void reportsConsistentNumbers() {
    LookupExperiment.Report r = LookupExperiment.run(200, 100, 9, 0.1);

    assertThat(r.nodes()).isEqualTo(200);
    assertThat(r.lookups()).isEqualTo(100);
    assertThat(r.rounds().count()).isEqualTo(100);
    assertThat(r.exactness()).isBetween(0.0, 1.0);
    assertThat(r.rounds().median()).isPositive();
    assertThat(r.messages().median()).isGreaterThanOrEqualTo(r.rounds().median());
    assertThat(r.messages().p99()).isGreaterThanOrEqualTo(r.messages().p90());
    assertThat(r.timeMillis().median()).isPositive();
    assertThat(r.format()).contains("nodes 200", "seed 9", "exactness", "rounds", "messages per lookup");
  }

  @Test
  void restartedNodesAreBackInTheMeasuredLookups() {
    LookupExperiment.Report crashed = LookupExperiment.run(300, 200, 3, 0.2, false);
    LookupExperiment.Report restarted = LookupExperiment.run(300, 200, 3, 0.2, true);

    assertThat(crashed.restarted()).isZero();
    assertThat(restarted.restarted()).isEqualTo(60);
    assertThat(restarted.format()).contains("restarted           60 crashed nodes");
    // measured against the whole cluster: the restarted nodes count as live and must be found
    assertThat(restarted.exactness()).isGreaterThanOrEqualTo(0.99);
    assertThat(crashed.exactness()).isLessThan(restarted.exactness());
    assertThat(restarted.timeMillis().median()).isLessThan(crashed.timeMillis().median());
  }

  @Test
  void theSameSeedGivesTheSameReport() {
    LookupExperiment.Report a = LookupExperiment.run(100, 50, 5, 0);
    LookupExperiment.Report b = LookupExperiment.run(100, 50, 5, 0);
    assertThat(b.rounds()).isEqualTo(a.rounds());
    assertThat(b.messages()).isEqualTo(a.messages());
    assertThat(b.timeMillis()).isEqualTo(a.timeMillis());
    assertThat(b.datagrams()).isEqualTo(a.datagrams());
  }
}
