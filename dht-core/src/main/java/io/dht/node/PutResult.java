package io.dht.node;

import io.dht.id.Contact;
import io.dht.id.NodeId;
import java.util.List;

/** A BEP 44 put: the target and the nodes (at most k, the closest that gave a token) that stored the item. */
public record PutResult(NodeId target, List<Contact> storedOn, LookupResult lookup) {
  public PutResult {
    storedOn = List.copyOf(storedOn);
  }
}
