package io.dht.sim;

import java.util.Arrays;

/**
 * Summary of a sample by nearest-rank percentiles.
 *
 * @param count number of values
 * @param median the 50th percentile
 * @param p90 the 90th percentile
 * @param p99 the 99th percentile
 * @param max the largest value
 * @param mean the arithmetic mean
 */
public record Percentiles(int count, double median, double p90, double p99, double max, double mean) {

  /** The percentiles of {@code values} (which is not modified); all zero for an empty sample. */
  public static Percentiles of(double[] values) {
    if (values.length == 0) {
      return new Percentiles(0, 0, 0, 0, 0, 0);
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double sum = 0;
    for (double v : sorted) {
      sum += v;
    }
    return new Percentiles(
        sorted.length,
        rank(sorted, 0.50),
        rank(sorted, 0.90),
        rank(sorted, 0.99),
        sorted[sorted.length - 1],
        sum / sorted.length);
  }

  private static double rank(double[] sorted, double q) {
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
