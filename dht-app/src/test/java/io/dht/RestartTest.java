package io.dht;

import static io.dht.TestSwarm.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dht.daemon.DataDir;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.storage.NodeDatabase;
import io.dht.node.DhtConfig;
import io.dht.node.LookupResult;
import io.dht.node.PeersResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node with a data directory rejoins from its saved routing table, without any bootstrap contact. */
class RestartTest {
  @TempDir Path dataDir;

  @Test
  void restartedNodeRejoinsFromItsSavedTableAfterTheBootstrapNodeIsGone() throws Exception {
    try (TestSwarm swarm = TestSwarm.start(10, 40)) {
      swarm.bootstrapAll();
      Endpoint seed = swarm.node(0).localEndpoint();

      NodeId firstId;
      try (Dht node = startNode(List.of(seed))) {
        firstId = node.id();
        get(node.bootstrap());
        await()
            .atMost(Duration.ofSeconds(TestSwarm.TIMEOUT_SECONDS))
            .until(() -> get(node.routingTable()).size() >= 5);
      }
      List<Contact> saved;
      try (NodeDatabase db = NodeDatabase.open(dataDir, firstId)) {
        saved = db.loadRoutingTable();
      }
      assertThat(saved).hasSizeGreaterThanOrEqualTo(5);
      assertThat(Files.readString(dataDir.resolve(DataDir.NODE_ID_FILE)).strip()).isEqualTo(firstId.toString());

      NodeId infoHash = NodeId.random(new SplittableRandom(3));
      get(swarm.node(7).announce(infoHash, 7777));
      swarm.node(0).close();

      try (Dht restarted = startNode(List.of())) {
        assertThat(restarted.id()).isEqualTo(firstId);
        LookupResult joined = get(restarted.bootstrap());
        assertThat(joined.responses()).isPositive();
        List<Contact> table = get(restarted.routingTable());
        assertThat(table).isNotEmpty().noneMatch(c -> c.endpoint().equals(seed));

        LookupResult lookup = get(restarted.findNode(NodeId.random(new SplittableRandom(4))));
        assertThat(lookup.closest()).isNotEmpty();
        PeersResult peers = get(restarted.getPeers(infoHash));
        assertThat(peers.peers()).contains(new Endpoint(swarm.node(7).localEndpoint().address(), 7777));
      }
    }
  }

  @Test
  void aNodeThatReachedNobodyKeepsTheTableItHadSaved() throws Exception {
    try (Dht first = startNode(List.of())) {
      first.id();
    }
    DataDir dir = DataDir.open(dataDir);
    Contact someone =
        new Contact(NodeId.random(new SplittableRandom(5)), Endpoint.parse("127.0.0.254:9"));
    dir.saveRoutingTable(List.of(someone));

    try (Dht lonely = startNode(List.of())) {
      assertThat(get(lonely.routingTable())).isEmpty();
    }

    assertThat(dir.loadRoutingTable()).containsExactly(someone);
  }

  @Test
  void theRoutingTableIsSavedPeriodicallyWhileRunning() throws Exception {
    try (TestSwarm swarm = TestSwarm.start(3, 52);
        Dht node =
            Dht.builder()
                .bindAddress(TestSwarm.host(51))
                .config(DhtConfig.privateNetwork())
                .addBootstrap(swarm.node(0).localEndpoint())
                .dataDir(dataDir)
                .saveInterval(Duration.ofMillis(50))
                .start()) {
      get(node.bootstrap());

      await()
          .atMost(Duration.ofSeconds(TestSwarm.TIMEOUT_SECONDS))
          .until(() -> get(node.savedRoutingTable()).size() >= 1);
      assertThat(DataDir.open(dataDir).loadNodeId()).contains(node.id());
    }
  }

  private Dht startNode(List<Endpoint> bootstrap) {
    return Dht.builder()
        .bindAddress(TestSwarm.host(50))
        .config(DhtConfig.privateNetwork())
        .bootstrap(bootstrap)
        .dataDir(dataDir)
        .start();
  }
}
