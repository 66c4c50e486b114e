package io.dht.lookup;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The iterative Kademlia lookup as a state machine, shared by find_node, get_peers and (later) BEP 44 get. It
 * keeps the candidates sorted by XOR distance to the target and converges on the k closest that answered: it
 * finishes when each of the k closest candidates not known to have failed has answered.
 *
 * <p>At most {@code alpha} queries are "active"; a query that is slower than the straggler threshold stops
 * counting as active (the lookup widens around it) but is still awaited until its hard timeout, within a hard cap
 * of {@code maxInFlight} queries. Sending is delegated to a {@link Querier}; the owner reports back through
 * {@link #onReply}, {@link #onStraggling} and {@link #onFailure}. Single-threaded, owned by the node's loop.
 */
public final class Lookup {
  /** Sends the lookup's query to a candidate. */
  @FunctionalInterface
  public interface Querier {
    /** Returns false when the query could not be sent (the candidate then counts as failed). */
    boolean send(Lookup lookup, Contact candidate);
  }

  enum State {
    FRESH,
    IN_FLIGHT,
    STRAGGLING,
    RESPONDED,
    FAILED
  }

  static final class Candidate {
    final Contact contact;
    final int round;
    State state = State.FRESH;
    long sentNanos;
    long doneNanos;
    LookupStep.Outcome outcome = LookupStep.Outcome.PENDING;

    Candidate(Contact contact, int round) {
      this.contact = contact;
      this.round = round;
    }
  }

  private final NodeId target;
  private final NodeId self;
  private final int k;
  private final int alpha;
  private final int maxInFlight;
  private final int maxCandidates;
  private final Querier querier;
  private final Consumer<Lookup> onDone;
  private final long startNanos;
  private final List<Candidate> sorted = new ArrayList<>();
  private final Map<NodeId, Candidate> byId = new HashMap<>();
  private final Set<Endpoint> endpoints = new HashSet<>();
  /** Queried candidates in the order their queries were sent. */
  private final List<Candidate> queried = new ArrayList<>();
  private int active;
  private int straggling;
  private int messagesSent;
  private int responses;
  private int failures;
  private int timeouts;
  private int rounds;
  private boolean done;
  private long endNanos;

  public Lookup(
      NodeId target,
      NodeId self,
      int k,
      int alpha,
      int maxInFlight,
      Querier querier,
      Consumer<Lookup> onDone,
      long startNanos) {
    this.target = target;
    this.self = self;
    this.k = k;
    this.alpha = alpha;
    this.maxInFlight = maxInFlight;
    this.maxCandidates = Math.max(4 * k, 32);
    this.querier = querier;
    this.onDone = onDone;
    this.startNanos = startNanos;
  }

  public NodeId target() {
    return target;
  }

  /** Adds the first candidates (round 1) and sends the first queries. */
  public void start(List<Contact> seeds, long now) {
    for (Contact c : seeds) {
      offer(c, 1);
    }
    step(now);
  }

  private void offer(Contact c, int round) {
    if (c.id().equals(self) || byId.containsKey(c.id()) || endpoints.contains(c.endpoint())) {
      return;
    }
    int pos = insertionPoint(c.id());
    if (pos >= maxCandidates) {
      return;
    }
    Candidate cand = new Candidate(c, round);
    sorted.add(pos, cand);
    byId.put(c.id(), cand);
    endpoints.add(c.endpoint());
    if (sorted.size() > maxCandidates) {
      // drop the farthest candidate that is not awaited
      for (int i = sorted.size() - 1; i >= 0; i--) {
        Candidate far = sorted.get(i);
        if (far.state == State.FRESH || far.state == State.FAILED) {
          sorted.remove(i);
          byId.remove(far.contact.id());
          endpoints.remove(far.contact.endpoint());
          break;
        }
      }
    }
  }

  private int insertionPoint(NodeId id) {
    int lo = 0;
    int hi = sorted.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (target.compareDistance(sorted.get(mid).contact.id(), id) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** {@code from} answered and told us of {@code nodes}. */
  public void onReply(Contact from, List<Contact> nodes, long now) {
    Candidate c = byId.get(from.id());
    if (c == null || !c.contact.endpoint().equals(from.endpoint()) || !awaited(c)) {
      return;
    }
    release(c);
    c.state = State.RESPONDED;
    c.doneNanos = now;
    c.outcome = LookupStep.Outcome.REPLIED;
    responses++;
    rounds = Math.max(rounds, c.round);
    for (Contact n : nodes) {
      offer(n, c.round + 1);
    }
    step(now);
  }

  /** The query to {@code candidate} passed the straggler threshold: stop counting it as active. */
  public void onStraggling(Contact candidate, long now) {
    Candidate c = byId.get(candidate.id());
    if (c != null && c.state == State.IN_FLIGHT) {
      active--;
      straggling++;
      c.state = State.STRAGGLING;
      step(now);
    }
  }

  /** The query to {@code candidate} got no reply in time (a failure that is also counted as a timeout). */
  public void onTimeout(Contact candidate, long now) {
    Candidate c = byId.get(candidate.id());
    if (c != null && awaited(c)) {
      timeouts++;
      onFailure(candidate, now);
      c.outcome = LookupStep.Outcome.TIMED_OUT;
    }
  }

  /** The query to {@code candidate} failed (timeout, error, or a reply from an unexpected id). */
  public void onFailure(Contact candidate, long now) {
    Candidate c = byId.get(candidate.id());
    if (c == null || !awaited(c)) {
      return;
    }
    release(c);
    c.state = State.FAILED;
    c.doneNanos = now;
    c.outcome = LookupStep.Outcome.FAILED;
    failures++;
    step(now);
  }

  private static boolean awaited(Candidate c) {
    return c.state == State.IN_FLIGHT || c.state == State.STRAGGLING;
  }

  private void release(Candidate c) {
    if (c.state == State.IN_FLIGHT) {
      active--;
    } else if (c.state == State.STRAGGLING) {
      straggling--;
    }
  }

  private void step(long now) {
    if (done) {
      return;
    }
    int window = k + straggling;
    int considered = 0;
    boolean waiting = false;
    for (int i = 0; i < sorted.size() && considered < window; i++) {
      Candidate c = sorted.get(i);
      if (c.state == State.FAILED) {
        continue;
      }
      considered++;
      if (c.state == State.FRESH) {
        if (active < alpha && active + straggling < maxInFlight) {
          c.state = State.IN_FLIGHT;
          c.sentNanos = now;
          c.doneNanos = now;
          active++;
          if (!querier.send(this, c.contact)) {
            active--;
            c.state = State.FAILED;
            failures++;
            considered--;
            continue;
          }
          messagesSent++;
          queried.add(c);
          // the querier may have completed synchronously in tests; re-check
          if (done) {
            return;
          }
        }
        waiting = true;
      } else if (c.state == State.IN_FLIGHT || (c.state == State.STRAGGLING && considered <= k)) {
        waiting = true;
      }
    }
    if (!waiting) {
      done = true;
      endNanos = now;
      onDone.accept(this);
    }
  }

  public boolean isDone() {
    return done;
  }

  /** The closest candidates that answered, nearest first, at most {@code n}. */
  public List<Contact> closestResponded(int n) {
    List<Contact> out = new ArrayList<>(Math.min(n, sorted.size()));
    for (Candidate c : sorted) {
      if (c.state == State.RESPONDED) {
        out.add(c.contact);
        if (out.size() == n) {
          break;
        }
      }
    }
    return out;
  }

  /** Every query sent, in order, with its round and outcome. */
  public List<LookupStep> steps() {
    List<LookupStep> out = new ArrayList<>(queried.size());
    for (Candidate c : queried) {
      out.add(new LookupStep(c.contact, c.round, c.sentNanos, c.doneNanos, c.outcome));
    }
    return out;
  }

  public int rounds() {
    return rounds;
  }

  public int messagesSent() {
    return messagesSent;
  }

  public int responses() {
    return responses;
  }

  /** Queries that failed: timeouts, errors, refusals to send, and replies from an unexpected id. */
  public int failures() {
    return failures;
  }

  /** Queries that got no reply in time. */
  public int timeouts() {
    return timeouts;
  }

  public long durationNanos() {
    return (done ? endNanos : startNanos) - startNanos;
  }
}
