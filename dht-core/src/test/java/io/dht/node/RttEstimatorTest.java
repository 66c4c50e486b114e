package io.dht.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RttEstimatorTest {
  private static final long MS = 1_000_000L;

  private static RttEstimator estimator() {
    return new RttEstimator(2_000 * MS, 1_000 * MS, 5_000 * MS);
  }

  @Test
  void bucketsAreContiguousAndAtMostAnEighthWide() {
    long previousEdge = 0;
    for (int b = 0; b < RttEstimator.BUCKETS - 1; b++) {
      long edge = RttEstimator.upperEdgeMicros(b);
      assertThat(edge).isGreaterThan(previousEdge);
      assertThat(RttEstimator.bucket(edge - 1)).isEqualTo(b);
      assertThat(RttEstimator.bucket(edge)).isEqualTo(b + 1);
      if (b >= 8) {
        assertThat((double) (edge - previousEdge) / previousEdge).isLessThanOrEqualTo(0.125);
      }
      previousEdge = edge;
    }
  }

  @Test
  void beforeAnySampleTheThresholdIsHalfTheInitialTimeout() {
    RttEstimator e = estimator();
    assertThat(e.timeoutNanos()).isEqualTo(2_000 * MS);
    assertThat(e.stragglerNanos()).isEqualTo(1_000 * MS);
  }

  @Test
  void theThresholdLiesBeyondTheSlowestPercentOfRecentRoundTrips() {
    RttEstimator e = estimator();
    // 97 % at 200 ms, 3 % at 600 ms: the 99th percentile is 600 ms (bucket 589.8-655.4 ms)
    for (int i = 0; i < RttEstimator.WINDOW; i++) {
      e.sample((i % 33 == 0 ? 600 : 200) * MS);
    }
    assertThat(e.quantileNanos()).isEqualTo(655_360_000L);
    assertThat(e.stragglerNanos()).isEqualTo(655_360_000L * 3 / 2);
    assertThat(e.stragglerNanos()).isLessThanOrEqualTo(e.timeoutNanos());
  }

  @Test
  void oldSamplesLeaveTheWindow() {
    RttEstimator e = estimator();
    for (int i = 0; i < RttEstimator.WINDOW; i++) {
      e.sample(800 * MS);
    }
    for (int i = 0; i < RttEstimator.WINDOW; i++) {
      e.sample(40 * MS);
    }
    assertThat(e.quantileNanos()).isLessThan(50 * MS);
    // at least srtt + 4 rttvar, and never after the hard timeout
    assertThat(e.stragglerNanos()).isLessThanOrEqualTo(e.timeoutNanos());
    assertThat(e.stragglerNanos()).isGreaterThanOrEqualTo(e.smoothedNanos());
  }

  @Test
  void fewSamplesUseTheSmoothedEstimate() {
    RttEstimator e = estimator();
    e.sample(100 * MS);
    // srtt 100 ms, rttvar 50 ms: 300 ms, but never before half the lowest hard timeout
    assertThat(e.stragglerNanos()).isEqualTo(500 * MS);
    RttEstimator fast = new RttEstimator(2_000 * MS, 200 * MS, 5_000 * MS);
    fast.sample(100 * MS);
    assertThat(fast.stragglerNanos()).isEqualTo(300 * MS); // the floor, 100 ms, is lower: srtt + 4 rttvar
    assertThat(fast.stragglerNanos()).isEqualTo(fast.timeoutNanos());
  }
}
