package io.dht.sim;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.AnnounceResult;
import io.dht.node.PeersResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * The "announced peers are found" workload: a random live node announces a random info-hash with a random port,
 * then a different random live node runs get_peers for it and must see the announcer's address with that port.
 */
public final class AnnounceWorkload {
  private AnnounceWorkload() {}

  /**
   * Runs {@code trials} announce/get_peers pairs, {@code concurrency} at a time (all announces of a batch, then all
   * its lookups), each phase given {@code timeout} of virtual time. Choices come from the workload random stream.
   */
  public static List<AnnounceSample> run(SimCluster cluster, int trials, int concurrency, Duration timeout) {
    if (trials < 0 || concurrency < 1) {
      throw new IllegalArgumentException("need trials >= 0 and concurrency >= 1");
    }
    RandomGenerator random = cluster.random().workload();
    List<SimHost> live = cluster.liveHosts();
    if (live.size() < 2) {
      throw new IllegalStateException("need two live nodes, have " + live.size());
    }
    List<AnnounceSample> samples = new ArrayList<>(trials);
    for (int done = 0; done < trials; ) {
      int batch = Math.min(concurrency, trials - done);
      List<SimHost> announcers = new ArrayList<>(batch);
      List<SimHost> getters = new ArrayList<>(batch);
      List<NodeId> infoHashes = new ArrayList<>(batch);
      List<Integer> ports = new ArrayList<>(batch);
      List<CompletableFuture<AnnounceResult>> announces = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        SimHost announcer = live.get(random.nextInt(live.size()));
        SimHost getter;
        do {
          getter = live.get(random.nextInt(live.size()));
        } while (getter == announcer);
        NodeId infoHash = NodeId.random(random);
        int port = 1024 + random.nextInt(65535 - 1024 + 1);
        announcers.add(announcer);
        getters.add(getter);
        infoHashes.add(infoHash);
        ports.add(port);
        announces.add(cluster.submit(announcer, node -> node.announce(infoHash, port)));
      }
      cluster.awaitAll(announces, timeout);
      List<CompletableFuture<PeersResult>> lookups = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        NodeId infoHash = infoHashes.get(i);
        lookups.add(cluster.submit(getters.get(i), node -> node.getPeers(infoHash)));
      }
      cluster.awaitAll(lookups, timeout);
      for (int i = 0; i < batch; i++) {
        SimHost announcer = announcers.get(i);
        samples.add(
            new AnnounceSample(
                announcer.id(),
                getters.get(i).id(),
                infoHashes.get(i),
                new Endpoint(announcer.endpoint().address(), ports.get(i)),
                announces.get(i).join(),
                lookups.get(i).join()));
      }
      done += batch;
    }
    return samples;
  }
}
