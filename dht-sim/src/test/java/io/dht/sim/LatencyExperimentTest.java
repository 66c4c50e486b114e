package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Endpoint;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LatencyExperimentTest {
  @Test
  void internetRoundTripsAreLogNormalAroundOneHundredMillisecondsWithinTwentyToThreeHundred() {
    SimNetwork net = new SimNetwork(new Scheduler(new VirtualClock(0)), NetworkConditions.internetRtt(),
        new SimRandom(TestSeeds.seed(11)));
    Endpoint[] hosts = new Endpoint[200];
    for (int i = 0; i < hosts.length; i++) {
      hosts[i] = net.allocate();
    }
    double[] rtt = new double[hosts.length * (hosts.length - 1) / 2];
    int n = 0;
    for (int i = 0; i < hosts.length; i++) {
      for (int j = i + 1; j < hosts.length; j++) {
        rtt[n++] = 2 * net.baseLatency(hosts[i], hosts[j]).toNanos() / 1e6;
      }
    }
    Arrays.sort(rtt);
    assertThat(rtt[0]).isGreaterThanOrEqualTo(20.0);
    assertThat(rtt[rtt.length - 1]).isLessThanOrEqualTo(300.0);
    assertThat(rtt[rtt.length / 2]).isBetween(95.0, 105.0);
    // sigma 0.5: the quartiles are at 100 e^(+-0.337) = 71 and 140 ms
    assertThat(rtt[rtt.length / 4]).isBetween(67.0, 75.0);
    assertThat(rtt[3 * rtt.length / 4]).isBetween(133.0, 147.0);
    assertThat(net.baseLatency(hosts[3], hosts[7])).isEqualTo(net.baseLatency(hosts[7], hosts[3]));
  }

  @Test
  void uniformLatenciesAreUnchangedByTheLogNormalOption() {
    NetworkConditions uniform = NetworkConditions.defaults();
    assertThat(uniform.logNormal()).isFalse();
    assertThat(uniform.withLatency(Duration.ofMillis(1), Duration.ofMillis(2)).logNormal()).isFalse();
    assertThat(NetworkConditions.internetRtt().logNormal()).isTrue();
  }

  @Test
  void reportsLatencyWithAndWithoutUnresponsiveNodes() {
    long seed = TestSeeds.seed(4);
    LatencyExperiment.Report r = LatencyExperiment.run(300, 100, seed, 0.5, "default");
    System.out.print(r.format());

    assertThat(r.bootstrapFailures()).isZero();
    assertThat(r.medianRttMillis()).isEqualTo(100.0);
    assertThat(r.stable().lookups()).isEqualTo(100);
    assertThat(r.stable().exactness()).as("stable exactness, seed %d", seed).isGreaterThanOrEqualTo(0.99);
    assertThat(r.stable().timeouts().max()).isZero();
    // every lookup needs a round trip at least; none waits for a hard timeout in a stable network
    assertThat(r.stable().timeMillis().median()).isBetween(40.0, 1000.0);
    assertThat(r.stable().resultMillis().max()).isLessThanOrEqualTo(r.stable().timeMillis().max());
    assertThat(r.stable().replyRttMillis().median()).isBetween(60.0, 150.0);

    assertThat(r.dead()).isNotNull();
    assertThat(r.dead().lookups()).isEqualTo(100);
    assertThat(r.dead().onlyLive()).as("answers hold only live nodes, seed %d", seed).isEqualTo(1.0);
    assertThat(r.dead().closestFound()).as("closest live node found, seed %d", seed).isGreaterThanOrEqualTo(0.95);
    assertThat(r.dead().messages().median()).isGreaterThanOrEqualTo(r.stable().messages().median());
    assertThat(r.format()).contains("0 % unresponsive", "50 % unresponsive", "in median RTTs");
  }

  @Test
  void theSameSeedGivesTheSameReport() {
    LatencyExperiment.Report a = LatencyExperiment.run(100, 30, 6, 0.5, "wide");
    LatencyExperiment.Report b = LatencyExperiment.run(100, 30, 6, 0.5, "wide");
    assertThat(b.stable().timeMillis()).isEqualTo(a.stable().timeMillis());
    assertThat(b.dead().timeMillis()).isEqualTo(a.dead().timeMillis());
    assertThat(b.dead().messages()).isEqualTo(a.dead().messages());
    assertThat(b.datagrams()).isEqualTo(a.datagrams());
  }
}
