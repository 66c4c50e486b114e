package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Contact;
import io.dht.id.NodeId;
import io.dht.node.LookupResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exactness check itself must be able to fail. */
class LookupSampleTest {
  private final SimCluster cluster =
      SimCluster.start(ClusterSpec.of(40, TestSeeds.seed(5)).withSettle(Duration.ZERO));
  private final NodeId target = NodeId.random(cluster.random().workload());
  private final NodeId querier = cluster.host(1).id();

  private LookupSample sampleAnswering(List<Contact> closest) {
    LookupResult result = new LookupResult(target, closest, 3, 12, 12, 0, 1);
    return new LookupSample(querier, target, result, cluster.trueClosest(target, 8, querier));
  }

  @Test
  void theTrueSetInAnyOrderIsExact() {
    List<Contact> answer = new ArrayList<>(cluster.trueClosest(target, 8, querier));
    Collections.reverse(answer);
    assertThat(sampleAnswering(answer).exact()).isTrue();
    assertThat(sampleAnswering(answer).missing()).isEmpty();
  }

  @Test
  void aMissingOrSubstitutedNodeIsNotExact() {
    List<Contact> truth = cluster.trueClosest(target, 9, querier);
    List<Contact> substituted = new ArrayList<>(truth.subList(0, 7));
    substituted.add(truth.get(8)); // the 9th closest instead of the 8th

    assertThat(sampleAnswering(truth.subList(0, 7)).exact()).isFalse();
    assertThat(sampleAnswering(substituted).exact()).isFalse();
    assertThat(sampleAnswering(substituted).missing()).containsExactly(truth.get(7));
  }

  @Test
  void aCrashedNodeInTheAnswerMakesItInexact() {
    List<Contact> answer = cluster.trueClosest(target, 8, querier);
    SimHost returned = cluster.hosts().stream().filter(h -> h.id().equals(answer.get(0).id())).findFirst().get();
    cluster.crash(returned);

    LookupSample stale = sampleAnswering(answer);
    assertThat(stale.exact()).isFalse();
    assertThat(stale.missing()).hasSize(1);
  }

  @Test
  void theQuerierIsNotPartOfTheTruth() {
    assertThat(cluster.trueClosest(querier, 8, querier)).noneMatch(c -> c.id().equals(querier));
  }
}
