package io.dht.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Lookup driven by hand over synthetic networks; the fake querier asserts the concurrency bounds. */
class LookupTest {
  private static final long MS = 1_000_000L;
  private static final long T0 = 5_000 * MS;
  private static final NodeId SELF = NodeId.parseHex("ffffffffffffffffffffffffffffffffffffffff");

  private final SplittableRandom random = new SplittableRandom(3);

  private static Contact node(int i, NodeId id) {
    return new Contact(id, Endpoint.of(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}, 6881));
  }

  private static BigInteger distance(NodeId a, NodeId b) {
    return new BigInteger(1, a.toBytes()).xor(new BigInteger(1, b.toBytes()));
  }

  private static List<Contact> closest(List<Contact> from, NodeId target, int n) {
    return from.stream().sorted(Comparator.comparing((Contact c) -> distance(target, c.id()))).limit(n).toList();
  }

  /** An id whose distance to the zero target is {@code rank} (so candidates sort by rank). */
  private static NodeId ranked(int rank) {
    byte[] b = new byte[20];
    b[18] = (byte) (rank >> 8);
    b[19] = (byte) rank;
    return NodeId.of(b);
  }

  /** Records every query, keeps them pending until the test answers, and checks the concurrency bounds. */
  private static final class Querier implements Lookup.Querier {
    final int alpha;
    final int maxInFlight;
    final List<Contact> sent = new ArrayList<>();
    final List<Contact> refused = new ArrayList<>();
    final List<Contact> pending = new ArrayList<>();
    final Set<NodeId> straggling = new HashSet<>();
    Predicate<Contact> refuse = c -> false;
    int maxActive;
    int maxPending;
    int calls;

    Querier(int alpha, int maxInFlight) {
      this.alpha = alpha;
      this.maxInFlight = maxInFlight;
    }

    @Override
    public boolean send(Lookup lookup, Contact candidate) {
      calls++;
      assertThat(candidate.id()).isNotEqualTo(SELF);
      assertThat(sent).as("queried twice").doesNotContain(candidate);
      assertThat(lookup.isDone()).isFalse();
      if (refuse.test(candidate)) {
        refused.add(candidate);
        return false;
      }
      sent.add(candidate);
      pending.add(candidate);
      int active = pending.size() - straggling.size();
      assertThat(active).as("active queries").isLessThanOrEqualTo(alpha);
      assertThat(pending.size()).as("queries in flight").isLessThanOrEqualTo(maxInFlight);
      maxActive = Math.max(maxActive, active);
      maxPending = Math.max(maxPending, pending.size());
      return true;
    }

    void reply(Lookup lookup, Contact c, List<Contact> nodes, long now) {
      assertThat(pending.remove(c)).isTrue();
      straggling.remove(c.id());
      lookup.onReply(c, nodes, now);
    }

    void fail(Lookup lookup, Contact c, long now) {
      assertThat(pending.remove(c)).isTrue();
      straggling.remove(c.id());
      lookup.onFailure(c, now);
    }

    void straggle(Lookup lookup, Contact c, long now) {
      assertThat(pending).contains(c);
      straggling.add(c.id());
      lookup.onStraggling(c, now);
    }
  }

  private int doneCalls;

  private Lookup lookup(NodeId target, int k, int alpha, int maxInFlight, Querier q) {
    return new Lookup(target, SELF, k, alpha, maxInFlight, q, l -> doneCalls++, T0);
  }

  // ------------------------------------------------------------------ convergence over a Kademlia network

  /** 600 nodes; each knows up to 8 others per shared-prefix length (a full Kademlia routing table). */
  private static final class Network {
    final List<Contact> all = new ArrayList<>();
    final Map<NodeId, List<Contact>> views = new HashMap<>();

    Network(int size, SplittableRandom random) {
      for (int i = 0; i < size; i++) {
        all.add(node(i, NodeId.random(random)));
      }
      for (Contact x : all) {
        Map<Integer, List<Contact>> buckets = new HashMap<>();
        for (Contact y : all) {
          if (y != x) {
            List<Contact> b = buckets.computeIfAbsent(x.id().commonPrefixLength(y.id()), i -> new ArrayList<>());
            if (b.size() < 8) {
              b.add(y);
            }
          }
        }
        List<Contact> view = new ArrayList<>();
        buckets.values().forEach(view::addAll);
        views.put(x.id(), view);
      }
    }

    List<Contact> answer(Contact to, NodeId target) {
      return closest(views.get(to.id()), target, 8);
    }
  }

  @Test
  void convergesOnTheTrueKClosest() {
    Network net = new Network(600, random);
    for (int run = 0; run < 40; run++) {
      Contact start = net.all.get(random.nextInt(net.all.size()));
      NodeId target = run % 4 == 0 ? net.all.get(random.nextInt(net.all.size())).id() : NodeId.random(random);
      Querier q = new Querier(3, 10);
      doneCalls = 0;
      Lookup l = new Lookup(target, start.id(), 8, 3, 10, q, x -> doneCalls++, T0);
      long now = T0;
      l.start(closest(net.views.get(start.id()), target, 16), now);
      int replies = 0;
      while (!q.pending.isEmpty() && !l.isDone()) {
        Contact c = q.pending.get(random.nextInt(q.pending.size()));
        now += MS;
        q.reply(l, c, net.answer(c, target), now);
        replies++;
      }
      assertThat(l.isDone()).as("nothing in flight, so the lookup must be done").isTrue();
      assertThat(doneCalls).isEqualTo(1);
      List<Contact> truth =
          closest(net.all.stream().filter(c -> !c.id().equals(start.id())).toList(), target, 8);
      assertThat(l.closestResponded(8)).as("run %d", run).containsExactlyElementsOf(truth);
      assertThat(q.sent).doesNotContain(start);
      assertThat(l.closestResponded(3)).containsExactlyElementsOf(truth.subList(0, 3));
      assertThat(l.messagesSent()).isEqualTo(q.sent.size()).isEqualTo(q.calls);
      assertThat(l.responses()).isEqualTo(replies);
      assertThat(l.failures()).isZero();
      assertThat(l.rounds()).isBetween(1, replies);
      assertThat(l.durationNanos()).isEqualTo(now - T0);
      assertThat(q.maxActive).as("uses its parallelism").isEqualTo(3);
      assertThat(l.target()).isEqualTo(target);

      // late replies after completion change nothing
      List<Contact> result = l.closestResponded(8);
      for (Contact c : new ArrayList<>(q.pending)) {
        q.reply(l, c, net.answer(c, target), now + MS);
      }
      assertThat(doneCalls).isEqualTo(1);
      assertThat(l.closestResponded(8)).isEqualTo(result);
    }
  }

  // ------------------------------------------------------------------ concurrency bounds

  private List<Contact> rankedSeeds(int n) {
    List<Contact> seeds = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      seeds.add(node(i, ranked(i)));
    }
    return seeds;
  }

  @Test
  void startsAlphaQueriesToTheClosestSeeds() {
    Querier q = new Querier(3, 10);
    Lookup l = lookup(NodeId.zero(), 8, 3, 10, q);
    List<Contact> seeds = rankedSeeds(20);
    List<Contact> shuffled = new ArrayList<>(seeds);
    java.util.Collections.reverse(shuffled);
    l.start(shuffled, T0);
    assertThat(q.sent).containsExactlyElementsOf(seeds.subList(0, 3));
    assertThat(l.isDone()).isFalse();
  }

  @Test
  void stragglersLetMoreQueriesGoOutWithinTheHardCap() {
    Querier q = new Querier(3, 5);
    Lookup l = lookup(NodeId.zero(), 8, 3, 5, q);
    List<Contact> seeds = rankedSeeds(20);
    l.start(seeds, T0);
    assertThat(q.sent).hasSize(3);

    q.straggle(l, seeds.get(0), T0 + MS);
    assertThat(q.sent).containsExactlyElementsOf(seeds.subList(0, 4));
    q.straggle(l, seeds.get(1), T0 + MS);
    assertThat(q.sent).hasSize(5);
    q.straggle(l, seeds.get(2), T0 + MS); // 5 in flight: the hard cap
    assertThat(q.sent).hasSize(5);
    q.straggle(l, seeds.get(2), T0 + MS); // repeated notice: no effect
    l.onStraggling(seeds.get(19), T0 + MS); // never queried: no effect
    assertThat(q.sent).hasSize(5);
    assertThat(q.maxPending).isEqualTo(5);

    // an answer frees a slot: exactly one more goes out
    q.reply(l, seeds.get(3), List.of(), T0 + 2 * MS);
    assertThat(q.sent).hasSize(6);

    // a straggler's late answer still counts
    q.reply(l, seeds.get(0), List.of(), T0 + 3 * MS);
    assertThat(l.closestResponded(8)).startsWith(seeds.get(0));
    drain(l, q, T0 + 4 * MS);
    assertThat(l.isDone()).isTrue();
    assertThat(l.responses()).isEqualTo(q.sent.size());
    assertThat(l.closestResponded(8)).containsExactlyElementsOf(seeds.subList(0, 8));
  }

  @Test
  void stragglersWidenTheWindowBeyondTheKClosest() {
    Querier q = new Querier(1, 3);
    Lookup l = lookup(NodeId.zero(), 2, 1, 3, q);
    List<Contact> seeds = rankedSeeds(6);
    l.start(seeds, T0);
    q.straggle(l, seeds.get(0), T0 + MS);
    assertThat(q.sent).containsExactlyElementsOf(seeds.subList(0, 2));
    // both of the k = 2 closest are stragglers: the third candidate is tried
    q.straggle(l, seeds.get(1), T0 + 2 * MS);
    assertThat(q.sent).containsExactlyElementsOf(seeds.subList(0, 3));
    q.fail(l, seeds.get(0), T0 + 3 * MS);
    q.fail(l, seeds.get(1), T0 + 3 * MS);
    drain(l, q, T0 + 4 * MS);
    assertThat(l.isDone()).isTrue();
    assertThat(l.closestResponded(2)).containsExactlyElementsOf(seeds.subList(2, 4));
  }

  @Test
  void aSlowQueryLetsAnotherGoOutButIsStillAwaitedForTheEnd() {
    Querier q = new Querier(1, 3);
    Lookup l = lookup(NodeId.zero(), 2, 1, 3, q);
    List<Contact> seeds = rankedSeeds(4);
    l.start(seeds, T0);
    assertThat(q.sent).containsExactly(seeds.get(0));
    // no reply has come to tell the lookup what slow means: the owner's early signal widens it
    q.straggling.add(seeds.get(0).id());
    l.onSlow(seeds.get(0), T0 + MS);
    assertThat(q.sent).containsExactlyElementsOf(seeds.subList(0, 2));
    l.onSlow(seeds.get(0), T0 + MS); // repeated: no effect
    l.onSlow(seeds.get(3), T0 + MS); // never queried: no effect
    assertThat(q.sent).hasSize(2);
    q.reply(l, seeds.get(1), List.of(), T0 + 2 * MS);
    // the slow one is the closest: unlike a given-up straggler, it still holds up the end
    assertThat(l.isDone()).isFalse();
    q.reply(l, seeds.get(0), List.of(), T0 + 3 * MS);
    assertThat(l.isDone()).isTrue();
    assertThat(l.closestResponded(2)).containsExactlyElementsOf(seeds.subList(0, 2));
  }

  @Test
  void aStragglerAmongTheKClosestIsAwaited() {
    Querier q = new Querier(2, 4);
    Lookup l = lookup(NodeId.zero(), 2, 2, 4, q);
    List<Contact> seeds = rankedSeeds(4);
    l.start(seeds, T0);
    q.straggle(l, seeds.get(0), T0 + MS);
    assertThat(q.sent).containsExactlyElementsOf(seeds.subList(0, 3));
    q.reply(l, seeds.get(1), List.of(), T0 + 2 * MS);
    q.reply(l, seeds.get(2), List.of(), T0 + 2 * MS);
    assertThat(l.isDone()).as("the closest candidate has not answered yet").isFalse();
    q.reply(l, seeds.get(0), List.of(), T0 + 3 * MS);
    assertThat(l.isDone()).isTrue();
    assertThat(l.closestResponded(2)).containsExactlyElementsOf(seeds.subList(0, 2));
    // the fourth went out speculatively once a query had gone silent (next test), but did not hold up the end
    assertThat(q.sent).containsExactlyElementsOf(seeds);
  }

  @Test
  void aSilentQueryMakesTheLookupQueryBeyondItsWindowAtOnceWithoutWaitingForThoseReplies() {
    Querier q = new Querier(4, 8);
    Lookup l = lookup(NodeId.zero(), 2, 4, 8, q);
    List<Contact> seeds = rankedSeeds(8);
    l.start(seeds, T0);
    // nothing silent yet: only the k closest
    assertThat(q.sent).containsExactlyElementsOf(seeds.subList(0, 2));
    q.fail(l, seeds.get(0), T0 + MS);
    // every query so far went silent: the two unanswered of the window (1, 2) are each likely dead too, so the
    // lookup also queries their would-be replacements (3, 4) now, not one slow mark after the other
    assertThat(q.sent).containsExactlyElementsOf(seeds.subList(0, 5));
    q.reply(l, seeds.get(1), List.of(), T0 + 2 * MS);
    q.reply(l, seeds.get(2), List.of(), T0 + 2 * MS);
    assertThat(l.isDone()).as("3 and 4 are not awaited").isTrue();
    assertThat(l.closestResponded(2)).containsExactlyElementsOf(seeds.subList(1, 3));
  }

  @Test
  void speculativeQueriesThatAnswerBeforeTheEndCount() {
    Querier q = new Querier(4, 8);
    Lookup l = lookup(NodeId.zero(), 3, 4, 8, q);
    List<Contact> seeds = rankedSeeds(8);
    l.start(seeds, T0);
    assertThat(q.sent).containsExactlyElementsOf(seeds.subList(0, 3));
    q.fail(l, seeds.get(0), T0 + MS);
    q.fail(l, seeds.get(1), T0 + MS);
    // the window is now 2, 3, 4 (2 in flight); every settled query went silent, so up to k = 3 candidates beyond
    // it may go out too, as far as alpha allows: 3, 4, 5
    assertThat(q.sent).contains(seeds.get(3), seeds.get(4), seeds.get(5));
    q.reply(l, seeds.get(4), List.of(), T0 + 2 * MS);
    q.reply(l, seeds.get(5), List.of(), T0 + 2 * MS);
    q.fail(l, seeds.get(2), T0 + 3 * MS);
    assertThat(l.isDone()).isFalse();
    q.reply(l, seeds.get(3), List.of(), T0 + 3 * MS);
    assertThat(l.isDone()).isTrue();
    assertThat(l.closestResponded(3)).containsExactlyElementsOf(seeds.subList(3, 6));
  }

  /** Answers every pending query (no new nodes) until nothing is in flight. */
  private static void drain(Lookup l, Querier q, long now) {
    while (!q.pending.isEmpty()) {
      q.reply(l, q.pending.get(0), List.of(), now);
    }
  }

  @Test
  void failureOfATopCandidateMakesTheNextOneBeQueried() {
    Querier q = new Querier(1, 1);
    Lookup l = lookup(NodeId.zero(), 3, 1, 1, q);
    List<Contact> seeds = rankedSeeds(6);
    l.start(seeds, T0);
    assertThat(q.sent).containsExactly(seeds.get(0));
    q.fail(l, seeds.get(0), T0 + MS);
    assertThat(q.sent).containsExactly(seeds.get(0), seeds.get(1));
    q.reply(l, seeds.get(1), List.of(), T0 + 2 * MS);
    q.fail(l, seeds.get(2), T0 + 3 * MS);
    q.reply(l, seeds.get(3), List.of(), T0 + 4 * MS);
    assertThat(l.isDone()).isFalse();
    q.reply(l, seeds.get(4), List.of(), T0 + 5 * MS);
    assertThat(l.isDone()).isTrue();
    assertThat(q.sent).containsExactlyElementsOf(seeds.subList(0, 5));
    assertThat(l.closestResponded(3)).containsExactly(seeds.get(1), seeds.get(3), seeds.get(4));
    assertThat(l.failures()).isEqualTo(2);
    assertThat(l.responses()).isEqualTo(3);
    assertThat(doneCalls).isEqualTo(1);
    // a failure reported after the end (or twice) is ignored
    l.onFailure(seeds.get(0), T0 + 6 * MS);
    assertThat(l.failures()).isEqualTo(2);
  }

  @Test
  void aQuerierThatCannotSendCountsAsFailureAndTheLookupStillEnds() {
    Querier q = new Querier(3, 10);
    List<Contact> seeds = rankedSeeds(10);
    q.refuse = c -> c.equals(seeds.get(0)) || c.equals(seeds.get(1));
    Lookup l = lookup(NodeId.zero(), 4, 3, 10, q);
    l.start(seeds, T0);
    assertThat(q.refused).containsExactly(seeds.get(0), seeds.get(1));
    assertThat(q.sent).containsExactlyElementsOf(seeds.subList(2, 5));
    drain(l, q, T0 + MS);
    assertThat(l.isDone()).isTrue();
    assertThat(l.closestResponded(4)).containsExactlyElementsOf(seeds.subList(2, 6));
    assertThat(l.failures()).isEqualTo(2);
  }

  @Test
  void aQuerierThatSendsNothingEndsTheLookupAtOnce() {
    Querier q = new Querier(3, 10);
    q.refuse = c -> true;
    Lookup l = lookup(NodeId.zero(), 8, 3, 10, q);
    l.start(rankedSeeds(12), T0);
    assertThat(l.isDone()).isTrue();
    assertThat(doneCalls).isEqualTo(1);
    assertThat(q.refused).hasSize(12);
    assertThat(l.failures()).isEqualTo(12);
    assertThat(l.responses()).isZero();
    assertThat(l.closestResponded(8)).isEmpty();
    assertThat(l.durationNanos()).isZero();
  }

  @Test
  void messagesSentCountsOnlyQueriesActuallySent() {
    Querier q = new Querier(3, 10);
    List<Contact> seeds = rankedSeeds(6);
    q.refuse = c -> c.equals(seeds.get(0));
    Lookup l = lookup(NodeId.zero(), 8, 3, 10, q);
    l.start(seeds, T0);
    drain(l, q, T0 + MS);
    assertThat(q.sent).hasSize(5);
    assertThat(l.messagesSent()).isEqualTo(q.sent.size());
  }

  @Test
  void emptySeedListCompletesAtOnce() {
    Querier q = new Querier(3, 10);
    Lookup l = lookup(NodeId.zero(), 8, 3, 10, q);
    l.start(List.of(), T0);
    assertThat(l.isDone()).isTrue();
    assertThat(doneCalls).isEqualTo(1);
    assertThat(q.calls).isZero();
    assertThat(l.messagesSent()).isZero();
    assertThat(l.rounds()).isZero();
    assertThat(l.closestResponded(8)).isEmpty();
  }

  @Test
  void selfAndDuplicatesAreNeverQueried() {
    Querier q = new Querier(3, 10);
    Lookup l = lookup(NodeId.zero(), 8, 3, 10, q);
    Contact a = node(1, ranked(1));
    Contact sameEndpoint = new Contact(ranked(2), a.endpoint());
    Contact me = node(3, SELF);
    l.start(List.of(a, a, sameEndpoint, me), T0);
    assertThat(q.sent).containsExactly(a);
    q.reply(l, a, List.of(a, me, sameEndpoint, node(4, ranked(4))), T0 + MS);
    assertThat(q.sent).containsExactly(a, node(4, ranked(4)));
  }

  @Test
  void replyFromAnotherEndpointIsIgnored() {
    Querier q = new Querier(1, 1);
    Lookup l = lookup(NodeId.zero(), 8, 1, 1, q);
    Contact a = node(1, ranked(1));
    l.start(List.of(a), T0);
    l.onReply(new Contact(a.id(), Endpoint.parse("10.9.9.9:1")), List.of(node(2, ranked(2))), T0 + MS);
    assertThat(l.responses()).isZero();
    assertThat(q.sent).containsExactly(a);
    q.reply(l, a, List.of(), T0 + 2 * MS);
    assertThat(l.isDone()).isTrue();
  }

  // ------------------------------------------------------------------ rounds

  @Test
  void roundsCountTheLongestChainOfDependentQueries() {
    Contact a = node(1, ranked(40));
    Contact b = node(2, ranked(30));
    Contact c = node(3, ranked(20));
    Querier q = new Querier(3, 10);
    Lookup l = lookup(NodeId.zero(), 8, 3, 10, q);
    l.start(List.of(a), T0);
    q.reply(l, a, List.of(b), T0 + MS);
    assertThat(l.rounds()).isEqualTo(1);
    q.reply(l, b, List.of(c), T0 + 2 * MS);
    assertThat(l.rounds()).isEqualTo(2);
    q.reply(l, c, List.of(), T0 + 3 * MS);
    assertThat(l.isDone()).isTrue();
    assertThat(l.rounds()).isEqualTo(3);
    assertThat(l.messagesSent()).isEqualTo(3);
    assertThat(l.closestResponded(8)).containsExactly(c, b, a);
    assertThat(l.durationNanos()).isEqualTo(3 * MS);
  }

  @Test
  void parallelBranchesCountAsOneRound() {
    Contact a = node(1, ranked(40));
    Contact b = node(2, ranked(30));
    Contact c = node(3, ranked(20));
    Contact d = node(4, ranked(10));
    Querier q = new Querier(3, 10);
    Lookup l = lookup(NodeId.zero(), 8, 3, 10, q);
    l.start(List.of(a, b), T0);
    q.reply(l, a, List.of(c), T0 + MS);
    q.reply(l, b, List.of(d), T0 + MS);
    q.reply(l, c, List.of(), T0 + MS);
    q.fail(l, d, T0 + MS); // a failed query does not make a round
    assertThat(l.isDone()).isTrue();
    assertThat(l.rounds()).isEqualTo(2);
    assertThat(l.failures()).isEqualTo(1);
  }

  @Test
  void eachStepNamesTheNodeThatToldUsOfIt() {
    Contact a = node(1, ranked(40));
    Contact b = node(2, ranked(30));
    Contact c = node(3, ranked(20));
    Contact d = node(4, ranked(10));
    Querier q = new Querier(3, 10);
    Lookup l = lookup(NodeId.zero(), 8, 3, 10, q);
    l.start(List.of(a), T0);
    q.reply(l, a, List.of(b, c), T0 + MS);
    q.reply(l, b, List.of(c, d), T0 + 2 * MS); // c again: the first teller (a) stays its source
    q.reply(l, c, List.of(), T0 + 3 * MS);
    q.reply(l, d, List.of(), T0 + 4 * MS);
    assertThat(l.isDone()).isTrue();

    Map<Contact, LookupStep> steps = new HashMap<>();
    l.steps().forEach(st -> steps.put(st.contact(), st));
    assertThat(steps.get(a).learnedFrom()).isEmpty();
    assertThat(steps.get(a).round()).isEqualTo(1);
    assertThat(steps.get(b).learnedFrom()).contains(a);
    assertThat(steps.get(c).learnedFrom()).contains(a);
    assertThat(steps.get(c).round()).isEqualTo(2);
    assertThat(steps.get(d).learnedFrom()).contains(b);
    assertThat(steps.get(d).round()).isEqualTo(3);
  }
}
