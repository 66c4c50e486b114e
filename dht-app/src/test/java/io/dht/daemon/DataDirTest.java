package io.dht.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.DhtException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirTest {
  @TempDir Path tmp;
  private final SplittableRandom random = new SplittableRandom(9);

  @Test
  void nodeIdAndRoutingTableRoundTrip() throws Exception {
    DataDir dir = DataDir.open(tmp.resolve("a/b"));
    NodeId id = NodeId.random(random);
    List<Contact> contacts =
        List.of(
            new Contact(NodeId.random(random), Endpoint.parse("127.0.0.2:6881")),
            new Contact(NodeId.random(random), Endpoint.parse("[2001:db8::1]:51413")));

    dir.saveNodeId(id);
    dir.saveRoutingTable(contacts);

    assertThat(dir.loadNodeId()).contains(id);
    assertThat(dir.loadRoutingTable()).isEqualTo(contacts);
    assertThat(Files.readString(tmp.resolve("a/b/node-id"))).isEqualTo(id + "\n");
    assertThat(Files.readAllLines(tmp.resolve("a/b/routing-table")))
        .contains(contacts.get(0).id() + " 127.0.0.2:6881", contacts.get(1).id() + " [2001:db8:0:0:0:0:0:1]:51413");
    try (var files = Files.list(tmp.resolve("a/b"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("node-id", "routing-table");
    }
  }

  @Test
  void missingFilesMeanNothingSaved() {
    DataDir dir = DataDir.open(tmp);
    assertThat(dir.loadNodeId()).isEmpty();
    assertThat(dir.loadRoutingTable()).isEmpty();
  }

  @Test
  void malformedRoutingTableLinesAreSkipped() throws Exception {
    NodeId good = NodeId.random(random);
    Files.writeString(
        tmp.resolve(DataDir.ROUTING_TABLE_FILE),
        "# comment\n\n"
            + "not a contact\n"
            + good + " 10.0.0.1:6881\n"
            + good + " 10.0.0.2:6881\n" // duplicate id: first wins
            + "zz" + good.toString().substring(2) + " 10.0.0.3:6881\n"
            + NodeId.random(random) + " 10.0.0.4:99999\n"
            + NodeId.random(random) + " host.example:1\n");

    assertThat(DataDir.open(tmp).loadRoutingTable())
        .containsExactly(new Contact(good, Endpoint.parse("10.0.0.1:6881")));
  }

  @Test
  void binaryGarbageRoutingTableIsIgnored() throws Exception {
    byte[] junk = new byte[4096];
    random.nextBytes(junk);
    Files.write(tmp.resolve(DataDir.ROUTING_TABLE_FILE), junk);

    assertThat(DataDir.open(tmp).loadRoutingTable()).isEmpty();
  }

  @Test
  void corruptNodeIdIsAClearError() throws Exception {
    Files.writeString(tmp.resolve(DataDir.NODE_ID_FILE), "hello\n", StandardCharsets.UTF_8);

    assertThatThrownBy(() -> DataDir.open(tmp).loadNodeId())
        .isInstanceOf(DhtException.class)
        .hasMessageContaining("corrupt node id file")
        .hasMessageContaining(tmp.resolve("node-id").toString());
  }

  @Test
  void dataDirThatIsAFileIsAClearError() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain"), "x");

    assertThatThrownBy(() -> DataDir.open(file))
        .isInstanceOf(DhtException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void atomicWriteReplacesWholeFile() throws Exception {
    Path target = tmp.resolve("f");
    DataDir.writeAtomically(target, "a much longer first version\n");
    DataDir.writeAtomically(target, "short\n");

    assertThat(Files.readString(target)).isEqualTo("short\n");
    assertThat(tmp.resolve("f.tmp")).doesNotExist();
  }
}
