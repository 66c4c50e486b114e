package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Contact;
import io.dht.id.NodeId;
import io.dht.routing.RoutingTable;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link SimCluster#startSeeded}: routing tables filled from the global view instead of the join traffic must give
 * the same lookups a bootstrapped network gives (exactly the true 8 closest live nodes), keep every table's
 * invariants, and stay deterministic.
 */
class SeededClusterTest {
  static final int NODES = 3_000;

  @Test
  void lookupsInASeededClusterFindTheTrueClosest() {
    long seed = TestSeeds.seed(5);
    SimCluster cluster = SimCluster.startSeeded(ClusterSpec.of(NODES, seed), 20);
    assertThat(cluster.bootstrapFailures()).as("bootstrap failures of the real joins, seed %d", seed).isZero();
    assertThat(cluster.liveHosts()).hasSize(NODES);
    assertThat(cluster.invariantViolations()).isEmpty();

    List<LookupSample> samples = LookupWorkload.run(cluster, 500, 50, Duration.ofMinutes(5));
    assertThat(LookupWorkload.exactness(samples)).as("share of exact lookups, seed %d", seed).isEqualTo(1.0);
  }

  @Test
  void aSeededTableFillsEveryBucketItCanAndKnowsItsTrueNeighbours() {
    long seed = TestSeeds.seed(6);
    SimCluster cluster = SimCluster.startSeeded(ClusterSpec.of(1_000, seed), 0);
    int k = cluster.spec().config().k();
    assertThat(cluster.network().stats().delivered()).as("no join traffic").isZero();
    for (SimHost h : cluster.hosts()) {
      RoutingTable t = h.node().routingTable();
      assertThat(t.checkInvariants()).isEmpty();
      int[] sizes = t.bucketSizes();
      int[] exist = new int[NodeId.BITS + 1];
      for (SimHost o : cluster.hosts()) {
        exist[h.id().commonPrefixLength(o.id())]++;
      }
      for (int b = 0; b < sizes.length - 1; b++) {
        assertThat(sizes[b]).as("bucket %d of host %d", b, h.index()).isEqualTo(Math.min(k, exist[b]));
      }
      // the k nodes truly closest to the host are all in its table
      for (Contact c : cluster.trueClosest(h.id(), k, h.id())) {
        assertThat(t.contains(c.id())).as("host %d knows its neighbour %s", h.index(), c).isTrue();
      }
    }
  }

  @Test
  void theIndexedTruthEqualsAScanOfAllHosts() {
    long seed = TestSeeds.seed(8);
    SimCluster cluster = SimCluster.startSeeded(ClusterSpec.of(SimCluster.INDEX_MIN_HOSTS + 1_000, seed), 0);
    cluster.crashRandom(0.3);
    var r = cluster.random().workload();
    for (int i = 0; i < 300; i++) {
      NodeId target = i % 3 == 0 ? cluster.host(r.nextInt(500)).id() : NodeId.random(r);
      NodeId excluded = cluster.host(r.nextInt(cluster.hosts().size())).id();
      int k = 1 + r.nextInt(20);
      assertThat(cluster.trueClosest(target, k, excluded))
          .isEqualTo(SimCluster.trueClosestIn(cluster.hosts(), target, k, excluded));
    }
  }

  @Test
  void seedingIsDeterministic() {
    long seed = TestSeeds.seed(7);
    SimCluster a = SimCluster.startSeeded(ClusterSpec.of(500, seed), 10);
    SimCluster b = SimCluster.startSeeded(ClusterSpec.of(500, seed), 10);
    for (int i = 0; i < 500; i++) {
      List<Contact> x = a.host(i).node().routingTableContacts();
      assertThat(b.host(i).node().routingTableContacts()).isEqualTo(x);
    }
    NodeId target = NodeId.random(a.random().workload());
    NodeId same = NodeId.random(b.random().workload());
    assertThat(same).isEqualTo(target);
    assertThat(a.network().traceHash()).isEqualTo(b.network().traceHash());
  }
}
