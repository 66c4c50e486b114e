package io.dht.sim;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The random streams of one simulation, all derived from a single seed. Each concern draws from its own stream, so
 * that, for example, turning on packet loss changes the fate of datagrams but not the node ids or addresses.
 *
 * <ul>
 *   <li>{@link #identities()}: node ids and host addresses;
 *   <li>{@link #network()}: jitter, loss and duplication;
 *   <li>{@link #nextNodeRandom()}: one independent generator per node (re)start, handed to the {@code DhtNode};
 *   <li>{@link #workload()}: what tests and experiments choose (queriers, targets, victims);
 *   <li>{@link #linkSeed()}: the key of the per-link base latencies.
 * </ul>
 */
public final class SimRandom {
  private final long seed;
  private final SplittableRandom identities;
  private final SplittableRandom network;
  private final SplittableRandom nodes;
  private final SplittableRandom workload;
  private final long linkSeed;

  public SimRandom(long seed) {
    this.seed = seed;
    SplittableRandom master = new SplittableRandom(seed);
    this.identities = master.split();
    this.network = master.split();
    this.nodes = master.split();
    this.workload = master.split();
    this.linkSeed = master.nextLong();
  }

  public long seed() {
    return seed;
  }

  public RandomGenerator identities() {
    return identities;
  }

  public RandomGenerator network() {
    return network;
  }

  public RandomGenerator workload() {
    return workload;
  }

  public long linkSeed() {
    return linkSeed;
  }

  /** A fresh generator for one node instance, independent of every other stream. */
  public RandomGenerator nextNodeRandom() {
    return nodes.split();
  }

  /** The SplitMix64 finalizer: a bijective, well-mixed 64-bit hash. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** A value in [0, 1) from a hash. */
  static double unitInterval(long hash) {
    return (hash >>> 11) * 0x1.0p-53;
  }
}
