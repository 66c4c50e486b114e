package io.dht.sim;

import io.dht.node.DhtConfig;
import java.time.Duration;

/**
 * How to build a {@link SimCluster}: how many nodes, from which seed, with which node config and network, and how
 * they join (node i starts at {@code i * joinInterval} and bootstraps through node 0).
 *
 * @param nodes number of nodes, node 0 included (>= 1)
 * @param seed the one seed every random choice of the simulation derives from
 * @param config every node's config
 * @param network the network conditions while the cluster is built (and after, until changed)
 * @param joinInterval virtual time between two joins
 * @param bootstrapTimeout how long after the last join every bootstrap must have completed
 * @param settle virtual time to run after all bootstraps completed
 */
public record ClusterSpec(
    int nodes,
    long seed,
    DhtConfig config,
    NetworkConditions network,
    Duration joinInterval,
    Duration bootstrapTimeout,
    Duration settle) {

  public ClusterSpec {
    if (nodes < 1) {
      throw new IllegalArgumentException("a cluster needs at least one node, got " + nodes);
    }
    if (config == null || network == null || joinInterval == null || bootstrapTimeout == null || settle == null) {
      throw new IllegalArgumentException("config, network and durations are required");
    }
    if (joinInterval.isNegative() || bootstrapTimeout.isNegative() || settle.isNegative()) {
      throw new IllegalArgumentException("durations must not be negative");
    }
  }

  /**
   * {@code nodes} nodes with {@link DhtConfig#privateNetwork()}, default network conditions, one join every 20 ms,
   * 5 minutes for the bootstraps to finish and 10 s to settle.
   */
  public static ClusterSpec of(int nodes, long seed) {
    return new ClusterSpec(
        nodes,
        seed,
        DhtConfig.privateNetwork(),
        NetworkConditions.defaults(),
        Duration.ofMillis(20),
        Duration.ofMinutes(5),
        Duration.ofSeconds(10));
  }

  public ClusterSpec withConfig(DhtConfig value) {
    return new ClusterSpec(nodes, seed, value, network, joinInterval, bootstrapTimeout, settle);
  }

  public ClusterSpec withNetwork(NetworkConditions value) {
    return new ClusterSpec(nodes, seed, config, value, joinInterval, bootstrapTimeout, settle);
  }

  public ClusterSpec withJoinInterval(Duration value) {
    return new ClusterSpec(nodes, seed, config, network, value, bootstrapTimeout, settle);
  }

  public ClusterSpec withSettle(Duration value) {
    return new ClusterSpec(nodes, seed, config, network, joinInterval, bootstrapTimeout, value);
  }
}
