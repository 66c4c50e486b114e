package io.dht.node;

import io.dht.id.Contact;
import io.dht.id.NodeId;
import java.util.List;

/**
 * A BEP 44 put.
 *
 * @param target the item's target
 * @param storedOn the nodes (at most k, the closest that gave a token) that acknowledged the put
 * @param refused the nodes that answered with an error instead (302 for a stale seq, 301 for a cas mismatch, ...)
 * @param unanswered the nodes sent a put that neither acknowledged nor refused it before the timeout
 * @param storedLocally whether the putting node itself is among the k closest nodes to the target and so keeps a
 *     copy too (it answers gets for it and checks its replicas like any holder)
 * @param lookup the get lookup that found the nodes and their tokens
 */
public record PutResult(
    NodeId target,
    List<Contact> storedOn,
    List<Refusal> refused,
    List<Contact> unanswered,
    boolean storedLocally,
    LookupResult lookup) {
  public PutResult {
    storedOn = List.copyOf(storedOn);
    refused = List.copyOf(refused);
    unanswered = List.copyOf(unanswered);
  }

  /** Nodes holding the item after this put, counting ourselves when {@link #storedLocally()}. */
  public int copies() {
    return storedOn.size() + (storedLocally ? 1 : 0);
  }
}
