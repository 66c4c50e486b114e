package io.dht.sim;

import java.time.Duration;

/**
 * How the simulated network treats datagrams. Each pair of hosts has a fixed base one-way latency, drawn once
 * (deterministically from the seed and the two addresses): uniformly from {@code [latencyMin, latencyMax]} when
 * {@code latencySigma} is 0, otherwise log-normally with median {@code latencyMedian} and shape {@code
 * latencySigma} (the standard deviation of its logarithm), clamped to {@code [latencyMin, latencyMax]}. Each
 * datagram adds a uniform jitter from {@code [0, jitterMax]}, so datagrams on one link may be reordered. A datagram
 * is lost with {@code lossProbability} and, if not lost, delivered twice with {@code duplicateProbability}.
 *
 * @param latencyMin lowest base one-way latency of a link
 * @param latencyMax highest base one-way latency of a link
 * @param jitterMax largest extra delay of one datagram
 * @param lossProbability chance that a datagram is dropped, 0..1
 * @param duplicateProbability chance that a delivered datagram arrives a second time, 0..1
 * @param latencyMedian median of the log-normal base latency (ignored when {@code latencySigma} is 0)
 * @param latencySigma shape of the log-normal base latency; 0 selects the uniform distribution
 */
public record NetworkConditions(
    Duration latencyMin,
    Duration latencyMax,
    Duration jitterMax,
    double lossProbability,
    double duplicateProbability,
    Duration latencyMedian,
    double latencySigma) {

  public NetworkConditions {
    if (latencyMin == null || latencyMax == null || jitterMax == null || latencyMedian == null) {
      throw new IllegalArgumentException("latencies are required");
    }
    if (latencyMin.isNegative() || jitterMax.isNegative() || latencyMax.compareTo(latencyMin) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= latencyMin <= latencyMax and jitterMax >= 0, got " + latencyMin + ", " + latencyMax + ", "
              + jitterMax);
    }
    if (!(latencySigma >= 0 && latencySigma <= 10)) {
      throw new IllegalArgumentException("latencySigma must be in [0, 10], got " + latencySigma);
    }
    if (latencySigma > 0 && (latencyMedian.isNegative() || latencyMedian.isZero())) {
      throw new IllegalArgumentException("a log-normal latency needs a positive median, got " + latencyMedian);
    }
    requireProbability("lossProbability", lossProbability);
    requireProbability("duplicateProbability", duplicateProbability);
  }

  /** Uniform base latencies in {@code [latencyMin, latencyMax]}. */
  public NetworkConditions(
      Duration latencyMin,
      Duration latencyMax,
      Duration jitterMax,
      double lossProbability,
      double duplicateProbability) {
    this(latencyMin, latencyMax, jitterMax, lossProbability, duplicateProbability, Duration.ZERO, 0.0);
  }

  private static void requireProbability(String name, double p) {
    if (!(p >= 0.0 && p <= 1.0)) {
      throw new IllegalArgumentException(name + " must be in [0, 1], got " + p);
    }
  }

  /** Internet-like one-way latencies of 10-150 ms plus up to 5 ms jitter; no loss, no duplication. */
  public static NetworkConditions defaults() {
    return new NetworkConditions(Duration.ofMillis(10), Duration.ofMillis(150), Duration.ofMillis(5), 0.0, 0.0);
  }

  /**
   * Internet-like round trips for latency experiments: per-link round-trip times log-normal with median 100 ms and
   * sigma 0.5 (half of them within 71-140 ms), clamped to [20 ms, 300 ms] (about 1.4 % of links sit at the 300 ms
   * cap, 0.07 % at the 20 ms floor), that is one-way 10-150 ms with median 50 ms; plus up to 1 ms jitter per
   * datagram; no loss, no duplication.
   */
  public static NetworkConditions internetRtt() {
    return defaults()
        .withJitter(Duration.ofMillis(1))
        .withLogNormalLatency(Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(150), 0.5);
  }

  /** Whether base latencies are log-normal (rather than uniform). */
  public boolean logNormal() {
    return latencySigma > 0;
  }

  /** Uniform base one-way latencies in {@code [min, max]}. */
  public NetworkConditions withLatency(Duration min, Duration max) {
    return new NetworkConditions(
        min, max, jitterMax, lossProbability, duplicateProbability, Duration.ZERO, 0.0);
  }

  /** Log-normal base one-way latencies with {@code median} and shape {@code sigma}, clamped to {@code [min, max]}. */
  public NetworkConditions withLogNormalLatency(Duration min, Duration median, Duration max, double sigma) {
    if (!(sigma > 0)) {
      throw new IllegalArgumentException("sigma must be positive, got " + sigma);
    }
    return new NetworkConditions(min, max, jitterMax, lossProbability, duplicateProbability, median, sigma);
  }

  public NetworkConditions withJitter(Duration max) {
    return new NetworkConditions(
        latencyMin, latencyMax, max, lossProbability, duplicateProbability, latencyMedian, latencySigma);
  }

  public NetworkConditions withLoss(double probability) {
    return new NetworkConditions(
        latencyMin, latencyMax, jitterMax, probability, duplicateProbability, latencyMedian, latencySigma);
  }

  public NetworkConditions withDuplication(double probability) {
    return new NetworkConditions(
        latencyMin, latencyMax, jitterMax, lossProbability, probability, latencyMedian, latencySigma);
  }
}
