package io.dht.http;

import io.dht.id.Contact;
import io.dht.id.NodeId;
import io.dht.node.LookupResult;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The last {@value #CAPACITY} lookups run through the HTTP API (and, in {@code dht swarm --dashboard}, the swarm's
 * round trips), kept for {@code GET /api/lookups/{id}} and the dashboard. Thread-safe (HTTP threads add and read;
 * no protocol state lives here).
 *
 * <p>A record holds what the core reports in {@link LookupResult} (rounds, messages, responses, timeouts, duration
 * and the k closest nodes that answered, and its trace: every query with its round, outcome, times and the node
 * that told us of the contact asked) plus the <em>start set</em>: the k contacts of our routing table closest to the
 * target just before the lookup began, which is what the lookup queries first.
 */
public final class LookupLog {
  public static final int CAPACITY = 100;

  /**
   * One recorded lookup.
   *
   * @param id sequential, from 1
   * @param node index of the node that ran it (0 for a single daemon)
   * @param kind {@code find_node}, {@code get_peers}, {@code announce}, {@code get} or {@code put}
   * @param self the id of the node that ran it
   * @param start the routing table's closest contacts to the target when the lookup began, nearest first
   */
  public record Recorded(
      long id, int node, String kind, NodeId self, NodeId target, Instant startedAt, List<Contact> start,
      LookupResult result) {
    public Recorded {
      start = List.copyOf(start);
    }
  }

  private final Deque<Recorded> recent = new ArrayDeque<>();
  private final List<Consumer<Recorded>> listeners = new CopyOnWriteArrayList<>();
  private long nextId = 1;

  /** Calls {@code listener} (on the recording thread) for every lookup recorded from now on. */
  public void onRecord(Consumer<Recorded> listener) {
    listeners.add(listener);
  }

  public Recorded add(
      int node, String kind, NodeId self, NodeId target, Instant startedAt, List<Contact> start,
      LookupResult result) {
    Recorded r;
    synchronized (this) {
      r = new Recorded(nextId++, node, kind, self, target, startedAt, start, result);
      recent.addFirst(r);
      while (recent.size() > CAPACITY) {
        recent.removeLast();
      }
    }
    for (Consumer<Recorded> l : listeners) {
      l.accept(r);
    }
    return r;
  }

  public synchronized Optional<Recorded> get(long id) {
    return recent.stream().filter(r -> r.id() == id).findFirst();
  }

  /** Newest first. */
  public synchronized List<Recorded> recent() {
    return new ArrayList<>(recent);
  }
}
