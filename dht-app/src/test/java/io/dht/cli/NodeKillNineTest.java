package io.dht.cli;

import static io.dht.TestSwarm.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.Dht;
import io.dht.TestSwarm;
import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.Sha1;
import io.dht.node.PutResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dht node --data-dir D} in a child JVM holds an item and an announced peer, is killed with SIGKILL (no
 * shutdown hook runs), and restarts from D: both are still served, although every other holder has left.
 */
class NodeKillNineTest {
  @TempDir Path dir;

  /** A node restarts on its own port, as a daemon would; picked once, free at the time. */
  private final int port = freePort();

  private static int freePort() {
    try (java.net.DatagramSocket s =
        new java.net.DatagramSocket(new java.net.InetSocketAddress("127.0.0.246", 0))) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Process startChild(Path dataDir, Path output, Endpoint bootstrap) throws Exception {
    List<String> command =
        List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "node", "--bind", "127.0.0.246", "--port", String.valueOf(port), "--private",
            "--data-dir", dataDir.toString(),
            "--bootstrap", bootstrap.toString());
    return new ProcessBuilder(command).redirectOutput(output.toFile()).redirectErrorStream(true).start();
  }

  @Test
  void acknowledgedItemsAndPeersSurviveSigkill() throws Exception {
    Path data = dir.resolve("data");
    try (TestSwarm swarm = TestSwarm.start(12, 230)) {
      swarm.bootstrapAll();
      Path firstOut = dir.resolve("first.out");
      Process child = startChild(data, firstOut, swarm.node(0).localEndpoint());
      Process restarted = null;
      try {
        NodeShutdownTest.awaitLine(child, firstOut, l -> l.startsWith("bootstrapped in"));
        Matcher m = NodeShutdownTest.LISTENING.matcher(Files.readString(firstOut));
        assertThat(m.find()).isTrue();
        NodeId childId = NodeId.parseHex(m.group(1));
        Endpoint childEndpoint = Endpoint.parse(m.group(2));

        byte[] value = NodeShutdownTest.closestTo(childId, swarm);
        NodeId target = Sha1.of(Bencode.encode(BString.of(value)));
        PutResult put = get(NodeShutdownTest.farthestFrom(target, swarm).putImmutable(value));
        assertThat(put.storedLocally()).as("a publisher far from the target keeps no copy").isFalse();
        List<Endpoint> itemHolders = put.storedOn().stream().map(Contact::endpoint).toList();
        assertThat(itemHolders).as("the child acknowledged the put").contains(childEndpoint);
        // the same target as an info-hash: the child is among the k closest, so it stores the announce too
        var announce = get(swarm.node(1).announce(target, 7777));
        List<Endpoint> peerHolders = announce.storedOn().stream().map(Contact::endpoint).toList();
        assertThat(peerHolders).as("the child acknowledged the announce").contains(childEndpoint);

        // the reader: a node that holds nothing and has the child in its routing table, as nodes that have talked
        // with it do (a node whose bucket for the child is full of other entries would not find it, which is not
        // what this test is about)
        Contact childContact = new Contact(childId, childEndpoint);
        Dht reader = null;
        for (Dht d : swarm.nodes()) {
          Endpoint e = d.localEndpoint();
          if (reader == null && !itemHolders.contains(e) && !peerHolders.contains(e)) {
            get(d.ping(childEndpoint));
            if (get(d.routingTable()).contains(childContact)) {
              reader = d;
            }
          }
        }
        assertThat(reader).as("a node that holds nothing knows the child").isNotNull();

        child.destroyForcibly(); // SIGKILL: no shutdown hook, no handoff, no final save
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

        // every other holder leaves; the reader, which never held anything, will ask
        for (Dht d : swarm.nodes()) {
          if (itemHolders.contains(d.localEndpoint()) || peerHolders.contains(d.localEndpoint())) {
            d.close();
          }
        }

        Path secondOut = dir.resolve("second.out");
        restarted = startChild(data, secondOut, reader.localEndpoint());
        NodeShutdownTest.awaitLine(restarted, secondOut, l -> l.startsWith("bootstrapped in"));
        assertThat(Files.readString(secondOut)).contains(childId.toString());
        // the restarted child answers from its old address and id (a query that failed while it was down is
        // cleared by this answer)
        assertThat(get(reader.ping(childEndpoint)).contact()).isEqualTo(childContact);

        byte[] got = get(reader.get(target)).value().orElse(null);
        assertThat(got).as("item after kill -9 and restart").isNotNull();
        assertThat(Arrays.equals(got, value)).isTrue();
        assertThat(get(reader.getPeers(target)).peers())
            .as("announced peer after kill -9 and restart")
            .contains(new Endpoint(swarm.node(1).localEndpoint().address(), 7777));
      } finally {
        for (Process p : new Process[] {child, restarted}) {
          if (p != null && p.isAlive()) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
          }
        }
      }
    }
  }
}
