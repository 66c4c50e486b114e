package io.dht.sim;

import io.dht.id.Endpoint;

/**
 * A 64-bit rolling hash over every delivered datagram: arrival time, source, destination and bytes. Two runs agree
 * on it only if they delivered the same datagrams at the same instants in the same order, which makes it a cheap
 * fingerprint of a whole simulation (FNV-1a over the fields, finished with a SplitMix64 mix).
 */
final class TraceHash {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private long state = FNV_OFFSET;
  private long count;

  void add(long arrivalNanos, Endpoint from, Endpoint to, byte[] data) {
    long h = state;
    h = mixLong(h, arrivalNanos);
    h = mixEndpoint(h, from);
    h = mixEndpoint(h, to);
    h = mixLong(h, data.length);
    for (byte b : data) {
      h = (h ^ (b & 0xff)) * FNV_PRIME;
    }
    state = h;
    count++;
  }

  /** The hash of everything added so far (0 datagrams gives a fixed value). */
  long value() {
    return SimRandom.mix64(state ^ count);
  }

  long count() {
    return count;
  }

  private static long mixEndpoint(long h, Endpoint e) {
    for (byte b : e.address().getAddress()) {
      h = (h ^ (b & 0xff)) * FNV_PRIME;
    }
    return mixLong(h, e.port());
  }

  private static long mixLong(long h, long v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      h = (h ^ ((v >>> shift) & 0xff)) * FNV_PRIME;
    }
    return h;
  }
}
