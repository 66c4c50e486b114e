package io.dht.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.id.NodeIdSecurity;
import io.dht.routing.RoutingTable.State;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Contacts use private 10.x addresses, which BEP 42 exempts (every id "conforms"), so the conforming-id preference
 * never interferes unless a test asks for public addresses.
 */
class RoutingTableTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MINUTE = 60 * SECOND;
  private static final long QUESTIONABLE = 15 * MINUTE;
  private static final long T0 = 1_000 * MINUTE;

  private final SplittableRandom random = new SplittableRandom(42);
  private final NodeId self = NodeId.random(random);
  private int nextIp;

  private RoutingTable table(int k, int maxPerSubnet, boolean onePerIp, int failuresBeforeBad) {
    return new RoutingTable(self, k, 4, maxPerSubnet, onePerIp, QUESTIONABLE, failuresBeforeBad, T0);
  }

  private RoutingTable table() {
    return table(8, 8, true, 2);
  }

  /** An id sharing exactly {@code cpl} leading bits with ours. */
  private NodeId at(int cpl) {
    return self.withBit(cpl, !self.bit(cpl)).withLowBitsFrom(NodeId.random(random), cpl + 1);
  }

  /** A contact at {@code cpl} on a fresh /24 of 10/8. */
  private Contact fresh(int cpl) {
    int n = nextIp++;
    return new Contact(at(cpl), Endpoint.parse("10." + (n >> 8) + "." + (n & 255) + ".1:6881"));
  }

  private static Contact contact(NodeId id, String endpoint) {
    return new Contact(id, Endpoint.parse(endpoint));
  }

  private int bucketOf(RoutingTable t, NodeId id) {
    return Math.min(self.commonPrefixLength(id), t.bucketCount() - 1);
  }

  private static BigInteger distance(NodeId a, NodeId b) {
    return new BigInteger(1, a.toBytes()).xor(new BigInteger(1, b.toBytes()));
  }

  // ------------------------------------------------------------------ insertion and splitting

  @Test
  void insertsUpToKAndSplitsOnlyTheBucketCoveringOwnId() {
    RoutingTable t = table();
    List<Contact> far = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Contact c = fresh(0);
      far.add(c);
      assertThat(t.onReply(c, T0)).isEmpty();
    }
    assertThat(t.size()).isEqualTo(8);
    assertThat(t.bucketCount()).isEqualTo(1);
    assertThat(t.contacts()).containsExactlyInAnyOrderElementsOf(far);

    // a near node makes the full (only) bucket split: far half stays, our half is new
    Contact near = fresh(3);
    t.onReply(near, T0);
    assertThat(t.contains(near.id())).isTrue();
    assertThat(t.bucketSizes()).containsExactly(8, 1);

    // the far bucket no longer covers our id: it never splits again, newcomers are refused
    Contact ninthFar = fresh(0);
    t.onReply(ninthFar, T0);
    assertThat(t.contains(ninthFar.id())).isFalse();
    assertThat(t.bucketSizes()).containsExactly(8, 1);

    for (int i = 0; i < 7; i++) {
      t.onReply(fresh(1), T0);
    }
    assertThat(t.bucketSizes()).containsExactly(8, 8);
    // full last bucket + a deeper node: it splits; the cpl-3 node moves to the new bucket
    Contact deeper = fresh(5);
    t.onReply(deeper, T0);
    assertThat(t.bucketSizes()).containsExactly(8, 7, 2);
    assertThat(bucketOf(t, near.id())).isEqualTo(2);
    assertThat(bucketOf(t, deeper.id())).isEqualTo(2);

    Contact cpl1 = fresh(1);
    t.onReply(cpl1, T0);
    assertThat(t.contains(cpl1.id())).isTrue();
    Contact cpl1Extra = fresh(1);
    t.onReply(cpl1Extra, T0);
    assertThat(t.contains(cpl1Extra.id())).isFalse();
    assertThat(t.bucketSizes()).containsExactly(8, 8, 2);
    assertThat(t.size()).isEqualTo(18);
    assertThat(t.checkInvariants()).isEmpty();
  }

  @Test
  void bucketCoveringOwnIdKeepsSplittingForCloseNodes() {
    RoutingTable t = table(2, 2, true, 2);
    for (int cpl = 0; cpl < 40; cpl++) {
      t.onReply(fresh(cpl), T0);
      t.onReply(fresh(cpl), T0);
    }
    assertThat(t.size()).isEqualTo(80);
    assertThat(t.bucketCount()).isBetween(40, 41);
    for (int size : Arrays.copyOf(t.bucketSizes(), 39)) {
      assertThat(size).isEqualTo(2);
    }
    assertThat(t.checkInvariants()).isEmpty();
  }

  @Test
  void selfIsNeverInserted() {
    RoutingTable t = table();
    Contact me = contact(self, "10.0.0.1:6881");
    assertThat(t.wouldAccept(me, T0)).isFalse();
    assertThat(t.onReply(me, T0)).isEmpty();
    assertThat(t.size()).isZero();
    assertThat(t.contains(self)).isFalse();
    t.onQuery(me, T0);
    assertThat(t.contacts()).isEmpty();
  }

  @Test
  void knownIdFromAnotherAddressDoesNotReplaceAVerifiedEntry() {
    RoutingTable t = table();
    NodeId id = at(0);
    t.onReply(contact(id, "10.0.0.1:6881"), T0);
    t.onReply(contact(id, "10.0.9.9:6881"), T0);
    assertThat(t.contacts()).containsExactly(contact(id, "10.0.0.1:6881"));
  }

  // ------------------------------------------------------------------ full buckets, questionable, bad

  /** Fills bucket 0 (the far half) with 8 entries replying one second apart, oldest first, and splits. */
  private List<Contact> fullFarBucket(RoutingTable t) {
    List<Contact> far = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Contact c = fresh(0);
      far.add(c);
      t.onReply(c, T0 + i * SECOND);
    }
    t.onReply(fresh(4), T0 + 9 * SECOND); // split: bucket 0 can no longer grow
    assertThat(t.bucketSizes()).containsExactly(8, 1);
    return far;
  }

  @Test
  void fullBucketCachesTheNewcomerAndAsksToPingQuestionableEntries() {
    RoutingTable t = table();
    List<Contact> far = fullFarBucket(t);

    Contact early = fresh(0);
    assertThat(t.onReply(early, T0 + 10 * SECOND)).as("all entries are good").isEmpty();
    assertThat(t.contains(early.id())).isFalse();

    long later = T0 + 16 * MINUTE;
    assertThat(t.state(far.get(0).id(), later)).contains(State.QUESTIONABLE);
    Contact late = fresh(0);
    assertThat(t.onReply(late, later)).as("least recently seen first").containsExactlyElementsOf(far);
    assertThat(t.contains(late.id())).isFalse();
    assertThat(t.size()).isEqualTo(9);

    // the pinged entry does not answer: the freshest cached newcomer takes its place
    t.onTimeout(far.get(0).endpoint(), later);
    assertThat(t.contains(far.get(0).id())).isFalse();
    assertThat(t.contains(late.id())).isTrue();
    t.onTimeout(far.get(1).endpoint(), later);
    assertThat(t.contains(far.get(1).id())).isFalse();
    assertThat(t.contains(early.id())).isTrue();
    // cache empty: a single timeout leaves the entry in place, questionable
    t.onTimeout(far.get(2).endpoint(), later);
    assertThat(t.contains(far.get(2).id())).isTrue();
    assertThat(t.state(far.get(2).id(), later)).contains(State.QUESTIONABLE);
    assertThat(t.size()).isEqualTo(9);
    assertThat(t.checkInvariants()).isEmpty();
  }

  @Test
  void entriesThatAnsweredOrQueriedRecentlyAreNotQuestionable() {
    RoutingTable t = table();
    List<Contact> far = fullFarBucket(t);
    long later = T0 + 16 * MINUTE;
    t.onReply(far.get(0), later); // refreshed by a reply
    t.onQuery(far.get(1), later); // refreshed by a query (it answered us before)
    t.onQuery(new Contact(far.get(2).id(), Endpoint.parse("10.200.0.1:1")), later); // not from its address
    assertThat(t.state(far.get(0).id(), later)).contains(State.GOOD);
    assertThat(t.state(far.get(1).id(), later)).contains(State.GOOD);
    assertThat(t.state(far.get(2).id(), later)).contains(State.QUESTIONABLE);
    assertThat(t.onReply(fresh(0), later)).containsExactlyElementsOf(far.subList(2, 8));
    assertThat(t.state(far.get(2).id(), later + QUESTIONABLE)).contains(State.QUESTIONABLE);
    assertThat(t.state(far.get(0).id(), later + QUESTIONABLE)).contains(State.QUESTIONABLE);
  }

  @Test
  void timeoutsMakeAnEntryBadAndBadEntriesAreNotOffered() {
    RoutingTable t = table(8, 8, true, 2);
    Contact a = fresh(0);
    Contact b = fresh(1);
    Contact c = fresh(2);
    for (Contact x : List.of(a, b, c)) {
      t.onReply(x, T0);
    }
    t.onTimeout(b.endpoint(), T0);
    assertThat(t.state(b.id(), T0)).contains(State.QUESTIONABLE);
    assertThat(t.closest(b.id(), 8, T0)).contains(a, c);
    t.onTimeout(b.endpoint(), T0);
    assertThat(t.state(b.id(), T0)).contains(State.BAD);
    assertThat(t.closest(b.id(), 8, T0)).containsExactly(c, a);
    assertThat(t.contains(b.id())).isTrue();

    // an answer makes it good again
    t.onReply(b, T0 + SECOND);
    assertThat(t.state(b.id(), T0 + SECOND)).contains(State.GOOD);
    assertThat(t.closest(b.id(), 8, T0 + SECOND)).startsWith(b);

    // long dead with nothing to replace it: eventually dropped
    for (int i = 0; i < 50 && t.contains(b.id()); i++) {
      t.onTimeout(b.endpoint(), T0 + 2 * SECOND);
    }
    assertThat(t.contains(b.id())).isFalse();
    assertThat(t.checkInvariants()).isEmpty();
  }

  @Test
  void aBadEntryInAFullBucketIsReplacedAtOnce() {
    RoutingTable t = table();
    List<Contact> far = fullFarBucket(t);
    t.onTimeout(far.get(5).endpoint(), T0 + MINUTE);
    t.onTimeout(far.get(5).endpoint(), T0 + MINUTE);
    assertThat(t.state(far.get(5).id(), T0 + MINUTE)).contains(State.BAD);
    Contact newcomer = fresh(0);
    assertThat(t.wouldAccept(newcomer, T0 + MINUTE)).isTrue();
    assertThat(t.onReply(newcomer, T0 + MINUTE)).isEmpty();
    assertThat(t.contains(newcomer.id())).isTrue();
    assertThat(t.contains(far.get(5).id())).isFalse();
    assertThat(t.bucketSizes()).containsExactly(8, 1);
  }

  @Test
  void timeoutOfUnknownEndpointIsIgnored() {
    RoutingTable t = table();
    List<Contact> far = fullFarBucket(t);
    t.onTimeout(Endpoint.parse("10.99.99.99:1"), T0);
    t.onTimeout(new Endpoint(far.get(0).endpoint().address(), 1), T0); // same IP, other port
    assertThat(t.state(far.get(0).id(), T0 + 10 * SECOND)).contains(State.GOOD);
  }

  // ------------------------------------------------------------------ Sybil bounds

  @Test
  void onlyOneEntryPerIp() {
    RoutingTable t = table(8, 8, true, 2);
    Contact first = contact(at(0), "10.0.0.1:6881");
    Contact sameIp = contact(at(1), "10.0.0.1:6882");
    t.onReply(first, T0);
    assertThat(t.wouldAccept(sameIp, T0)).isFalse();
    t.onReply(sameIp, T0);
    assertThat(t.contains(sameIp.id())).isFalse();
    assertThat(t.contacts()).containsExactly(first);

    // once the first is bad, the IP may be reused
    t.onTimeout(first.endpoint(), T0);
    t.onTimeout(first.endpoint(), T0);
    t.onReply(sameIp, T0);
    assertThat(t.contacts()).containsExactly(sameIp);

    RoutingTable lax = table(8, 8, false, 2);
    lax.onReply(first, T0);
    lax.onReply(sameIp, T0);
    assertThat(lax.contacts()).containsExactlyInAnyOrder(first, sameIp);
  }

  @Test
  void perSubnetBoundWithinABucket() {
    RoutingTable t = table(8, 1, true, 2);
    Contact a = contact(at(0), "10.1.2.3:6881");
    Contact sameSubnet = contact(at(0), "10.1.2.4:6881");
    Contact otherSubnet = contact(at(0), "10.1.3.4:6881");
    t.onReply(a, T0);
    assertThat(t.wouldAccept(sameSubnet, T0)).isFalse();
    t.onReply(sameSubnet, T0);
    assertThat(t.contains(sameSubnet.id())).isFalse();
    assertThat(t.wouldAccept(otherSubnet, T0)).isTrue();
    t.onReply(otherSubnet, T0);
    assertThat(t.contains(otherSubnet.id())).isTrue();

    // fill and split so that a node of 10.1.2.0/24 lands in another bucket: allowed there
    for (int i = 0; i < 6; i++) {
      t.onReply(fresh(0), T0);
    }
    Contact near = contact(at(6), "10.1.2.9:6881");
    t.onReply(near, T0);
    assertThat(t.bucketCount()).isEqualTo(2);
    assertThat(t.contains(near.id())).isTrue();
    assertThat(t.checkInvariants()).isEmpty();
  }

  @Test
  void perSubnetBoundForIpv6IsSlash64() {
    RoutingTable t = table(8, 1, true, 2);
    Contact a = contact(at(0), "[2001:db8:0:1::1]:6881");
    Contact sameSlash64 = contact(at(0), "[2001:db8:0:1:ffff::2]:6881");
    Contact otherSlash64 = contact(at(0), "[2001:db8:0:2::1]:6881");
    t.onReply(a, T0);
    t.onReply(sameSlash64, T0);
    t.onReply(otherSlash64, T0);
    assertThat(t.contacts()).containsExactlyInAnyOrder(a, otherSlash64);
  }

  // ------------------------------------------------------------------ queries on the table

  @Test
  void closestIsSortedByXorDistance() {
    RoutingTable t = table(8, 8, true, 2);
    for (int i = 0; i < 300; i++) {
      t.onReply(new Contact(NodeId.random(random), Endpoint.parse("10." + (i >> 8) + "." + (i & 255) + ".7:1")), T0);
    }
    List<Contact> all = t.contacts();
    assertThat(all).hasSizeGreaterThan(20);
    for (int i = 0; i < 20; i++) {
      NodeId target = i == 0 ? self : NodeId.random(random);
      List<Contact> expected =
          all.stream().sorted(Comparator.comparing((Contact c) -> distance(target, c.id()))).toList();
      assertThat(t.closest(target, 8, T0)).containsExactlyElementsOf(expected.subList(0, 8));
      assertThat(t.closest(target, 1000, T0)).containsExactlyElementsOf(expected);
      assertThat(t.closest(target, 0, T0)).isEmpty();
    }
  }

  @Test
  void refreshTargetsFallInsideEachIdleBucketAndMarkItRefreshed() {
    RoutingTable t = table(2, 2, true, 2);
    for (int cpl = 0; cpl < 6; cpl++) {
      t.onReply(fresh(cpl), T0);
      t.onReply(fresh(cpl), T0);
    }
    int buckets = t.bucketCount();
    assertThat(buckets).isGreaterThanOrEqualTo(6);

    assertThat(t.refreshTargets(T0 + MINUTE, QUESTIONABLE, random)).as("nothing idle yet").isEmpty();

    long idle = T0 + QUESTIONABLE;
    List<NodeId> targets = t.refreshTargets(idle, QUESTIONABLE, random);
    assertThat(targets).hasSize(buckets);
    Set<Integer> covered = new HashSet<>();
    for (NodeId target : targets) {
      covered.add(bucketOf(t, target));
    }
    assertThat(covered).hasSize(buckets);
    assertThat(t.refreshTargets(idle, QUESTIONABLE, random)).as("marked refreshed").isEmpty();

    // a reply into bucket 2 keeps it fresh; the others become idle again
    Contact inBucket2 = t.contacts().stream().filter(c -> bucketOf(t, c.id()) == 2).findFirst().orElseThrow();
    t.onReply(inBucket2, idle + 5 * MINUTE);
    List<NodeId> again = t.refreshTargets(idle + QUESTIONABLE, QUESTIONABLE, random);
    assertThat(again).hasSize(buckets - 1);
    assertThat(again).noneMatch(id -> bucketOf(t, id) == 2);
  }

  @Property(tries = 200)
  void randomIdInBucketLandsInThatBucket(@ForAll @IntRange(min = 1, max = 30) int depth, @ForAll long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    RoutingTable t = new RoutingTable(self, 1, 1, 1, true, QUESTIONABLE, 2, T0);
    for (int cpl = 0; t.bucketCount() < depth; cpl++) {
      NodeId id = self.withBit(cpl, !self.bit(cpl)).withLowBitsFrom(NodeId.random(r), cpl + 1);
      t.onReply(new Contact(id, Endpoint.parse("10.0." + cpl + ".1:1")), T0);
    }
    for (int i = 0; i < t.bucketCount(); i++) {
      assertThat(bucketOf(t, t.randomIdInBucket(i, r))).isEqualTo(i);
    }
  }

  // ------------------------------------------------------------------ wouldAccept

  @Test
  void wouldAcceptAgreesWithOnReply() {
    RoutingTable t = table(8, 1, true, 2);
    Contact empty = fresh(0);
    assertThat(t.wouldAccept(empty, T0)).isTrue();
    t.onReply(empty, T0);
    assertThat(t.contains(empty.id())).isTrue();
    assertThat(t.wouldAccept(empty, T0)).as("already known").isFalse();

    for (int i = 0; i < 7; i++) {
      t.onReply(fresh(0), T0);
    }
    t.onReply(fresh(5), T0); // split
    Contact farNewcomer = fresh(0);
    assertThat(t.wouldAccept(farNewcomer, T0)).isFalse();
    t.onReply(farNewcomer, T0);
    assertThat(t.contains(farNewcomer.id())).isFalse();

    Contact nearNewcomer = fresh(7);
    assertThat(t.wouldAccept(nearNewcomer, T0)).isTrue();
    t.onReply(nearNewcomer, T0);
    assertThat(t.contains(nearNewcomer.id())).isTrue();
  }

  @Test
  void wouldAcceptIsFalseWhenASplitCannotMakeRoom() {
    RoutingTable t = table();
    for (int i = 0; i < 8; i++) {
      t.onReply(fresh(0), T0);
    }
    Contact newcomer = fresh(0); // same (far) half as all 8 entries
    boolean predicted = t.wouldAccept(newcomer, T0);
    t.onReply(newcomer, T0);
    assertThat(t.contains(newcomer.id())).isFalse();
    assertThat(predicted).isEqualTo(t.contains(newcomer.id()));
  }

  /** A full far bucket of public-address entries whose random ids do not conform to BEP 42. */
  private List<Contact> nonConformingFarBucket(RoutingTable t) {
    List<Contact> far = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Contact c = contact(at(0), "1.1." + i + ".1:6881");
      assertThat(NodeIdSecurity.isValid(c.id(), c.endpoint().address())).isFalse();
      far.add(c);
      t.onReply(c, T0);
    }
    t.onReply(fresh(4), T0); // split
    assertThat(t.bucketSizes()).containsExactly(8, 1);
    return far;
  }

  @Test
  void conformingNewcomerDisplacesANonConformingEntry() {
    RoutingTable t = table();
    List<Contact> far = nonConformingFarBucket(t);
    Contact conforming = fresh(0); // 10/8 is exempt: any id conforms
    t.onReply(conforming, T0 + SECOND);
    assertThat(t.contains(conforming.id())).isTrue();
    assertThat(t.bucketSizes()).containsExactly(8, 1);
    assertThat(far.stream().filter(c -> t.contains(c.id())).count()).isEqualTo(7);
    assertThat(t.checkInvariants()).isEmpty();
  }

  @Test
  void wouldAcceptSeesThatAConformingNewcomerDisplacesANonConformingEntry() {
    RoutingTable t = table();
    nonConformingFarBucket(t);
    Contact conforming = fresh(0);
    boolean predicted = t.wouldAccept(conforming, T0 + SECOND);
    t.onReply(conforming, T0 + SECOND);
    assertThat(t.contains(conforming.id())).isTrue();
    assertThat(predicted).isTrue();
  }

  // ------------------------------------------------------------------ flat-array layout

  @Test
  void theIpSearchFollowsEvictionsAndReplacements() {
    RoutingTable t = table();
    List<Contact> far = fullFarBucket(t);
    long later = T0 + 16 * MINUTE;
    Contact waiting = fresh(0);
    t.onReply(waiting, later); // full bucket: into the replacement cache
    assertThat(t.replacementCount()).isEqualTo(1);
    assertThat(t.contactAt(waiting.endpoint().address())).as("a replacement holds no IP").isEmpty();

    Contact evicted = far.get(3);
    t.onTimeout(evicted.endpoint(), later); // fails while a replacement waits: replaced
    assertThat(t.contains(evicted.id())).isFalse();
    assertThat(t.replacementCount()).isZero();
    assertThat(t.contactAt(evicted.endpoint().address())).isEmpty();
    assertThat(t.contactAt(waiting.endpoint().address())).contains(waiting);
    for (Contact c : far) {
      if (c != evicted) {
        assertThat(t.contactAt(c.endpoint().address())).as("after the shift in the bucket").contains(c);
      }
    }
    // the freed IP may come back under another id; the taken one may not
    Contact sameIpAsEvicted = new Contact(at(6), evicted.endpoint());
    Contact sameIpAsWaiting = new Contact(at(6), new Endpoint(waiting.endpoint().address(), 7000));
    assertThat(t.wouldAccept(sameIpAsWaiting, later)).isFalse();
    assertThat(t.wouldAccept(sameIpAsEvicted, later)).isTrue();
    t.onReply(sameIpAsEvicted, later);
    assertThat(t.contactAt(evicted.endpoint().address())).contains(sameIpAsEvicted);
    assertThat(t.checkInvariants()).isEmpty();
  }

  @Test
  void ipv4AndIpv6EntriesShareATableThroughSplitsAndRemovals() {
    RoutingTable t = table(4, 4, true, 1);
    List<Contact> added = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      int cpl = i % 6;
      String address = i % 3 == 0 ? "[2001:db8:" + i + "::1]:" + (7000 + i) : "10.9." + i + ".1:" + (7000 + i);
      Contact c = contact(at(cpl), address);
      t.onReply(c, T0);
      added.add(c);
    }
    assertThat(t.bucketCount()).isGreaterThan(3);
    assertThat(added).containsAll(t.contacts());
    for (Contact c : t.contacts()) {
      assertThat(t.contactAt(c.endpoint().address())).contains(c);
      assertThat(t.contactAt(c.endpoint().address()).orElseThrow().endpoint().isIpv6())
          .isEqualTo(c.endpoint().isIpv6());
    }
    // remove every IPv6 entry (one failure is bad here, and "long dead" after 4): the IPv4 ones move up
    for (Contact c : t.contacts()) {
      if (c.endpoint().isIpv6()) {
        for (int i = 0; i < 4; i++) {
          t.onTimeout(c.endpoint(), T0);
        }
        assertThat(t.contains(c.id())).isFalse();
        assertThat(t.contactAt(c.endpoint().address())).isEmpty();
      }
    }
    assertThat(t.contacts()).allMatch(c -> c.endpoint().isIpv4()).isNotEmpty();
    for (Contact c : t.contacts()) {
      assertThat(t.contactAt(c.endpoint().address())).contains(c);
    }
    assertThat(t.checkInvariants()).isEmpty();
  }

  @Test
  void closestSkipsFailedEntriesAndReturnsAtMostTheTable() {
    RoutingTable t = table();
    List<Contact> all = new ArrayList<>();
    for (int cpl = 0; cpl < 5; cpl++) {
      for (int i = 0; i < 3; i++) {
        Contact c = fresh(cpl);
        t.onReply(c, T0);
        all.add(c);
      }
    }
    t.onTimeout(all.get(4).endpoint(), T0);
    List<Contact> closest = t.closest(self, 100, T0);
    assertThat(closest).hasSize(all.size() - 1).doesNotContain(all.get(4));
    assertThat(closest).isSortedAccordingTo((x, y) -> self.compareDistance(x.id(), y.id()));
    assertThat(t.closest(self, 2, T0)).containsExactlyElementsOf(closest.subList(0, 2));
  }

  // ------------------------------------------------------------------ random operation sequences

  sealed interface Op permits Reply, Timeout, Query, Advance, Refresh {}

  record Reply(int id, int ip, int port) implements Op {}

  record Timeout(int ip, int port) implements Op {}

  record Query(int id, int ip, int port) implements Op {}

  record Advance(int seconds) implements Op {}

  record Refresh() implements Op {}

  record Params(int k, int replacements, int maxPerSubnet, boolean onePerIp, int failuresBeforeBad, long seed) {}

  /** Private and public, IPv4 and IPv6 addresses, several sharing a /24 or /64. */
  static final List<String> IPS =
      List.of(
          "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1", "10.0.2.1", "10.7.7.7",
          "1.2.3.4", "1.2.3.5", "8.8.8.8", "9.9.9.9", "203.0.113.9",
          "[2001:db8::1]", "[2001:db8::2]", "[2001:db8:1::1]", "[fd00::1]", "[2a00:1450::5]");

  static final int POOL = 30;

  @Provide
  Arbitrary<Params> params() {
    return Combinators.combine(
            Arbitraries.integers().between(1, 4),
            Arbitraries.integers().between(1, 3),
            Arbitraries.integers().between(1, 4),
            Arbitraries.of(true, false),
            Arbitraries.integers().between(1, 3),
            Arbitraries.longs())
        .as(Params::new);
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Integer> id = Arbitraries.integers().between(0, POOL - 1);
    Arbitrary<Integer> ip = Arbitraries.integers().between(0, IPS.size() - 1);
    Arbitrary<Integer> port = Arbitraries.integers().between(0, 1);
    Arbitrary<Op> op =
        Arbitraries.frequencyOf(
            Tuple.of(8, Combinators.combine(id, ip, port).as(Reply::new)),
            Tuple.of(3, Combinators.combine(ip, port).as(Timeout::new)),
            Tuple.of(2, Combinators.combine(id, ip, port).as(Query::new)),
            Tuple.of(2, Arbitraries.integers().between(0, 1200).map(Advance::new)),
            Tuple.of(1, Arbitraries.just(new Refresh())));
    return op.list().ofMaxSize(200);
  }

  @Property(tries = 300)
  void invariantsHoldAfterAnyOperationSequence(@ForAll("params") Params p, @ForAll("ops") List<Op> ops) {
    SplittableRandom r = new SplittableRandom(p.seed());
    NodeId me = NodeId.random(r);
    // ids at many depths below ours, plus our own id
    List<NodeId> ids = new ArrayList<>();
    ids.add(me);
    for (int i = 1; i < POOL; i++) {
      int cpl = (i * 7) % 14;
      ids.add(me.withBit(cpl, !me.bit(cpl)).withLowBitsFrom(NodeId.random(r), cpl + 1));
    }
    RoutingTable t =
        new RoutingTable(me, p.k(), p.replacements(), Math.min(p.maxPerSubnet(), p.k()), p.onePerIp(), QUESTIONABLE,
            p.failuresBeforeBad(), T0);
    Set<Contact> replied = new HashSet<>();
    long now = T0;
    for (Op op : ops) {
      if (op instanceof Reply x) {
        Contact c = new Contact(ids.get(x.id()), endpoint(x.ip(), x.port()));
        boolean predicted = t.wouldAccept(c, now);
        boolean knownBefore = t.contains(c.id());
        boolean badRival = hasBadRival(t, c, p.onePerIp(), now);
        boolean mayDisplace = mayDisplaceNonConforming(t, me, c);
        List<Contact> toPing = t.onReply(c, now);
        replied.add(c);
        if (!predicted && !knownBefore && !badRival && !mayDisplace) {
          assertThat(t.contains(c.id())).as("wouldAccept refused %s but onReply took it", c).isFalse();
        }
        for (Contact q : toPing) {
          assertThat(t.contacts()).contains(q);
          assertThat(t.state(q.id(), now)).contains(State.QUESTIONABLE);
        }
      } else if (op instanceof Timeout x) {
        t.onTimeout(endpoint(x.ip(), x.port()), now);
      } else if (op instanceof Query x) {
        t.onQuery(new Contact(ids.get(x.id()), endpoint(x.ip(), x.port())), now);
      } else if (op instanceof Advance x) {
        now += x.seconds() * SECOND;
      } else if (op instanceof Refresh) {
        for (NodeId target : t.refreshTargets(now, QUESTIONABLE, r)) {
          assertThat(target).isNotNull();
        }
      } else {
        throw new AssertionError(op);
      }
      checkTable(t, me, p, replied, now);
    }
  }

  /** onReply evicts a bad entry with the same id (or the same IP, with one entry per IP); wouldAccept does not. */
  private static boolean hasBadRival(RoutingTable t, Contact c, boolean onePerIp, long now) {
    return t.contacts().stream()
        .anyMatch(
            x ->
                (x.id().equals(c.id()) || (onePerIp && x.endpoint().address().equals(c.endpoint().address())))
                    && t.state(x.id(), now).orElseThrow() == State.BAD);
  }

  /** BEP 42: a conforming newcomer may displace a non-conforming entry of its (full) bucket. */
  private static boolean mayDisplaceNonConforming(RoutingTable t, NodeId me, Contact c) {
    if (!NodeIdSecurity.isValid(c.id(), c.endpoint().address())) {
      return false;
    }
    int buckets = t.bucketCount();
    int bucket = Math.min(me.commonPrefixLength(c.id()), buckets - 1);
    return t.contacts().stream()
        .anyMatch(
            x ->
                Math.min(me.commonPrefixLength(x.id()), buckets - 1) == bucket
                    && !NodeIdSecurity.isValid(x.id(), x.endpoint().address()));
  }

  private static Endpoint endpoint(int ip, int port) {
    return Endpoint.parse(IPS.get(ip) + ":" + (6881 + port));
  }

  private static void checkTable(RoutingTable t, NodeId me, Params p, Set<Contact> replied, long now) {
    assertThat(t.checkInvariants()).isEmpty();
    List<Contact> contacts = t.contacts();
    int[] sizes = t.bucketSizes();
    assertThat(sizes).hasSize(t.bucketCount());
    assertThat(Arrays.stream(sizes).sum()).isEqualTo(contacts.size()).isEqualTo(t.size());
    assertThat(t.size()).isLessThanOrEqualTo(NodeId.BITS * p.k());
    assertThat(replied).containsAll(contacts);

    Set<NodeId> ids = new HashSet<>();
    Set<Object> ips = new HashSet<>();
    Map<String, Integer> perSubnet = new HashMap<>();
    int index = 0;
    for (int bucket = 0; bucket < sizes.length; bucket++) {
      assertThat(sizes[bucket]).isLessThanOrEqualTo(p.k());
      for (int j = 0; j < sizes[bucket]; j++) {
        Contact c = contacts.get(index++);
        assertThat(c.id()).isNotEqualTo(me);
        assertThat(ids.add(c.id())).as("duplicate id %s", c).isTrue();
        if (p.onePerIp()) {
          assertThat(ips.add(c.endpoint().address())).as("duplicate IP %s", c).isTrue();
        }
        assertThat(Math.min(me.commonPrefixLength(c.id()), sizes.length - 1)).as("bucket of %s", c).isEqualTo(bucket);
        byte[] a = c.endpoint().address().getAddress();
        String subnet = bucket + "/" + Arrays.toString(Arrays.copyOf(a, a.length == 4 ? 3 : 8));
        perSubnet.merge(subnet, 1, Integer::sum);
        assertThat(t.state(c.id(), now)).isPresent();
      }
    }
    assertThat(perSubnet.values()).allMatch(n -> n <= Math.min(p.maxPerSubnet(), p.k()));
    // closest offers every good entry and never a bad one (whether it also offers questionable ones is policy)
    List<Contact> closest = t.closest(me, contacts.size(), now);
    assertThat(contacts).containsAll(closest);
    assertThat(closest).allMatch(c -> t.state(c.id(), now).orElseThrow() != State.BAD);
    assertThat(closest).isSortedAccordingTo((x, y) -> me.compareDistance(x.id(), y.id()));
    assertThat(closest)
        .containsAll(contacts.stream().filter(c -> t.state(c.id(), now).orElseThrow() == State.GOOD).toList());
  }
}
