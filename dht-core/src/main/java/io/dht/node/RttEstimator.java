package io.dht.node;

/**
 * Smoothed round-trip time and variance (Jacobson/Karels, as TCP's RTO), giving the adaptive timeout of a query,
 * plus a histogram of the last {@value #WINDOW} round trips, giving the later point after which a lookup may give
 * up waiting on a query: 1.5 times the time by which all but about 1 % of recent replies had arrived.
 */
final class RttEstimator {
  /** Round trips the quantile is taken over. */
  static final int WINDOW = 256;
  /** Round trips needed before the quantile is trusted. */
  static final int MIN_SAMPLES = 32;
  /** Sub-buckets per power of two: buckets are at most 12.5 % wide. */
  private static final int SUB_BITS = 3;
  private static final int SUB = 1 << SUB_BITS;
  /** Round trips are bucketed in microseconds; the last bucket holds everything from 2^24 us (16.8 s) on. */
  static final int BUCKETS = 22 * SUB;
  private static final long STRAGGLER_FLOOR_NANOS = 50_000_000L;

  private final long initialNanos;
  private final long minNanos;
  private final long maxNanos;
  private long srtt = -1;
  private long rttvar;
  /**
   * The last WINDOW samples (bucket indexes, unsigned) in a ring, and how many samples fell in each bucket: about
   * 450 bytes per node.
   */
  private final byte[] ring = new byte[WINDOW];
  private final short[] counts = new short[BUCKETS];
  private int samples;
  private long quantileNanos = -1;

  RttEstimator(long initialNanos, long minNanos, long maxNanos) {
    this.initialNanos = initialNanos;
    this.minNanos = minNanos;
    this.maxNanos = maxNanos;
  }

  void sample(long rttNanos) {
    if (rttNanos < 0) {
      return;
    }
    if (srtt < 0) {
      srtt = rttNanos;
      rttvar = rttNanos / 2;
    } else {
      long err = rttNanos - srtt;
      srtt += err / 8;
      rttvar += (Math.abs(err) - rttvar) / 4;
    }
    int slot = samples % WINDOW;
    if (samples >= WINDOW) {
      counts[ring[slot] & 0xff]--;
    }
    int bucket = bucket(rttNanos / 1000);
    ring[slot] = (byte) bucket;
    counts[bucket]++;
    samples++;
    quantileNanos = -1;
  }

  /** The hard timeout of a query: srtt + 4 rttvar, clamped. */
  long timeoutNanos() {
    if (srtt < 0) {
      return initialNanos;
    }
    return clamp(srtt + 4 * rttvar);
  }

  /**
   * When a lookup may stop waiting on a query: 1.5 times the 99th percentile of the last {@value #WINDOW} round
   * trips (the upper edge of its histogram bucket), at least srtt + 4 rttvar and half the lowest hard timeout
   * (rpcTimeoutMin / 2, 500 ms by default), never after the hard timeout. Before {@value #MIN_SAMPLES} round trips
   * are known: srtt + 4 rttvar, with the same bounds.
   *
   * <p>One estimate covers every destination, so it must lie beyond the round trips of distant live nodes, not near
   * the typical one: a lookup that gave up on a live node among the k closest would return a wrong answer, or miss
   * the nodes only that one knew. The margin and the floor are wide because a node's recent round trips come from
   * few destinations (its own contacts) and under-sample the tail of the round trips to the strangers a lookup
   * meets: at 1.2 x p99 with no floor, simulated lookups gave up on live nodes 255-297 ms away. The node still
   * awaits the reply until the hard timeout.
   */
  long stragglerNanos() {
    if (srtt < 0) {
      return initialNanos / 2;
    }
    long t;
    if (samples < MIN_SAMPLES) {
      t = srtt + 4 * rttvar;
    } else {
      t = Math.max(srtt + 4 * rttvar, quantileNanos() / 2 * 3);
    }
    return Math.min(Math.max(Math.max(STRAGGLER_FLOOR_NANOS, minNanos / 2), t), timeoutNanos());
  }

  /**
   * When a lookup should stop counting a query against its parallelism and send another (it keeps waiting for the
   * reply): srtt + 2 rttvar, at least 50 ms, never after {@link #stragglerNanos()}. Before any round trip is known:
   * a quarter of the initial timeout.
   */
  long slowNanos() {
    long t = srtt < 0 ? initialNanos / 4 : Math.max(STRAGGLER_FLOOR_NANOS, srtt + 2 * rttvar);
    return Math.min(t, stragglerNanos());
  }

  /** The upper edge of the bucket holding the 99th percentile of the window. */
  long quantileNanos() {
    if (quantileNanos < 0) {
      int n = Math.min(samples, WINDOW);
      int above = n / 100; // samples allowed above the quantile
      int seen = 0;
      int b = BUCKETS - 1;
      for (; b > 0; b--) {
        seen += counts[b];
        if (seen > above) {
          break;
        }
      }
      quantileNanos = upperEdgeMicros(b) * 1000;
    }
    return quantileNanos;
  }

  long smoothedNanos() {
    return srtt;
  }

  /** Bucket of a round trip in microseconds: 8 buckets per power of two (exact below 8 us). */
  static int bucket(long micros) {
    if (micros < SUB) {
      return (int) Math.max(0, micros);
    }
    int octave = 63 - Long.numberOfLeadingZeros(micros); // >= SUB_BITS
    int sub = (int) (micros >>> (octave - SUB_BITS)) & (SUB - 1);
    return Math.min(BUCKETS - 1, (octave - SUB_BITS + 1) * SUB + sub);
  }

  /** The smallest round trip in microseconds above bucket {@code b}. */
  static long upperEdgeMicros(int b) {
    if (b < SUB) {
      return b + 1;
    }
    int octave = b / SUB - 1 + SUB_BITS;
    int sub = b % SUB;
    return (long) (SUB + sub + 1) << (octave - SUB_BITS);
  }

  private long clamp(long v) {
    return Math.max(minNanos, Math.min(maxNanos, v));
  }
}
