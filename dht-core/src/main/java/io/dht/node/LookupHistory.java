package io.dht.node;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} completed lookups of a node in a ring of primitive arrays: recording one costs a few
 * array stores and no allocation; readers copy out what they have not seen yet ({@link #since}). Loop-owned.
 */
final class LookupHistory {
  private final LookupPurpose[] purposes;
  private final int[] rounds;
  private final int[] messagesSent;
  private final int[] responses;
  private final int[] timeouts;
  private final long[] durationNanos;
  /** Sequence number of the next lookup recorded (= lookups recorded so far). */
  private long next;

  LookupHistory(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive, got " + capacity);
    }
    purposes = new LookupPurpose[capacity];
    rounds = new int[capacity];
    messagesSent = new int[capacity];
    responses = new int[capacity];
    timeouts = new int[capacity];
    durationNanos = new long[capacity];
  }

  void record(LookupPurpose purpose, int rounds, int messagesSent, int responses, int timeouts, long durationNanos) {
    int i = (int) (next % purposes.length);
    this.purposes[i] = purpose;
    this.rounds[i] = rounds;
    this.messagesSent[i] = messagesSent;
    this.responses[i] = responses;
    this.timeouts[i] = timeouts;
    this.durationNanos[i] = durationNanos;
    next++;
  }

  /** The lookups with a sequence number of at least {@code seq} that are still kept. */
  CompletedLookups since(long seq) {
    long from = Math.max(Math.max(seq, 0), next - purposes.length);
    long missed = Math.max(0, from - Math.max(seq, 0));
    List<CompletedLookups.Sample> out = new ArrayList<>((int) Math.max(0, next - from));
    for (long s = from; s < next; s++) {
      int i = (int) (s % purposes.length);
      out.add(
          new CompletedLookups.Sample(
              s, purposes[i], rounds[i], messagesSent[i], responses[i], timeouts[i], durationNanos[i]));
    }
    return new CompletedLookups(out, next, missed);
  }
}
