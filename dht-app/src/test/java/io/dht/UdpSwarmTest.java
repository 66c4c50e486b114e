package io.dht;

import static io.dht.TestSwarm.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.AnnounceResult;
import io.dht.node.PeersResult;
import io.dht.node.PingResult;
import io.dht.id.Contact;
import io.dht.node.DhtConfig;
import io.dht.transport.EventLoop;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Twenty real UDP nodes on distinct loopback addresses find each other's announces. */
class UdpSwarmTest {
  @Test
  void announceFromOneNodeIsFoundByGetPeersFromAnother() throws Exception {
    try (TestSwarm swarm = TestSwarm.start(20, 10)) {
      swarm.bootstrapAll();
      for (Dht d : swarm.nodes()) {
        assertThat(get(d.routingTable())).as("routing table of %s", d).isNotEmpty();
      }
      SplittableRandom random = new SplittableRandom(42);
      for (int i = 0; i < 8; i++) {
        int a = random.nextInt(swarm.size());
        int b = (a + 1 + random.nextInt(swarm.size() - 1)) % swarm.size();
        NodeId infoHash = NodeId.random(random);
        int port = 1000 + i;
        AnnounceResult announced = get(swarm.node(a).announce(infoHash, port));
        assertThat(announced.storedOn()).isNotEmpty();

        PeersResult found = get(swarm.node(b).getPeers(infoHash));

        Endpoint expected = new Endpoint(swarm.node(a).localEndpoint().address(), port);
        assertThat(found.peers()).as("node %d looking for node %d's announce", b, a).contains(expected);
        assertThat(found.lookup().messagesSent()).isPositive();
      }
    }
  }

  @Test
  void impliedPortAnnouncesTheUdpSourcePort() throws Exception {
    try (TestSwarm swarm = TestSwarm.start(6, 30)) {
      swarm.bootstrapAll();
      NodeId infoHash = NodeId.random(new SplittableRandom(7));
      get(swarm.node(3).announce(infoHash, 0));

      PeersResult found = get(swarm.node(5).getPeers(infoHash));

      assertThat(found.peers()).contains(swarm.node(3).localEndpoint());
    }
  }

  @Test
  void pingReportsTheRespondersIdAndCallsFromManyThreadsAreSafe() throws Exception {
    try (TestSwarm swarm = TestSwarm.start(3, 36)) {
      PingResult pong = get(swarm.node(1).ping(swarm.node(0).localEndpoint()));
      assertThat(pong.contact().id()).isEqualTo(swarm.node(0).id());
      assertThat(pong.contact().endpoint()).isEqualTo(swarm.node(0).localEndpoint());

      List<Thread> threads =
          List.of(0, 1, 2, 3).stream()
              .map(
                  t ->
                      new Thread(
                          () -> {
                            for (int i = 0; i < 25; i++) {
                              swarm.node(2).ping(swarm.node(i % 2).localEndpoint()).join();
                            }
                          }))
              .toList();
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join(TestSwarm.TIMEOUT_SECONDS * 1000);
        assertThat(t.isAlive()).isFalse();
      }
      assertThat(get(swarm.node(2).stats()).responsesIn()).isGreaterThanOrEqualTo(100);
    }
  }

  @Test
  void ipv6NodesTalkOverTheLoopback() throws Exception {
    InetAddress v6 = Endpoint.parseAddress("::1");
    try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(v6, 0))) {
      probe.getLocalPort();
    } catch (SocketException e) {
      Assumptions.abort("no IPv6 loopback here: " + e.getMessage());
    }
    try (EventLoop loop = EventLoop.start("test-loop-v6");
        Dht a = Dht.builder().bindAddress(v6).config(DhtConfig.privateNetwork()).eventLoop(loop).start();
        Dht b = Dht.builder().bindAddress(v6).config(DhtConfig.privateNetwork()).eventLoop(loop).start()) {
      PingResult pong = get(b.ping(a.localEndpoint()));

      assertThat(pong.contact()).isEqualTo(new Contact(a.id(), a.localEndpoint()));
      assertThat(a.localEndpoint().toString()).startsWith("[");
      assertThat(loop.failures()).isZero();
    }
  }

  @Test
  void callbacksOnTheLoopMayCallTheSameNodeAgainReentrantly() throws Exception {
    try (TestSwarm swarm = TestSwarm.start(8, 90)) {
      swarm.bootstrapAll();
      SplittableRandom random = new SplittableRandom(13);
      NodeId infoHash = NodeId.random(random);
      Dht a = swarm.node(2);
      Dht b = swarm.node(5);

      // Each stage runs on the loop, inside the node's own completion of the previous stage.
      PeersResult found =
          get(
              a.findNode(NodeId.random(random))
                  .thenCompose(lookup -> a.announce(infoHash, 2222))
                  .thenCompose(announced -> a.getPeers(infoHash))
                  .thenCompose(own -> b.getPeers(infoHash)));

      assertThat(found.peers()).contains(new Endpoint(a.localEndpoint().address(), 2222));
    }
  }
}
