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
 */
public final class QueryThrottle {
  private static final long SECOND = 1_000_000_000L;

  private final int ratePerSecond;
  private final int burst;
  private final int maxTracked;
  private final LinkedHashMap<InetAddress, long[]> buckets;
  private long throttled;

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
    long[] b = buckets.get(ip); // [0] = tokens scaled by SECOND, [1] = last refill time
    if (b == null) {
      if (buckets.size() >= maxTracked) {
        Iterator<Map.Entry<InetAddress, long[]>> eldest = buckets.entrySet().iterator();
        eldest.next();
        eldest.remove();
      }
      b = new long[] {(long) burst * SECOND, now};
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
    return false;
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
