package io.dht.transport;

import java.net.InetAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A per-source-IP token bucket over <em>datagrams</em>, checked by the {@link EventLoop} right after a datagram
 * is read and before the node decodes it (libtorrent's {@code dos_blocker} sits at the same place). The node's own
 * throttle ({@code DhtConfig.queryRatePerIp}) counts well-formed queries only after decoding them; a flood of
 * garbage or of queries costs a decode each, and a loop that decodes slower than the flood arrives lets the
 * socket buffer overflow, which drops legitimate datagrams at random. This guard drops a flooding IP's datagrams
 * for the price of a map lookup, so the loop drains its socket faster than a flood can fill it.
 *
 * <p>Generous on purpose: it allows {@value #RATE_FACTOR} times the node's per-IP query rate and burst, counting
 * every datagram (queries, replies to our queries, garbage), so that a source that the node's query throttle
 * would still serve is never dropped here. Memory is bounded: at most {@code maxTracked} IPs, the least recently
 * active forgotten first. Loop thread only.
 */
final class FloodGuard {
  /** Datagrams per second and burst allowed, as multiples of the node's query rate and burst. */
  static final int RATE_FACTOR = 5;
  /** IPs tracked at once (as the node's query throttle). */
  static final int MAX_TRACKED = 4096;

  private static final long SECOND = 1_000_000_000L;

  private final long ratePerSecond;
  private final long capacity; // tokens scaled by SECOND
  private final int maxTracked;
  private final LinkedHashMap<InetAddress, long[]> buckets = new LinkedHashMap<>(16, 0.75f, true);

  /**
   * @param ratePerSecond datagrams per second per IP on average, > 0
   * @param burst datagrams one IP may send at once, > 0
   */
  FloodGuard(long ratePerSecond, long burst, int maxTracked) {
    if (ratePerSecond <= 0 || burst <= 0 || maxTracked <= 0) {
      throw new IllegalArgumentException("rate, burst and maxTracked must be positive");
    }
    this.ratePerSecond = ratePerSecond;
    this.capacity = burst * SECOND;
    this.maxTracked = maxTracked;
  }

  /** The guard for a node whose query throttle allows {@code queryRate}/s with bursts of {@code queryBurst}. */
  static FloodGuard forQueryLimits(int queryRate, int queryBurst) {
    if (queryRate <= 0) {
      return null; // the node's throttle is off (private network, benchmark): so is the guard
    }
    return new FloodGuard(
        (long) RATE_FACTOR * queryRate, (long) RATE_FACTOR * Math.max(1, queryBurst), MAX_TRACKED);
  }

  /** Whether a datagram from {@code ip} at {@code now} (nanoseconds) may be handed to the node. */
  boolean allow(InetAddress ip, long now) {
    long[] b = buckets.get(ip); // [0] = tokens x SECOND, [1] = last refill
    if (b == null) {
      if (buckets.size() >= maxTracked) {
        Iterator<Map.Entry<InetAddress, long[]>> eldest = buckets.entrySet().iterator();
        eldest.next();
        eldest.remove();
      }
      b = new long[] {capacity, now};
      buckets.put(ip, b);
    } else {
      long elapsed = Math.max(0, now - b[1]);
      b[1] = now;
      // elapsed x rate cannot overflow once elapsed is clamped to the time that refills an empty bucket
      long refillTime = capacity / ratePerSecond + 1;
      b[0] = Math.min(capacity, b[0] + Math.min(elapsed, refillTime) * ratePerSecond);
    }
    if (b[0] >= SECOND) {
      b[0] -= SECOND;
      return true;
    }
    return false;
  }

  /** IPs tracked now. */
  int trackedCount() {
    return buckets.size();
  }
}
