package io.dht.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class QueryThrottleTest {
  private static final long SECOND = 1_000_000_000L;

  private static InetAddress ip(int last) throws UnknownHostException {
    return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
  }

  @Test
  void allowsTheBurstThenTheRate() throws UnknownHostException {
    QueryThrottle t = new QueryThrottle(10, 20, 100);
    int allowed = 0;
    for (int i = 0; i < 100; i++) {
      if (t.allow(ip(1), 0)) {
        allowed++;
      }
    }
    assertThat(allowed).isEqualTo(20);
    assertThat(t.throttledCount()).isEqualTo(80);
    // one second later: 10 more tokens
    allowed = 0;
    for (int i = 0; i < 100; i++) {
      if (t.allow(ip(1), SECOND)) {
        allowed++;
      }
    }
    assertThat(allowed).isEqualTo(10);
    // another source is unaffected
    assertThat(t.allow(ip(2), SECOND)).isTrue();
  }

  @Test
  void throttledSourcesAreThoseRefusedWithinTheLastMinute() throws UnknownHostException {
    QueryThrottle t = new QueryThrottle(1, 2, 100);
    for (int i = 0; i < 5; i++) {
      t.allow(ip(1), 0); // 2 allowed, 3 refused
      t.allow(ip(2), 0); // likewise
    }
    t.allow(ip(3), 0); // within its burst: never refused
    assertThat(t.throttledSources(0)).isEqualTo(2);
    assertThat(t.episodeCount()).isEqualTo(2); // one episode per source, however many refusals
    assertThat(t.throttledSources(59 * SECOND)).isEqualTo(2);
    assertThat(t.throttledSources(60 * SECOND)).isZero();
    // ip 1 floods again 2 minutes later: a new episode; ip 2 stays quiet
    for (int i = 0; i < 10; i++) {
      t.allow(ip(1), 120 * SECOND);
    }
    assertThat(t.throttledSources(120 * SECOND)).isEqualTo(1);
    assertThat(t.episodeCount()).isEqualTo(3);
    assertThat(t.throttledCount()).isEqualTo(3 + 3 + 8);
  }

  @Test
  void memoryIsBounded() throws UnknownHostException {
    QueryThrottle t = new QueryThrottle(1, 1, 50);
    for (int i = 0; i < 5000; i++) {
      t.allow(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}), i);
    }
    assertThat(t.trackedCount()).isEqualTo(50);
  }

  @Test
  void zeroRateDisablesThrottling() throws UnknownHostException {
    QueryThrottle t = new QueryThrottle(0, 0, 10);
    for (int i = 0; i < 10_000; i++) {
      assertThat(t.allow(ip(1), 0)).isTrue();
    }
  }
}
