package io.dht.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.ImmutableItem;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class DhtNodeTest {
  private static final DhtConfig CONFIG = DhtConfig.privateNetwork();

  private static TestNetwork swarm(int size, long seed) {
    TestNetwork net = new TestNetwork(seed);
    DhtNode seedNode = net.add(CONFIG);
    Endpoint seedEp = net.endpointOf(seedNode);
    for (int i = 1; i < size; i++) {
      DhtNode n = net.add(CONFIG);
      net.await(n.bootstrap(List.of(seedEp)));
    }
    net.runFor(30_000 * TestNetwork.MS);
    return net;
  }

  /**
   * Maintenance of an idle node sleeps (at most 60 s) instead of running every 5 s; storing an item brings it back to
   * every 5 s (held items are checked and handed off by it). Counted as the distinct deadlines a node reports while
   * virtual time advances one second at a time (its only timer when idle is maintenance).
   */
  @Test
  void anIdleNodesMaintenanceSleepsAndAStoredItemWakesIt() {
    TestNetwork net = swarm(20, 21);
    net.runFor(120_000 * TestNetwork.MS); // the bootstrap's lookups are long over
    DhtNode quiet = net.list.get(7);
    int idleRuns = maintenanceRuns(net, quiet, 600);
    assertThat(idleRuns).as("maintenance runs of an idle node in 10 minutes").isBetween(10, 20);

    ImmutableItem item = ImmutableItem.ofBytes("wake up".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    PutResult put = net.await(net.list.get(3).putItem(item, java.util.OptionalLong.empty()));
    assertThat(put.storedOn()).isNotEmpty();
    DhtNode holder = net.nodes.get(put.storedOn().get(0).endpoint());
    assertThat(maintenanceRuns(net, holder, 60)).as("maintenance runs of a holder in one minute").isBetween(11, 13);
  }

  /** Distinct deadlines {@code node} reports over {@code seconds} of virtual time, sampled every second. */
  private static int maintenanceRuns(TestNetwork net, DhtNode node, int seconds) {
    java.util.Set<Long> deadlines = new java.util.HashSet<>();
    for (int i = 0; i < seconds; i++) {
      net.runFor(1_000 * TestNetwork.MS);
      deadlines.add(node.nextDeadlineNanos());
    }
    return deadlines.size();
  }

  @Test
  void pingReturnsTheRespondersContact() {
    TestNetwork net = new TestNetwork(1);
    DhtNode a = net.add(CONFIG);
    DhtNode b = net.add(CONFIG);
    PingResult r = net.await(a.ping(net.endpointOf(b)));
    assertThat(r.contact().id()).isEqualTo(b.id());
    assertThat(a.routingTableContacts()).containsExactly(new Contact(b.id(), net.endpointOf(b)));
  }

  @Test
  void pingOfNobodyTimesOut() {
    TestNetwork net = new TestNetwork(2);
    DhtNode a = net.add(CONFIG);
    Endpoint nobody = Endpoint.parse("10.9.9.9:9");
    assertThatThrownBy(() -> net.await(a.ping(nobody)))
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(RpcTimeoutException.class);
    assertThat(a.stats().timeouts()).isEqualTo(1);
  }

  @Test
  void findNodeReturnsTheTrueClosestInASmallSwarm() {
    TestNetwork net = swarm(200, 3);
    int exact = 0;
    for (int i = 0; i < 50; i++) {
      DhtNode from = net.list.get(net.random.nextInt(net.list.size()));
      NodeId target = NodeId.random(net.random);
      LookupResult r = net.await(from.findNode(target));
      List<NodeId> truth =
          net.list.stream()
              .map(DhtNode::id)
              .filter(id -> !id.equals(from.id()))
              .sorted((x, y) -> target.compareDistance(x, y))
              .limit(8)
              .toList();
      if (r.closest().stream().map(Contact::id).toList().equals(truth)) {
        exact++;
      }
      assertThat(r.rounds()).isPositive();
      // the trace: one step per query sent, none left pending, rounds as reported
      assertThat(r.steps()).hasSize(r.messagesSent());
      assertThat(r.steps()).noneMatch(st -> st.outcome() == io.dht.lookup.LookupStep.Outcome.PENDING);
      assertThat(r.steps().stream()
              .filter(st -> st.outcome() == io.dht.lookup.LookupStep.Outcome.REPLIED)
              .mapToInt(io.dht.lookup.LookupStep::round).max().orElse(0))
          .isEqualTo(r.rounds());
    }
    assertThat(exact).isGreaterThanOrEqualTo(49);
  }

  @Test
  void announcedPeerIsFoundByAnotherNode() {
    TestNetwork net = swarm(100, 4);
    for (int i = 0; i < 20; i++) {
      DhtNode a = net.list.get(net.random.nextInt(net.list.size()));
      DhtNode b = net.list.get(net.random.nextInt(net.list.size()));
      NodeId infoHash = NodeId.random(net.random);
      AnnounceResult ar = net.await(a.announce(infoHash, 4000 + i));
      assertThat(ar.storedOn()).hasSize(8);
      PeersResult pr = net.await(b.getPeers(infoHash));
      assertThat(pr.peers()).contains(new Endpoint(net.endpointOf(a).address(), 4000 + i));
      // the first peers came with the first reply from a node the announce stored on (b's own store aside)
      if (ar.storedOn().stream().noneMatch(c -> c.id().equals(b.id()))) {
        long start = pr.lookup().steps().stream().mapToLong(io.dht.lookup.LookupStep::sentNanos).min().orElseThrow();
        long firstHolderReply =
            pr.lookup().steps().stream()
                .filter(st -> st.outcome() == io.dht.lookup.LookupStep.Outcome.REPLIED)
                .filter(st -> ar.storedOn().contains(st.contact()))
                .mapToLong(st -> st.doneNanos() - start)
                .min()
                .orElseThrow();
        assertThat(pr.firstPeersNanos()).hasValue(firstHolderReply);
        assertThat(firstHolderReply).isPositive().isLessThanOrEqualTo(pr.lookup().durationNanos());
      }
    }
    assertThat(net.await(net.list.get(0).getPeers(NodeId.random(net.random))).firstPeersNanos()).isEmpty();
  }

  /**
   * getPeers with a callback: each reply's new peers are handed over as they arrive, the first batch at the time
   * firstPeersNanos reports, and together they are the result's peers, in order, without duplicates.
   */
  @Test
  void newPeersAreHandedOverAsRepliesBringThem() {
    TestNetwork net = swarm(100, 8);
    NodeId infoHash = NodeId.random(net.random);
    for (int i = 0; i < 5; i++) {
      net.await(net.list.get(10 + i).announce(infoHash, 5000 + i));
    }
    DhtNode getter = net.list.get(50);
    java.util.List<Endpoint> streamed = new java.util.ArrayList<>();
    java.util.List<Long> at = new java.util.ArrayList<>();
    long start = net.now;
    PeersResult pr =
        net.await(
            getter.getPeers(
                infoHash,
                peers -> {
                  assertThat(peers).isNotEmpty();
                  streamed.addAll(peers);
                  at.add(net.now);
                }));
    assertThat(pr.peers()).hasSize(5);
    assertThat(streamed).containsExactlyElementsOf(pr.peers());
    assertThat(at.get(0) - start).isEqualTo(pr.firstPeersNanos().orElseThrow());
    assertThat(at).isSorted();
    // a callback that throws changes nothing for the lookup
    PeersResult again =
        net.await(
            getter.getPeers(
                infoHash,
                peers -> {
                  throw new IllegalStateException("test: deliberately thrown");
                }));
    assertThat(again.peers()).containsExactlyInAnyOrderElementsOf(pr.peers());
    assertThat(getter.stats().internalErrors()).isZero();
  }

  @Test
  void routingTableInvariantsHoldAfterBootstrap() {
    TestNetwork net = swarm(150, 5);
    for (DhtNode n : net.list) {
      assertThat(n.routingTable().checkInvariants()).isEmpty();
      assertThat(n.stats().internalErrors()).isZero();
      assertThat(n.routingTableContacts()).isNotEmpty();
    }
    assertThat(net.list.stream().mapToInt(n -> n.stats().routingTableSize()).max().orElse(0))
        .isGreaterThan(20);
    net.list.stream().max(Comparator.comparingInt(n -> n.stats().routingTableSize()));
  }

  @Test
  void lookupsBeyondTheConfiguredBoundFailAtOnce() {
    TestNetwork net = new TestNetwork(7);
    DhtConfig one = CONFIG.toBuilder().maxConcurrentLookups(1).build();
    DhtNode a = net.add(one);
    DhtNode b = net.add(one);
    net.await(a.ping(net.endpointOf(b)));
    var first = a.findNode(NodeId.random(net.random));
    var second = a.getPeers(NodeId.random(net.random));
    assertThat(second).isCompletedExceptionally();
    assertThatThrownBy(second::join).hasCauseInstanceOf(DhtException.class).hasMessageContaining("too many lookups");
    net.await(first);
    assertThat(net.await(a.findNode(NodeId.random(net.random))).closest()).isNotEmpty(); // room again
  }

  @Test
  void closeFailsOutstandingOperations() {
    TestNetwork net = new TestNetwork(6);
    DhtNode a = net.add(CONFIG);
    var f = a.ping(Endpoint.parse("10.9.9.9:9"));
    a.close();
    assertThat(f).isCompletedExceptionally();
    assertThatThrownBy(f::join).hasCauseInstanceOf(NodeClosedException.class);
    assertThat(a.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void completedLookupsOfEveryPurposeAreKeptForReaders() {
    TestNetwork net = swarm(30, 9);
    DhtNode n = net.add(CONFIG);
    net.await(n.bootstrap(List.of(net.endpointOf(net.list.get(0)))));
    CompletedLookups joined = n.completedLookupsSince(0);
    List<LookupPurpose> purposes = joined.lookups().stream().map(CompletedLookups.Sample::purpose).toList();
    assertThat(purposes).contains(LookupPurpose.BOOTSTRAP, LookupPurpose.REFRESH)
        .containsOnly(LookupPurpose.BOOTSTRAP, LookupPurpose.REFRESH);
    assertThat(purposes.get(0)).isEqualTo(LookupPurpose.BOOTSTRAP);
    assertThat(joined.missed()).isZero();
    assertThat(joined.nextSeq()).isEqualTo(joined.lookups().size()).isEqualTo(n.stats().lookupsCompleted());
    CompletedLookups.Sample self = joined.lookups().get(0);
    assertThat(self.seq()).isZero();
    assertThat(self.rounds()).isPositive();
    assertThat(self.messagesSent()).isGreaterThanOrEqualTo(self.responses()).isPositive();
    assertThat(self.durationNanos()).isPositive();

    LookupResult r = net.await(n.findNode(NodeId.random(net.random)));
    CompletedLookups next = n.completedLookupsSince(joined.nextSeq());
    assertThat(next.lookups()).hasSize(1);
    CompletedLookups.Sample found = next.lookups().get(0);
    assertThat(found.purpose()).isEqualTo(LookupPurpose.FIND_NODE);
    assertThat(found.rounds()).isEqualTo(r.rounds());
    assertThat(found.messagesSent()).isEqualTo(r.messagesSent());
    assertThat(found.durationNanos()).isEqualTo(r.durationNanos());
    // a second reader with its own cursor sees everything again
    assertThat(n.completedLookupsSince(0).lookups()).hasSize(joined.lookups().size() + 1);
    assertThat(n.completedLookupsSince(next.nextSeq()).lookups()).isEmpty();
  }

  /** The ring grows from 8 slots to its capacity as lookups are recorded, and reads the same as a full-size one. */
  @Test
  void theHistoryGrowsToItsCapacityAndKeepsTheLastLookups() {
    LookupHistory h = new LookupHistory(1024);
    assertThat(h.slots()).isEqualTo(LookupHistory.INITIAL_SLOTS);
    for (int i = 0; i < 5; i++) {
      h.record(LookupPurpose.GET, i, i, i, 0, i);
    }
    assertThat(h.slots()).isEqualTo(8);
    assertThat(h.since(0).lookups()).extracting(CompletedLookups.Sample::seq).containsExactly(0L, 1L, 2L, 3L, 4L);
    for (int i = 5; i < 3000; i++) {
      h.record(LookupPurpose.GET, i % 7, i, i, 0, i);
    }
    assertThat(h.slots()).isEqualTo(1024);
    CompletedLookups c = h.since(0);
    assertThat(c.missed()).isEqualTo(3000 - 1024);
    assertThat(c.lookups()).hasSize(1024);
    assertThat(c.lookups()).extracting(CompletedLookups.Sample::seq).startsWith(1976L, 1977L).endsWith(2999L);
    assertThat(c.lookups()).allMatch(l -> l.messagesSent() == l.seq() && l.rounds() == l.seq() % 7);
    LookupHistory small = new LookupHistory(12); // a capacity that doubling does not hit exactly
    for (int i = 0; i < 20; i++) {
      small.record(LookupPurpose.GET, i, i, i, 0, i);
    }
    assertThat(small.slots()).isEqualTo(12);
    assertThat(small.since(0).lookups()).extracting(CompletedLookups.Sample::seq).startsWith(8L).endsWith(19L)
        .hasSize(12);
  }

  @Test
  void aReaderThatFallsBehindLearnsHowManyItMissed() {
    LookupHistory h = new LookupHistory(4);
    for (int i = 0; i < 10; i++) {
      h.record(LookupPurpose.REFRESH, i, 2 * i, i, 0, 1000L * i);
    }
    CompletedLookups c = h.since(3);
    assertThat(c.missed()).isEqualTo(3); // 3, 4, 5 were overwritten
    assertThat(c.lookups()).extracting(CompletedLookups.Sample::seq).containsExactly(6L, 7L, 8L, 9L);
    assertThat(c.lookups().get(0).messagesSent()).isEqualTo(12);
    assertThat(c.nextSeq()).isEqualTo(10);
    assertThat(h.since(10).lookups()).isEmpty();
    assertThat(h.since(10).missed()).isZero();
  }
}
