package io.dht.sim;

import io.dht.id.Contact;
import io.dht.id.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;

/**
 * Two reference points for one lookup, computed from a snapshot of the network instead of run through it: what
 * the routing tables and round trips allow, whatever the lookup's timers and parallelism.
 *
 * <p>Both follow the same model as a real lookup: the querier starts from every contact in its own table; querying
 * a live contact costs that link's round trip and brings back the contacts that node would reply with; a dead one
 * brings back nothing. Queries cost nothing else: both send a query to every contact the moment they hear of it
 * (a flood; message counts are reported, not limited).
 *
 * <ul>
 *   <li><b>Oracle</b>: the time by which every one of the true k closest live nodes could have answered. Earliest
 *       learn times follow Dijkstra's rule (a contact is learned at the earliest reply that names it), so no lookup
 *       that must hear from each node of its answer can finish sooner, <em>even one told in advance which contacts
 *       are dead</em>. Undefined when one of them appears in no reachable reply.
 *   <li><b>Flood</b>: a lookup that does not know who is dead and keeps Kademlia's rule for stopping (each of the k
 *       closest contacts heard of has answered or been given up), with a perfect timer: it gives up on a silent
 *       contact exactly {@code giveUpNanos} after querying it, the slowest live round trip of the model. It is
 *       what timers and parallelism alone could reach on these tables; it may stop with a wrong answer when the
 *       true closest nodes are heard of late or not at all.
 * </ul>
 */
public final class LookupBounds {
  private LookupBounds() {}

  /** What the bounds need to know of the network: a snapshot, read while the lookups have not started. */
  public interface Network {
    /** Whether the contact answers queries. */
    boolean live(Contact contact);

    /** The querier's round trip to the contact (without jitter). */
    long rttNanos(Contact contact);

    /** The contacts a live node replies with for the target. */
    List<Contact> reply(Contact contact);
  }

  /**
   * The two reference points of one lookup.
   *
   * @param oracleNanos when the last of the true k closest live nodes could have answered; -1 when one of them is
   *     named in no reachable reply
   * @param floodNanos when the flood lookup stopped
   * @param floodExact whether the flood's answer was the true k closest live nodes
   * @param floodQueries queries the flood sent before it stopped
   */
  public record Bounds(long oracleNanos, long floodNanos, boolean floodExact, int floodQueries) {
    public boolean oracleReachable() {
      return oracleNanos >= 0;
    }
  }

  private enum Kind { REPLY, GIVE_UP }

  private record Event(long nanos, Kind kind, Contact contact) {}

  /**
   * Computes both for a lookup of {@code target} by {@code querier} (never a candidate) that starts knowing
   * {@code initial}, whose true answer is {@code expected} (the k closest live nodes, nearest first).
   */
  public static Bounds of(
      NodeId querier, NodeId target, List<Contact> initial, List<Contact> expected, Network network,
      long giveUpNanos) {
    int k = expected.size();
    if (k == 0) {
      return new Bounds(0, 0, true, 0);
    }
    Set<NodeId> want = new HashSet<>();
    for (Contact c : expected) {
      want.add(c.id());
    }
    PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> Long.compare(a.nanos, b.nanos));
    Map<NodeId, Contact> known = new HashMap<>();
    TreeSet<Contact> byDistance = new TreeSet<>((a, b) -> target.compareDistance(a.id(), b.id()));
    Set<NodeId> answered = new HashSet<>();
    Set<NodeId> givenUp = new HashSet<>();
    for (Contact c : initial) {
      learn(c, 0, querier, known, byDistance, events, network, giveUpNanos);
    }
    int wanted = 0;
    long oracle = -1;
    long flood = -1;
    boolean floodExact = false;
    int floodQueries = 0;
    long last = 0;
    while (!events.isEmpty() && (oracle < 0 || flood < 0)) {
      Event e = events.poll();
      last = e.nanos;
      if (e.kind == Kind.REPLY) {
        answered.add(e.contact.id());
        if (want.contains(e.contact.id()) && ++wanted == k) {
          oracle = e.nanos;
        }
        for (Contact c : network.reply(e.contact)) {
          learn(c, e.nanos, querier, known, byDistance, events, network, giveUpNanos);
        }
      } else {
        givenUp.add(e.contact.id());
      }
      if (flood < 0) {
        List<Contact> answer = answerIfDone(byDistance, answered, givenUp, k);
        if (answer != null) {
          flood = e.nanos;
          floodQueries = known.size();
          floodExact = answer.size() == k && ids(answer).equals(want);
        }
      }
    }
    if (flood < 0) {
      // every query settled without the rule being met: it ends with what it has
      List<Contact> answer = new ArrayList<>();
      for (Contact c : byDistance) {
        if (answered.contains(c.id()) && answer.size() < k) {
          answer.add(c);
        }
      }
      flood = last;
      floodQueries = known.size();
      floodExact = ids(answer).equals(want);
    }
    return new Bounds(oracle, flood, floodExact, floodQueries);
  }

  private static void learn(
      Contact c, long nanos, NodeId querier, Map<NodeId, Contact> known, TreeSet<Contact> byDistance,
      PriorityQueue<Event> events, Network network, long giveUpNanos) {
    if (c.id().equals(querier) || known.containsKey(c.id())) {
      return;
    }
    known.put(c.id(), c);
    byDistance.add(c);
    if (network.live(c)) {
      events.add(new Event(nanos + network.rttNanos(c), Kind.REPLY, c));
    } else {
      events.add(new Event(nanos + giveUpNanos, Kind.GIVE_UP, c));
    }
  }

  /** The k closest answered contacts if none nearer is still unsettled, else null. */
  private static List<Contact> answerIfDone(
      TreeSet<Contact> byDistance, Set<NodeId> answered, Set<NodeId> givenUp, int k) {
    List<Contact> answer = new ArrayList<>(k);
    for (Contact c : byDistance) {
      if (answered.contains(c.id())) {
        answer.add(c);
        if (answer.size() == k) {
          return answer;
        }
      } else if (!givenUp.contains(c.id())) {
        return null;
      }
    }
    return null;
  }

  private static Set<NodeId> ids(List<Contact> contacts) {
    Set<NodeId> ids = new HashSet<>();
    for (Contact c : contacts) {
      ids.add(c.id());
    }
    return ids;
  }
}
