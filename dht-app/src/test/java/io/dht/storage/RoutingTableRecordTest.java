package io.dht.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routing table is saved in the node database with the items and peers, and survives a reopen. */
class RoutingTableRecordTest {
  @TempDir Path dir;

  @Test
  void savedContactsOfBothFamiliesComeBackAfterReopen() {
    SplittableRandom r = new SplittableRandom(5);
    NodeId self = NodeId.random(r);
    List<Contact> contacts = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      contacts.add(new Contact(NodeId.random(r), Endpoint.parse("127.0.0." + (i + 2) + ":" + (6881 + i))));
    }
    contacts.add(new Contact(NodeId.random(r), Endpoint.parse("[::1]:7000")));
    try (NodeDatabase db = NodeDatabase.open(dir, self)) {
      assertThat(db.loadRoutingTable()).isEmpty();
      db.saveRoutingTable(contacts.subList(0, 10));
      db.saveRoutingTable(contacts); // replaces
    }
    try (NodeDatabase db = NodeDatabase.open(dir, self)) {
      assertThat(db.loadRoutingTable()).containsExactlyElementsOf(contacts);
    }
  }
}
