package io.dht.bench.load;

/**
 * A fixed-size log-linear latency histogram in nanoseconds (32 sub-buckets per power of two, so a reported value
 * is within about 3 % of the true one). Recording is a few arithmetic operations on a preallocated array: no
 * allocation, no locking; one histogram per thread, merged after the run.
 */
final class Histogram {
  private static final int SUB_BITS = 5;
  private static final int SUB = 1 << SUB_BITS;
  private static final int BUCKETS = (64 - SUB_BITS + 1) * SUB;

  private final long[] counts = new long[BUCKETS];
  private long total;
  private long max;

  void record(long nanos) {
    long v = Math.max(0, nanos);
    counts[index(v)]++;
    total++;
    if (v > max) {
      max = v;
    }
  }

  void reset() {
    java.util.Arrays.fill(counts, 0);
    total = 0;
    max = 0;
  }

  void add(Histogram other) {
    for (int i = 0; i < BUCKETS; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
    max = Math.max(max, other.max);
  }

  long count() {
    return total;
  }

  long max() {
    return max;
  }

  /** The value at quantile {@code q} (0..1): the middle of the bucket holding it; 0 when empty. */
  long quantile(double q) {
    if (total == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.min(max, middle(i));
      }
    }
    return max;
  }

  static int index(long v) {
    if (v < SUB) {
      return (int) v;
    }
    int e = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
    return ((e - SUB_BITS + 1) << SUB_BITS) + (int) ((v >>> (e - SUB_BITS)) & (SUB - 1));
  }

  static long lower(int index) {
    if (index < SUB) {
      return index;
    }
    int e = (index >>> SUB_BITS) + SUB_BITS - 1;
    long sub = index & (SUB - 1);
    return (SUB + sub) << (e - SUB_BITS);
  }

  private static long middle(int index) {
    if (index < SUB) {
      return index;
    }
    int e = (index >>> SUB_BITS) + SUB_BITS - 1;
    long width = 1L << (e - SUB_BITS);
    return lower(index) + width / 2;
  }
}
