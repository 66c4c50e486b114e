package io.dht.node;

import io.dht.id.Contact;
import io.dht.id.NodeId;
import io.dht.lookup.LookupStep;
import java.util.List;

/**
 * The outcome of an iterative lookup.
 *
 * @param target the id looked up
 * @param closest the closest nodes that answered, nearest first, at most k
 * @param rounds the longest chain of dependent queries (a query sent to a node learned from a reply of the
 *     previous round counts one more round)
 * @param messagesSent queries sent by this lookup
 * @param responses replies received
 * @param timeouts queries that got no reply in time
 * @param durationNanos time from start to completion
 * @param steps every query the lookup sent, in order, with its round and outcome (for inspection)
 */
public record LookupResult(
    NodeId target,
    List<Contact> closest,
    int rounds,
    int messagesSent,
    int responses,
    int timeouts,
    long durationNanos,
    List<LookupStep> steps) {
  public LookupResult {
    closest = List.copyOf(closest);
    steps = List.copyOf(steps);
  }

  /** A result without a query trace. */
  public LookupResult(
      NodeId target,
      List<Contact> closest,
      int rounds,
      int messagesSent,
      int responses,
      int timeouts,
      long durationNanos) {
    this(target, closest, rounds, messagesSent, responses, timeouts, durationNanos, List.of());
  }
}
