package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LookupBoundsTest {
  private static final long MS = 1_000_000;
  private static final NodeId TARGET = NodeId.zero();

  /** A node whose id differs from the target (all zero) in its first byte only, so nearer for a smaller byte. */
  private static Contact node(int firstByte, int port) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) firstByte;
    return new Contact(NodeId.of(id), Endpoint.parse("127.0.0.1:" + port));
  }

  // nearest first: B (dead), E, C, D, A; the querier Q is farthest
  private static final Contact B = node(0x01, 1);
  private static final Contact E = node(0x02, 2);
  private static final Contact C = node(0x04, 3);
  private static final Contact D = node(0x08, 4);
  private static final Contact A = node(0x10, 5);
  private static final Contact Q = node(0x80, 6);

  /** Q knows A; A names B, C, D; C names E and Q. Round trips A 100, C 50, D 200, E 30 ms; B is dead. */
  private static LookupBounds.Network network() {
    Map<Contact, Long> rtt = Map.of(A, 100 * MS, C, 50 * MS, D, 200 * MS, E, 30 * MS);
    Map<Contact, List<Contact>> replies = new HashMap<>();
    replies.put(A, List.of(B, C, D));
    replies.put(C, List.of(E, Q));
    return new LookupBounds.Network() {
      @Override
      public boolean live(Contact c) {
        return !c.equals(B);
      }

      @Override
      public long rttNanos(Contact c) {
        return rtt.get(c);
      }

      @Override
      public List<Contact> reply(Contact c) {
        return replies.getOrDefault(c, List.of());
      }
    };
  }

  @Test
  void theOracleIsTheEarliestEveryTrueClosestNodeCouldAnswer() {
    // A answers at 100; C, learned then, at 150; E, learned from C, at 180
    LookupBounds.Bounds b = LookupBounds.of(Q.id(), TARGET, List.of(A), List.of(E, C), network(), 300 * MS);
    assertThat(b.oracleNanos()).isEqualTo(180 * MS);
    // the flood must give up on B (learned at 100) before it can stop: 400 ms, then E and C are the answer
    assertThat(b.floodNanos()).isEqualTo(400 * MS);
    assertThat(b.floodExact()).isTrue();
    assertThat(b.floodQueries()).as("A, B, C, D, E; never the querier").isEqualTo(5);
  }

  @Test
  void aShorterGiveUpLetsTheFloodStopWhenTheNearestLiveNodesHaveAnswered() {
    LookupBounds.Bounds b = LookupBounds.of(Q.id(), TARGET, List.of(A), List.of(E, C), network(), 20 * MS);
    // B given up at 120, C answers at 150 naming E, E answers at 180: nothing nearer is left unsettled
    assertThat(b.floodNanos()).isEqualTo(180 * MS);
    assertThat(b.floodExact()).isTrue();
    assertThat(b.oracleNanos()).isEqualTo(180 * MS);
  }

  @Test
  void theFloodWaitsForEveryNearerContactItHasHeardOf() {
    // a give-up of 10 ms: B is given up at 110; at 150 C answers and names E, which is nearer than C and unsettled,
    // so the flood waits for E (180) rather than stopping with C and A
    LookupBounds.Bounds b = LookupBounds.of(Q.id(), TARGET, List.of(A), List.of(E, C), network(), 10 * MS);
    assertThat(b.floodNanos()).isEqualTo(180 * MS);
    // with k = 3 (E, C, D) it must also wait for D: 300 ms
    LookupBounds.Bounds three = LookupBounds.of(Q.id(), TARGET, List.of(A), List.of(E, C, D), network(), 10 * MS);
    assertThat(three.floodNanos()).isEqualTo(300 * MS);
    assertThat(three.oracleNanos()).isEqualTo(300 * MS);
    assertThat(three.floodExact()).isTrue();
  }

  @Test
  void aTrueClosestNodeNamedInNoReplyHasNoOracleAndTheFloodMissesIt() {
    Contact hidden = node(0x03, 7);
    LookupBounds.Bounds b = LookupBounds.of(Q.id(), TARGET, List.of(A), List.of(E, hidden), network(), 300 * MS);
    assertThat(b.oracleReachable()).isFalse();
    assertThat(b.oracleNanos()).isEqualTo(-1);
    assertThat(b.floodExact()).isFalse();
    // it stops at B's give-up, answering E and C
    assertThat(b.floodNanos()).isEqualTo(400 * MS);
  }

  @Test
  void whenTooFewNodesAnswerTheFloodEndsWithItsLastQuery() {
    // k = 6 but only four live nodes exist: it ends when D's reply (300) and B's give-up (400) are both in
    Contact f = node(0x20, 8);
    LookupBounds.Bounds b =
        LookupBounds.of(Q.id(), TARGET, List.of(A), List.of(E, C, D, A, f, node(0x40, 9)), network(), 300 * MS);
    assertThat(b.floodNanos()).isEqualTo(400 * MS);
    assertThat(b.floodExact()).isFalse();
    assertThat(b.oracleReachable()).isFalse();
  }

  /**
   * On a real cluster with Internet round trips, one lookup at a time: every exact lookup heard from all its
   * answer no sooner than the oracle allows, and in a stable network the oracle reaches every true closest node.
   */
  @Test
  void noExactLookupBeatsTheOracle() {
    long seed = TestSeeds.seed(12);
    SimCluster cluster = SimCluster.start(
        ClusterSpec.of(300, seed).withNetwork(NetworkConditions.internetRtt()));
    Map<Endpoint, SimHost> byEndpoint = new HashMap<>();
    for (SimHost h : cluster.hosts()) {
      byEndpoint.put(h.endpoint(), h);
    }
    long cap = 2 * (150 + 1) * MS;
    java.util.List<LookupBounds.Bounds> bounds = new java.util.ArrayList<>();
    List<LookupSample> samples = LookupWorkload.run(cluster, 100, 1, Duration.ofMinutes(5),
        (querier, target) -> bounds.add(LatencyExperiment.bounds(cluster, byEndpoint, querier, target, cap)));
    int exact = 0;
    for (int i = 0; i < samples.size(); i++) {
      LookupSample s = samples.get(i);
      LookupBounds.Bounds b = bounds.get(i);
      assertThat(b.oracleReachable()).as("lookup %d, seed %d", i, seed).isTrue();
      assertThat(b.floodExact()).as("lookup %d, seed %d", i, seed).isTrue();
      if (s.exact()) {
        exact++;
        assertThat(LatencyExperiment.resultNanos(s.result())).as("lookup %d, seed %d", i, seed)
            .isGreaterThanOrEqualTo(b.oracleNanos());
      }
    }
    assertThat(exact).isGreaterThanOrEqualTo(99);
  }
}
