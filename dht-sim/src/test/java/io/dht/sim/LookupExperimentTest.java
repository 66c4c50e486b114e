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
  void theSameSeedGivesTheSameReport() {
    LookupExperiment.Report a = LookupExperiment.run(100, 50, 5, 0);
    LookupExperiment.Report b = LookupExperiment.run(100, 50, 5, 0);
    assertThat(b.rounds()).isEqualTo(a.rounds());
    assertThat(b.messages()).isEqualTo(a.messages());
    assertThat(b.timeMillis()).isEqualTo(a.timeMillis());
    assertThat(b.datagrams()).isEqualTo(a.datagrams());
  }
}
