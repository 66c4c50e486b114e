package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PercentilesTest {
  @Test
  void nearestRankPercentiles() {
    double[] values = new double[100];
    for (int i = 0; i < 100; i++) {
      values[i] = 100 - i; // 100..1, unsorted on purpose
    }
    Percentiles p = Percentiles.of(values);
    assertThat(p.count()).isEqualTo(100);
    assertThat(p.median()).isEqualTo(50);
    assertThat(p.p90()).isEqualTo(90);
    assertThat(p.p99()).isEqualTo(99);
    assertThat(p.max()).isEqualTo(100);
    assertThat(p.mean()).isEqualTo(50.5);
    assertThat(values[0]).isEqualTo(100); // input untouched
  }

  @Test
  void smallAndEmptySamples() {
    assertThat(Percentiles.of(new double[] {7}).p99()).isEqualTo(7);
    assertThat(Percentiles.of(new double[] {1, 2}).median()).isEqualTo(1);
    assertThat(Percentiles.of(new double[0]).count()).isZero();
  }
}
