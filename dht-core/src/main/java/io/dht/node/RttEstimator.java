package io.dht.node;

/**
 * Smoothed round-trip time and variance (Jacobson/Karels, as TCP's RTO), giving the adaptive timeout of a query
 * and the shorter threshold after which a lookup stops waiting on it before sending another.
 */
final class RttEstimator {
  private final long initialNanos;
  private final long minNanos;
  private final long maxNanos;
  private long srtt = -1;
  private long rttvar;

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
  }

  /** The hard timeout of a query: srtt + 4 rttvar, clamped. */
  long timeoutNanos() {
    if (srtt < 0) {
      return initialNanos;
    }
    return clamp(srtt + 4 * rttvar);
  }

  /**
   * When a lookup stops counting a query as active: srtt + 2 rttvar (at least 50 ms), never after the timeout. It
   * has no high floor: a lookup should widen around a slow node quickly, while the slow node keeps its full
   * timeout to answer.
   */
  long stragglerNanos() {
    if (srtt < 0) {
      return initialNanos / 2;
    }
    return Math.min(Math.max(STRAGGLER_FLOOR_NANOS, srtt + 2 * rttvar), timeoutNanos());
  }

  private static final long STRAGGLER_FLOOR_NANOS = 50_000_000L;

  long smoothedNanos() {
    return srtt;
  }

  private long clamp(long v) {
    return Math.max(minNanos, Math.min(maxNanos, v));
  }
}
