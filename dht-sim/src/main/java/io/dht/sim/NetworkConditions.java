package io.dht.sim;

import java.time.Duration;

/**
 * How the simulated network treats datagrams. Each pair of hosts has a fixed base one-way latency, drawn once
 * (deterministically from the seed and the two addresses) uniformly from {@code [latencyMin, latencyMax]}; each
 * datagram adds a uniform jitter from {@code [0, jitterMax]}, so datagrams on one link may be reordered. A datagram
 * is lost with {@code lossProbability} and, if not lost, delivered twice with {@code duplicateProbability}.
 *
 * @param latencyMin lowest base one-way latency of a link
 * @param latencyMax highest base one-way latency of a link
 * @param jitterMax largest extra delay of one datagram
 * @param lossProbability chance that a datagram is dropped, 0..1
 * @param duplicateProbability chance that a delivered datagram arrives a second time, 0..1
 */
public record NetworkConditions(
    Duration latencyMin,
    Duration latencyMax,
    Duration jitterMax,
    double lossProbability,
    double duplicateProbability) {

  public NetworkConditions {
    if (latencyMin == null || latencyMax == null || jitterMax == null) {
      throw new IllegalArgumentException("latencies are required");
    }
    if (latencyMin.isNegative() || jitterMax.isNegative() || latencyMax.compareTo(latencyMin) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= latencyMin <= latencyMax and jitterMax >= 0, got " + latencyMin + ", " + latencyMax + ", "
              + jitterMax);
    }
    requireProbability("lossProbability", lossProbability);
    requireProbability("duplicateProbability", duplicateProbability);
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

  public NetworkConditions withLatency(Duration min, Duration max) {
    return new NetworkConditions(min, max, jitterMax, lossProbability, duplicateProbability);
  }

  public NetworkConditions withJitter(Duration max) {
    return new NetworkConditions(latencyMin, latencyMax, max, lossProbability, duplicateProbability);
  }

  public NetworkConditions withLoss(double probability) {
    return new NetworkConditions(latencyMin, latencyMax, jitterMax, probability, duplicateProbability);
  }

  public NetworkConditions withDuplication(double probability) {
    return new NetworkConditions(latencyMin, latencyMax, jitterMax, lossProbability, probability);
  }
}
