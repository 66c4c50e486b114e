package io.dht.node;

import java.util.List;

/**
 * Lookups a node completed after a given sequence number, for metrics ({@link DhtNode#completedLookupsSince}). The
 * node keeps the last {@link DhtNode#COMPLETED_LOOKUPS_KEPT}; a reader that falls further behind learns how many it
 * missed. Each reader keeps its own cursor ({@link #nextSeq()}), so several can read the same node.
 *
 * @param lookups the lookups completed after the requested sequence number, oldest first
 * @param nextSeq the sequence number to ask from next time
 * @param missed lookups completed after the requested sequence number but no longer kept
 */
public record CompletedLookups(List<Sample> lookups, long nextSeq, long missed) {
  public CompletedLookups {
    lookups = List.copyOf(lookups);
  }

  /**
   * One completed lookup.
   *
   * @param seq its sequence number, from 0 in completion order
   * @param purpose why it ran
   * @param rounds the longest chain of dependent queries
   * @param messagesSent queries it sent
   * @param responses replies it got
   * @param timeouts queries that got no reply in time
   * @param durationNanos time from start to completion (the node's clock)
   */
  public record Sample(
      long seq,
      LookupPurpose purpose,
      int rounds,
      int messagesSent,
      int responses,
      int timeouts,
      long durationNanos) {}
}
