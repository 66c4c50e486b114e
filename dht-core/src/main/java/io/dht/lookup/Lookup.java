package io.dht.lookup;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The iterative Kademlia lookup as a state machine, shared by find_node, get_peers and (later) BEP 44 get. It
 * keeps the candidates sorted by XOR distance to the target and converges on the k closest that answered: it
 * finishes when each of the k closest candidates not known to have failed has answered.
 *
 * <p>At most {@code alpha} queries are "active"; a query that is slow stops counting as active (the lookup widens
 * around it) but is still awaited until its hard timeout, within a hard cap of {@code maxInFlight} queries. A query
 * is slow once the owner says so ({@link #onSlow}, at its usual round trip plus two deviations; or {@link
 * #onStraggling}) or, checked whenever the lookup hears anything, once it has been out for twice the median round
 * trip of this lookup's replies (at least 50 ms).
 *
 * <p>Giving up: a query the owner reported as straggling that has been out for at least 1.2 times the slowest
 * round trip this lookup has seen answered no longer holds up the end of the lookup: it is treated as failed for
 * termination, as if it had timed out (its late answer still counts while the lookup runs). The owner's straggler
 * signal is meant to come when nearly every live node would have answered (a high quantile of recent round trips),
 * so a lookup does not wait up to the hard timeout for each silent node among the k closest candidates; the check
 * against the lookup's own replies keeps it from giving up on a node that is no slower than nodes that did answer.
 *
 * <p>Among silent nodes the lookup also reaches beyond that window: once some of its queries have gone silent, it
 * queries about as many candidates past the window as the silent share says will be needed to replace the dead
 * ones still in it (at most k), at once rather than one slow mark after another; those are not awaited for the end
 * ({@code speculative}).
 *
 * <p>Sending is delegated to a {@link Querier}; the owner reports back through {@link #onReply}, {@link
 * #onStraggling} and {@link #onFailure}. Single-threaded, owned by the node's loop.
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
    /** The node whose reply told us of this one; null for a start candidate. */
    final Contact learnedFrom;
    State state = State.FRESH;
    /** The owner reported the query as straggling. */
    boolean signalled;
    /** Given up for termination (see the class comment); still awaited. */
    boolean givenUp;
    long sentNanos;
    long doneNanos;
    LookupStep.Outcome outcome = LookupStep.Outcome.PENDING;

    Candidate(Contact contact, int round, Contact learnedFrom) {
      this.contact = contact;
      this.round = round;
      this.learnedFrom = learnedFrom;
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
  /** Stragglers given up for termination. */
  private int givenUp;
  /** Round trips of this lookup's replies, ascending. */
  private final List<Long> replyRtts = new ArrayList<>();
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
    // 8 per parallel query: with alpha = 8 and only 32 entries, nodes learned late found the list full of queried
    // entries farther away and were turned away (simulated: 99.2 % exact lookups at 4,000 nodes instead of 100 %)
    this.maxCandidates = Math.max(Math.max(4 * k, 32), 8 * alpha);
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
      offer(c, 1, null);
    }
    step(now);
  }

  /** Adds {@code c} unless known; {@code learnedFrom} is the replier that told us of it (null for a seed). */
  private void offer(Contact c, int round, Contact learnedFrom) {
    if (c.id().equals(self) || byId.containsKey(c.id()) || endpoints.contains(c.endpoint())) {
      return;
    }
    int pos = insertionPoint(c.id());
    if (pos >= maxCandidates) {
      return;
    }
    Candidate cand = new Candidate(c, round, learnedFrom);
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
    long rtt = now - c.sentNanos;
    int at = 0;
    while (at < replyRtts.size() && replyRtts.get(at) <= rtt) {
      at++;
    }
    replyRtts.add(at, rtt);
    c.doneNanos = now;
    c.outcome = LookupStep.Outcome.REPLIED;
    responses++;
    rounds = Math.max(rounds, c.round);
    for (Contact n : nodes) {
      offer(n, c.round + 1, c.contact);
    }
    step(now);
  }

  /**
   * The query to {@code candidate} is slower than the owner's usual round trip: stop counting it as active, so the
   * lookup sends another query besides it, even when no reply has come yet to tell it that this one is slow.
   */
  public void onSlow(Contact candidate, long now) {
    Candidate c = byId.get(candidate.id());
    if (c != null && c.state == State.IN_FLIGHT) {
      straggle(c);
      step(now);
    }
  }

  /**
   * The query to {@code candidate} passed the straggler threshold: stop counting it as active, and give up on it
   * for termination once it is also slower than this lookup's answers allow (see the class comment).
   */
  public void onStraggling(Contact candidate, long now) {
    Candidate c = byId.get(candidate.id());
    if (c != null && awaited(c) && !c.signalled) {
      c.signalled = true;
      if (c.state == State.IN_FLIGHT) {
        straggle(c);
      }
      step(now);
    }
  }

  private void straggle(Candidate c) {
    active--;
    straggling++;
    c.state = State.STRAGGLING;
  }

  /** Marks slow queries as stragglers and gives up on signalled ones that are slow enough (class comment). */
  private void reviewInFlight(long now) {
    if (replyRtts.isEmpty()) {
      return;
    }
    long median = replyRtts.get((replyRtts.size() - 1) / 2);
    long slow = Math.max(SLOW_FLOOR_NANOS, 2 * median);
    long giveUpAfter = replyRtts.get(replyRtts.size() - 1) / 5 * 6;
    for (Candidate c : queried) {
      if (c.state == State.IN_FLIGHT && now - c.sentNanos >= slow) {
        straggle(c);
      }
      if (c.state == State.STRAGGLING && c.signalled && !c.givenUp && now - c.sentNanos >= giveUpAfter) {
        c.givenUp = true;
        givenUp++;
      }
    }
  }

  private static final long SLOW_FLOOR_NANOS = 50_000_000L;

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
    if (c.givenUp) {
      c.givenUp = false;
      givenUp--;
    }
  }

  private void step(long now) {
    if (done) {
      return;
    }
    reviewInFlight(now);
    // stragglers still awaited widen the window; those given up are skipped like failures
    int awaitedWindow = k + straggling - givenUp;
    int window = awaitedWindow + speculative(awaitedWindow);
    int considered = 0;
    boolean waiting = false;
    for (int i = 0; i < sorted.size() && considered < window; i++) {
      Candidate c = sorted.get(i);
      if (c.state == State.FAILED || c.givenUp) {
        continue;
      }
      considered++;
      boolean awaited = considered <= awaitedWindow;
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
        waiting |= awaited;
      } else if ((c.state == State.IN_FLIGHT && awaited) || (c.state == State.STRAGGLING && considered <= k)) {
        waiting = true;
      }
    }
    if (!waiting) {
      done = true;
      endNanos = now;
      onDone.accept(this);
    }
  }

  /**
   * How many candidates beyond the awaited window to query now, among silent nodes. Of this lookup's queries a share
   * s has gone silent (slow or failed) against the replies; each candidate of the window still unanswered is then
   * silent with about that chance, and its replacement, the next candidate out, would otherwise be queried only
   * after its slow mark, and the next after that one's: a row of dead candidates waited out one after another. So
   * the lookup reaches unanswered x s / (1 - s) candidates further (at most k) and queries them at once; they are
   * not awaited for the end unless the window comes to hold them. With no silent query it adds nothing.
   */
  private int speculative(int awaitedWindow) {
    int silent = straggling + failures;
    if (silent == 0) {
      return 0;
    }
    int unanswered = 0;
    int seen = 0;
    for (int i = 0; i < sorted.size() && seen < awaitedWindow; i++) {
      Candidate c = sorted.get(i);
      if (c.state == State.FAILED || c.givenUp) {
        continue;
      }
      seen++;
      if (c.state == State.FRESH || c.state == State.IN_FLIGHT) {
        unanswered++;
      }
    }
    double share = (double) silent / (silent + responses);
    return (int) Math.min(k, Math.ceil(unanswered * share / Math.max(0.1, 1 - share)));
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
      out.add(
          new LookupStep(
              c.contact, c.round, c.sentNanos, c.doneNanos, c.outcome, Optional.ofNullable(c.learnedFrom)));
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
