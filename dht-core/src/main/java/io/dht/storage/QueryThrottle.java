package io.dht.storage;

import java.net.InetAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-source-IP token buckets for incoming queries: each IP may send {@code ratePerSecond} queries per second on
 * average with bursts of {@code burst}. Memory is bounded: at most {@code maxTracked} IPs are tracked, the least
 * recently active forgotten first (a forgotten IP starts again with a full bucket, which is the generous choice
 * under a spoofed-source flood). A rate of 0 disables throttling.
 *
 * <p>For operators it also tells which sources are being throttled: an IP refused at least once within the last
 * {@link #RECENT_NANOS} counts as a throttled source, and each time a source starts being refused after a quiet
 * minute counts as one throttling episode.
 */
public final class QueryThrottle {
  private static final long SECOND = 1_000_000_000L;
  /** How recently a source must have been refused to count as throttled now. */
  public static final long RECENT_NANOS = 60 * SECOND;

  private final int ratePerSecond;
  private final int burst;
  private final int maxTracked;
  private final LinkedHashMap<InetAddress, long[]> buckets;
  private long throttled;
  private long episodes;

  public QueryThrottle(int ratePerSecond, int burst, int maxTracked) {
    if (ratePerSecond < 0 || burst < 0 || maxTracked <= 0) {
      throw new IllegalArgumentException("rate and burst must be >= 0 and maxTracked > 0");
    }
    this.ratePerSecond = ratePerSecond;
    this.burst = Math.max(burst, 1);
    this.maxTracked = maxTracked;
    this.buckets = new LinkedHashMap<>(16, 0.75f, true);
  }

  /** Whether a query from {@code ip} at {@code now} may be answered; consumes one token when it may. */
  public boolean allow(InetAddress ip, long now) {
    if (ratePerSecond == 0) {
      return true;
    }
    long[] b = buckets.get(ip); // [0] = tokens scaled by SECOND, [1] = last refill time, [2] = last refusal
    if (b == null) {
      if (buckets.size() >= maxTracked) {
        Iterator<Map.Entry<InetAddress, long[]>> eldest = buckets.entrySet().iterator();
        eldest.next();
        eldest.remove();
      }
      b = new long[] {(long) burst * SECOND, now, Long.MIN_VALUE};
      buckets.put(ip, b);
    } else {
      long elapsed = Math.max(0, now - b[1]);
      long cap = (long) burst * SECOND;
      // tokens += elapsed * rate; guard overflow for long idle periods
      long add = elapsed > cap ? cap : elapsed * ratePerSecond;
      b[0] = Math.min(cap, b[0] + add);
      b[1] = now;
    }
    if (b[0] >= SECOND) {
      b[0] -= SECOND;
      return true;
    }
    throttled++;
    if (b[2] == Long.MIN_VALUE || now - b[2] >= RECENT_NANOS) {
      episodes++;
    }
    b[2] = now;
    return false;
  }

  /** Source IPs refused at least once within the last {@link #RECENT_NANOS} (among those still tracked). */
  public int throttledSources(long now) {
    int n = 0;
    for (long[] b : buckets.values()) {
      if (b[2] != Long.MIN_VALUE && now - b[2] < RECENT_NANOS) {
        n++;
      }
    }
    return n;
  }

  /** Times a source started being refused (its first refusal, or the first after a minute without one). */
  public long episodeCount() {
    return episodes;
  }

  /** Queries refused so far. */
  public long throttledCount() {
    return throttled;
  }

  /** IPs currently tracked. */
  public int trackedCount() {
    return buckets.size();
  }
}
