package io.dht.sim;

import io.dht.id.NodeId;
import io.dht.node.LookupResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.random.RandomGenerator;

/**
 * The "lookups find the true k closest" workload: find_node for random targets from random live nodes, checked
 * against the cluster's global view. Lookups run in concurrent batches; the live set must not change meanwhile.
 */
public final class LookupWorkload {
  private LookupWorkload() {}

  /**
   * Runs {@code lookups} find_node lookups, {@code concurrency} at a time, each batch given {@code timeout} of
   * virtual time, and returns one sample per lookup in the order started. Queriers and targets come from the
   * cluster's workload random stream.
   */
  public static List<LookupSample> run(SimCluster cluster, int lookups, int concurrency, Duration timeout) {
    return run(cluster, lookups, concurrency, timeout, (querier, target) -> {});
  }

  /**
   * As {@link #run(SimCluster, int, int, Duration)}, calling {@code beforeEach} with the querier and the target of
   * each lookup just before it starts (to read the network as the lookup finds it).
   */
  public static List<LookupSample> run(
      SimCluster cluster, int lookups, int concurrency, Duration timeout, BiConsumer<SimHost, NodeId> beforeEach) {
    if (lookups < 0 || concurrency < 1) {
      throw new IllegalArgumentException("need lookups >= 0 and concurrency >= 1");
    }
    RandomGenerator random = cluster.random().workload();
    int k = cluster.spec().config().k();
    List<SimHost> live = cluster.liveHosts();
    List<LookupSample> samples = new ArrayList<>(lookups);
    for (int done = 0; done < lookups; ) {
      int batch = Math.min(concurrency, lookups - done);
      List<SimHost> queriers = new ArrayList<>(batch);
      List<NodeId> targets = new ArrayList<>(batch);
      List<CompletableFuture<LookupResult>> futures = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        SimHost querier = live.get(random.nextInt(live.size()));
        NodeId target = NodeId.random(random);
        queriers.add(querier);
        targets.add(target);
        beforeEach.accept(querier, target);
        futures.add(cluster.submit(querier, node -> node.findNode(target)));
      }
      cluster.awaitAll(futures, timeout);
      for (int i = 0; i < batch; i++) {
        NodeId querier = queriers.get(i).id();
        NodeId target = targets.get(i);
        samples.add(
            new LookupSample(querier, target, futures.get(i).join(), cluster.trueClosest(target, k, querier)));
      }
      done += batch;
    }
    return samples;
  }

  /** The fraction of samples that returned exactly the true closest set (1.0 for no samples). */
  public static double exactness(List<LookupSample> samples) {
    if (samples.isEmpty()) {
      return 1.0;
    }
    long exact = samples.stream().filter(LookupSample::exact).count();
    return (double) exact / samples.size();
  }
}
