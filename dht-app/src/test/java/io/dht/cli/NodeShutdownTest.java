package io.dht.cli;

import static io.dht.TestSwarm.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.dht.Dht;
import io.dht.TestSwarm;
import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.Sha1;
import io.dht.node.PutResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dht node} in a child JVM, stopped with SIGTERM: its shutdown hook hands the items it holds to the nodes that
 * become responsible before it closes. The item is placed so that, at the end, the child is its only holder.
 */
class NodeShutdownTest {
  static final Pattern LISTENING = Pattern.compile("node ([0-9a-f]{40}) listening on (\\S+)");
  private static final Duration BOUND = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void sigtermHandsTheHeldItemsOffBeforeClosing() throws Exception {
    try (TestSwarm swarm = TestSwarm.start(12, 220)) {
      swarm.bootstrapAll();
      Path output = dir.resolve("node.out");
      List<String> command =
          List.of(
              Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp",
              System.getProperty("java.class.path"),
              Main.class.getName(),
              "node", "--bind", "127.0.0.245", "--port", "0", "--private",
              "--bootstrap", swarm.node(0).localEndpoint().toString(),
              "--handoff-timeout", "15");
      Process child =
          new ProcessBuilder(command).redirectOutput(output.toFile()).redirectErrorStream(true).start();
      try {
        awaitLine(child, output, l -> l.startsWith("bootstrapped in"));
        Matcher m = LISTENING.matcher(Files.readString(output));
        assertThat(m.find()).as("listening line in %s", Files.readString(output)).isTrue();
        NodeId childId = NodeId.parseHex(m.group(1));
        Endpoint childEndpoint = Endpoint.parse(m.group(2));

        // A value whose target is closer to the child than to any swarm node: the child is surely a holder.
        byte[] value = closestTo(childId, swarm);
        NodeId target = Sha1.of(Bencode.encode(BString.of(value)));
        PutResult put = get(farthestFrom(target, swarm).putImmutable(value));
        assertThat(put.storedLocally()).as("a publisher far from the target keeps no copy").isFalse();
        List<Endpoint> storedOn = put.storedOn().stream().map(Contact::endpoint).toList();
        assertThat(storedOn).as("holders").contains(childEndpoint);

        // Every other holder leaves without a handoff: now the child holds the only copy.
        List<Dht> remaining = new ArrayList<>();
        for (Dht d : swarm.nodes()) {
          if (storedOn.contains(d.localEndpoint())) {
            d.close();
          } else {
            remaining.add(d);
          }
        }
        assertThat(remaining).hasSizeGreaterThanOrEqualTo(2); // the publisher and others

        child.destroy(); // SIGTERM: runs the shutdown hook
        assertThat(child.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).as("child exited").isTrue();
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(printed).as("child output").contains("stopped; 1 items handed off");

        boolean found = false;
        for (Dht d : remaining) {
          found |= get(d.get(target)).value().map(v -> java.util.Arrays.equals(v, value)).orElse(false);
        }
        assertThat(found).as("the item is on the remaining nodes after the child left").isTrue();
      } finally {
        if (child.isAlive()) {
          child.destroyForcibly();
          child.waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** The swarm node farthest from {@code target}: a publisher that is not among the target's closest nodes. */
  static Dht farthestFrom(NodeId target, TestSwarm swarm) {
    return swarm.nodes().stream().max((a, b) -> target.compareDistance(a.id(), b.id())).orElseThrow();
  }

  static byte[] closestTo(NodeId id, TestSwarm swarm) {
    for (int i = 0; i < 100_000; i++) {
      byte[] v = ("handed off " + i).getBytes(StandardCharsets.UTF_8);
      NodeId target = Sha1.of(Bencode.encode(BString.of(v)));
      boolean closest = true;
      for (Dht d : swarm.nodes()) {
        if (target.compareDistance(d.id(), id) <= 0) {
          closest = false;
          break;
        }
      }
      if (closest) {
        return v;
      }
    }
    throw new AssertionError("no value close to " + id);
  }

  static void awaitLine(Process child, Path output, java.util.function.Predicate<String> wanted)
      throws Exception {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (true) {
      List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
      if (lines.stream().anyMatch(wanted)) {
        return;
      }
      if (!child.isAlive()) {
        fail("dht node exited with " + child.exitValue() + ": " + lines);
      }
      if (System.nanoTime() > deadline) {
        fail("dht node printed nothing expected within " + BOUND + ": " + lines);
      }
      Thread.sleep(20);
    }
  }
}
