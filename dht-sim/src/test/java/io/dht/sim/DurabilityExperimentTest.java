package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.sim.DurabilityExperiment.Options;
import io.dht.sim.DurabilityExperiment.Report;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurabilityExperimentTest {
  @Test
  void theSameSeedGivesTheSameReport() {
    Options o = Options.churn(60, 40, 5).withDuration(Duration.ofHours(1)).withSampleEvery(Duration.ofMinutes(20));
    Report a = DurabilityExperiment.run(o);
    Report b = DurabilityExperiment.run(o);

    assertThat(b.samples()).isEqualTo(a.samples());
    assertThat(b.crashed()).isEqualTo(a.crashed());
    assertThat(b.lost()).isEqualTo(a.lost());
    assertThat(a.samples()).hasSize(4);
    assertThat(a.format()).contains("scenario churn", "seed 5", "retrievable at the end", "hours");
  }

  @Test
  void durablePublishersRePutEveryHour() {
    Options o = Options.churn(60, 40, 6)
        .withDurable(true)
        .withMedianSession(Duration.ofDays(365))
        .withDuration(Duration.ofMinutes(150));
    Report r = DurabilityExperiment.run(o);

    // no churn to speak of, so every publisher stays and re-puts twice in 150 minutes (every hour +- 10 %)
    assertThat(r.last().republishes()).isBetween(2L * 40 - 5, 2L * 40);
    assertThat(r.lost()).isEmpty();
  }
}
