package io.dht.lookup;

import io.dht.id.Contact;
import java.util.Optional;

/**
 * One query of a lookup, for inspection (the dashboard draws lookups round by round from these).
 *
 * @param contact the node asked
 * @param round 1 for the first queries, n + 1 for nodes learned from a round-n reply
 * @param sentNanos when the query was sent (the node's clock)
 * @param doneNanos when it was answered or given up; equal to {@code sentNanos} while pending
 * @param outcome how it ended
 * @param learnedFrom the node whose reply told us of {@code contact} (the first one, when several did); empty for
 *     the start set (round 1: our routing table, or the contacts a bootstrap began with)
 */
public record LookupStep(
    Contact contact, int round, long sentNanos, long doneNanos, Outcome outcome, Optional<Contact> learnedFrom) {
  /** A step without its source (a start contact). */
  public LookupStep(Contact contact, int round, long sentNanos, long doneNanos, Outcome outcome) {
    this(contact, round, sentNanos, doneNanos, outcome, Optional.empty());
  }

  /** How a lookup query ended. */
  public enum Outcome {
    PENDING,
    REPLIED,
    TIMED_OUT,
    FAILED
  }
}
