package io.dht.sim;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.id.NodeIdSecurity;
import io.dht.node.DhtNode;
import io.dht.node.LookupResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * A simulated DHT: N {@link SimHost}s on one {@link SimNetwork}, one {@link Scheduler} and one seed. {@link
 * #start(ClusterSpec)} builds it the way a real network grows: node 0 starts alone, then one node joins every
 * {@code joinInterval} and bootstraps through node 0, and finally the network runs a while to settle.
 *
 * <p>Also the global view no real node has: which hosts are alive and which live nodes are truly closest to a
 * target, for workloads to check lookups against. Everything runs on the caller's thread; failures name the seed.
 */
public final class SimCluster {
  private final ClusterSpec spec;
  private final SimRandom random;
  private final VirtualClock clock;
  private final Scheduler scheduler;
  private final SimNetwork network;
  private final List<SimHost> hosts = new ArrayList<>();
  private int bootstrapFailures;

  private SimCluster(ClusterSpec spec) {
    this.spec = spec;
    this.random = new SimRandom(spec.seed());
    this.clock = new VirtualClock(0);
    this.scheduler = new Scheduler(clock);
    this.network = new SimNetwork(scheduler, spec.network(), random);
  }

  /** Builds the cluster, bootstraps every node through node 0 and lets it settle. */
  public static SimCluster start(ClusterSpec spec) {
    SimCluster cluster = new SimCluster(spec);
    cluster.grow();
    return cluster;
  }

  /**
   * Builds a large cluster cheaply: starts {@code spec.nodes() - realJoins} hosts at once and fills each one's
   * routing table from the global view with what a completed bootstrap would have found ({@link #seedTables}),
   * then lets {@code realJoins} more hosts join the usual way (one every {@code joinInterval}, bootstrapping
   * through a random seeded host), waits for their bootstraps and runs {@code spec.settle()}. No datagram is sent
   * for the seeded hosts; their tables went through {@link io.dht.routing.RoutingTable#onReply}, so they obey the
   * table's rules (bucket splits, one entry per IP, the per-subnet bound) as if every entry had answered at the
   * instant of seeding. Deterministic: the choices come from the seed.
   *
   * <p>The usual {@link #start} stays the default everywhere; this is for scale experiments, where the join
   * traffic (n log n datagrams through node 0) is what bounds the size.
   */
  public static SimCluster startSeeded(ClusterSpec spec, int realJoins) {
    if (realJoins < 0 || realJoins >= spec.nodes()) {
      throw new IllegalArgumentException(
          "realJoins must be in [0, " + spec.nodes() + "), got " + realJoins);
    }
    SimCluster cluster = new SimCluster(spec);
    int seeded = spec.nodes() - realJoins;
    for (int i = 0; i < seeded; i++) {
      cluster.addHost();
    }
    cluster.seedTables(cluster.hosts, new SplittableRandom(SimRandom.mix64(spec.seed() ^ SEEDING_SALT)));
    cluster.joinSample(realJoins);
    return cluster;
  }

  private static final long SEEDING_SALT = 0x5eed_7ab1_e5ee_d000L;

  private void joinSample(int joins) {
    RandomGenerator r = random.workload();
    int seeded = hosts.size();
    List<CompletableFuture<LookupResult>> boots = new ArrayList<>();
    long interval = spec.joinInterval().toNanos();
    long start = scheduler.nowNanos();
    for (int i = 1; i <= joins; i++) {
      SimHost via = hosts.get(r.nextInt(seeded));
      scheduler.schedule(
          start + i * interval, () -> boots.add(addHost().run(node -> node.bootstrap(List.of(via.endpoint())))));
    }
    scheduler.runUntil(start + joins * interval);
    runUntilDone(boots, spec.bootstrapTimeout());
    for (CompletableFuture<LookupResult> boot : boots) {
      if (!boot.isDone() || boot.isCompletedExceptionally()) {
        bootstrapFailures++;
      }
    }
    scheduler.runFor(spec.settle());
  }

  /**
   * What a completed bootstrap would leave in each host's table, from the global view: for every depth {@code i},
   * up to k hosts whose ids share exactly {@code i} leading bits with the host's id (chosen at random among them),
   * farthest first, until the hosts sharing more bits than that are k or fewer: those all go in, and the last
   * bucket's k are the ones closest to the host (a bootstrap's self-lookup finds the k closest nodes). Offered through
   * {@code RoutingTable.onReply} at the current time; the table decides (splits, limits). Sorts the ids once;
   * each host then costs O(log n) binary searches per bucket.
   */
  void seedTables(List<SimHost> targets, RandomGenerator choice) {
    int n = targets.size();
    int k = spec.config().k();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> targets.get(a).id().compareTo(targets.get(b).id()));
    NodeId[] sorted = new NodeId[n];
    int[] hostAt = new int[n];
    for (int i = 0; i < n; i++) {
      hostAt[i] = order[i];
      sorted[i] = targets.get(order[i]).id();
    }
    order = null;
    int[] picks = new int[k];
    List<Contact> offer = new ArrayList<>();
    for (SimHost host : targets) {
      NodeId self = host.id();
      offer.clear();
      int lo = 0;
      int hi = n; // [lo, hi): the hosts sharing at least i leading bits with self, self included
      for (int i = 0; i < NodeId.BITS && hi - lo > 1; i++) {
        if (hi - lo - 1 <= k) {
          for (int j = lo; j < hi; j++) {
            if (!sorted[j].equals(self)) {
              offer.add(targets.get(hostAt[j]).contact());
            }
          }
          break;
        }
        int mid = firstWithBit(sorted, lo, hi, i);
        boolean one = self.bit(i);
        int otherLo = one ? lo : mid;
        int otherHi = one ? mid : hi;
        int m = otherHi - otherLo;
        int count = Math.min(k, m);
        int nextSize = one ? hi - mid : mid - lo;
        if (nextSize - 1 <= k) {
          // the last level: the self-lookup of a bootstrap finds our k closest nodes, so this bucket gets the
          // nodes of the other half closest to us, and every node sharing more bits goes in
          for (int j : closestIn(sorted, otherLo, otherHi, self, count)) {
            offer.add(targets.get(hostAt[j]).contact());
          }
          for (int j = one ? mid : lo; j < (one ? hi : mid); j++) {
            if (!sorted[j].equals(self)) {
              offer.add(targets.get(hostAt[j]).contact());
            }
          }
          break;
        }
        for (int p = 0; p < count; p++) {
          int pick;
          if (m <= k) {
            pick = otherLo + p;
          } else {
            boolean dup;
            do {
              pick = otherLo + choice.nextInt(m);
              dup = false;
              for (int q = 0; q < p; q++) {
                dup |= picks[q] == pick;
              }
            } while (dup);
          }
          picks[p] = pick;
          offer.add(targets.get(hostAt[pick]).contact());
        }
        if (one) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      host.seedRoutingTable(offer);
    }
  }

  /** Indexes of the {@code count} ids in [lo, hi) closest to {@code self} by XOR, nearest first. */
  private static int[] closestIn(NodeId[] sorted, int lo, int hi, NodeId self, int count) {
    int[] best = new int[count];
    int size = 0;
    for (int j = lo; j < hi; j++) {
      if (size == count && self.compareDistance(sorted[j], sorted[best[count - 1]]) >= 0) {
        continue;
      }
      int i = size < count ? size++ : count - 1;
      while (i > 0 && self.compareDistance(sorted[j], sorted[best[i - 1]]) < 0) {
        best[i] = best[i - 1];
        i--;
      }
      best[i] = j;
    }
    return java.util.Arrays.copyOf(best, size);
  }

  /** The first index in [lo, hi) of the sorted ids whose bit {@code bit} is set (they share the bits before it). */
  private static int firstWithBit(NodeId[] sorted, int lo, int hi, int bit) {
    int a = lo;
    int b = hi;
    while (a < b) {
      int m = (a + b) >>> 1;
      if (sorted[m].bit(bit)) {
        b = m;
      } else {
        a = m + 1;
      }
    }
    return a;
  }

  private void grow() {
    SimHost seedHost = addHost();
    List<CompletableFuture<LookupResult>> boots = new ArrayList<>();
    long interval = spec.joinInterval().toNanos();
    for (int i = 1; i < spec.nodes(); i++) {
      scheduler.schedule(
          scheduler.nowNanos() + i * interval,
          () -> boots.add(addHost().run(node -> node.bootstrap(List.of(seedHost.endpoint())))));
    }
    scheduler.runUntil(scheduler.nowNanos() + (spec.nodes() - 1) * interval);
    runUntilDone(boots, spec.bootstrapTimeout());
    for (CompletableFuture<LookupResult> boot : boots) {
      if (!boot.isDone() || boot.isCompletedExceptionally()) {
        bootstrapFailures++;
      }
    }
    scheduler.runFor(spec.settle());
  }

  public ClusterSpec spec() {
    return spec;
  }

  public long seed() {
    return spec.seed();
  }

  /** The random streams; workloads draw their choices from {@code random().workload()}. */
  public SimRandom random() {
    return random;
  }

  public Scheduler scheduler() {
    return scheduler;
  }

  public SimNetwork network() {
    return network;
  }

  /** The current virtual time. */
  public long nowNanos() {
    return clock.nanos();
  }

  /** Bootstraps that failed or did not complete in time while the cluster was built. */
  public int bootstrapFailures() {
    return bootstrapFailures;
  }

  /** Every host ever added, in order of creation, crashed ones included. */
  public List<SimHost> hosts() {
    return Collections.unmodifiableList(hosts);
  }

  public SimHost host(int index) {
    return hosts.get(index);
  }

  /** The hosts that are up, in order of creation. */
  public List<SimHost> liveHosts() {
    List<SimHost> live = new ArrayList<>(hosts.size());
    for (SimHost h : hosts) {
      if (h.isUp()) {
        live.add(h);
      }
    }
    return live;
  }

  /**
   * Adds and starts one more host at a fresh random address; it knows nobody until told to bootstrap. Its id is
   * random but conforms to BEP 42 for its address, as on the real Mainline network, so nodes that check ids
   * against addresses (when accepting announce tokens, for example) treat it as honest.
   */
  public SimHost addHost() {
    Endpoint endpoint = network.allocate();
    NodeId id = NodeIdSecurity.generate(endpoint.address(), random.identities());
    SimHost host = new SimHost(hosts.size(), id, endpoint, spec.config(), scheduler, network, random);
    hosts.add(host);
    return host;
  }

  /**
   * A newcomer: adds a host ({@link #addHost()}) and starts its bootstrap through {@code via} (their endpoints, as
   * a daemon's bootstrap list). Returns the host; the bootstrap completes while the scheduler runs, use {@link
   * SimHost#inspect} or a later lookup to see it done.
   */
  public SimHost join(List<SimHost> via) {
    List<Endpoint> seeds = new ArrayList<>(via.size());
    for (SimHost h : via) {
      seeds.add(h.endpoint());
    }
    SimHost host = addHost();
    host.run(node -> node.bootstrap(seeds));
    return host;
  }

  /**
   * Graceful departure: the node hands every item it holds to the nodes now responsible for it ({@link
   * DhtNode#handOffAll()}) and then closes; the host is down from then on (like a crash, but the node's close ran
   * and its items went ahead of it). The close runs as its own scheduler event at the instant the handoff
   * completed, never inside the node's own callback. Completes with the number of items handed off once the host
   * is down; a failed handoff still closes the host and fails the future.
   */
  public CompletableFuture<Integer> leave(SimHost host) {
    CompletableFuture<Integer> left = new CompletableFuture<>();
    CompletableFuture<Integer> handoff = host.run(DhtNode::handOffAll);
    handoff.whenComplete(
        (handed, error) ->
            scheduler.schedule(
                scheduler.nowNanos(),
                () -> {
                  if (host.isUp()) {
                    host.close();
                  }
                  if (error != null) {
                    left.completeExceptionally(error);
                  } else {
                    left.complete(handed);
                  }
                }));
    return left;
  }

  /** Crashes a host abruptly (see {@link SimHost}). */
  public void crash(SimHost host) {
    host.crash();
  }

  /**
   * Restarts a crashed host as a new node with the same id and endpoint, and bootstraps it the way a daemon does on
   * start: with {@code restoreRoutingTable} from the routing table captured at the crash (and node 0), otherwise
   * from node 0 alone. Returns the bootstrap's future; run the scheduler to let it complete.
   */
  public CompletableFuture<LookupResult> restart(SimHost host, boolean restoreRoutingTable) {
    host.restart(restoreRoutingTable);
    List<Endpoint> seeds = host.index() == 0 ? List.of() : List.of(hosts.get(0).endpoint());
    return host.run(node -> node.bootstrap(seeds));
  }

  /**
   * Crashes {@code round(fraction * live hosts)} live hosts at once, chosen with the workload random stream, and
   * returns them.
   */
  public List<SimHost> crashRandom(double fraction) {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in [0, 1], got " + fraction);
    }
    List<SimHost> live = liveHosts();
    int count = (int) Math.round(fraction * live.size());
    RandomGenerator r = random.workload();
    for (int i = 0; i < count; i++) {
      Collections.swap(live, i, i + r.nextInt(live.size() - i));
    }
    List<SimHost> victims = List.copyOf(live.subList(0, count));
    for (SimHost h : victims) {
      h.crash();
    }
    return victims;
  }

  /** Runs the simulation for {@code duration} of virtual time. */
  public void runFor(Duration duration) {
    scheduler.runFor(duration);
  }

  /** The {@code k} live nodes closest to {@code target} by XOR distance, nearest first. */
  public List<Contact> trueClosest(NodeId target, int k) {
    return trueClosest(target, k, null);
  }

  /**
   * The {@code k} live nodes other than {@code excluded} closest to {@code target}, nearest first. A lookup never
   * returns the node that runs it, so its answer is checked against this set with {@code excluded} = the querier.
   */
  public List<Contact> trueClosest(NodeId target, int k, NodeId excluded) {
    if (hosts.size() >= INDEX_MIN_HOSTS) {
      return trueClosestIndexed(target, k, excluded);
    }
    return trueClosestIn(hosts, target, k, excluded);
  }

  /** Below this many hosts the truth is a scan of all of them; from it on, a search in {@link #byId}. */
  static final int INDEX_MIN_HOSTS = 4096;

  /** Every host ever added, sorted by id (ids never change, a restart keeps its id); rebuilt when hosts join. */
  private SimHost[] byId = new SimHost[0];

  /**
   * The truth through the sorted index: the hosts sharing at least {@code i} leading bits with the target form a
   * range of {@link #byId}, and each of them is closer to the target than any host outside it. So the answer lies
   * in the deepest such range holding {@code k} eligible (live, not excluded) hosts; only that range is scanned.
   */
  private List<Contact> trueClosestIndexed(NodeId target, int k, NodeId excluded) {
    if (byId.length != hosts.size()) {
      byId = hosts.toArray(new SimHost[0]);
      java.util.Arrays.sort(byId, (a, b) -> a.id().compareTo(b.id()));
    }
    int[] los = new int[NodeId.BITS + 1];
    int[] his = new int[NodeId.BITS + 1];
    int lo = 0;
    int hi = byId.length;
    int depth = 0;
    los[0] = lo;
    his[0] = hi;
    while (depth < NodeId.BITS && hi - lo > 0) {
      int a = lo;
      int b = hi;
      while (a < b) {
        int m = (a + b) >>> 1;
        if (byId[m].id().bit(depth)) {
          b = m;
        } else {
          a = m + 1;
        }
      }
      if (target.bit(depth)) {
        lo = a;
      } else {
        hi = a;
      }
      depth++;
      los[depth] = lo;
      his[depth] = hi;
    }
    for (int d = depth; d >= 0; d--) {
      int eligible = 0;
      for (int i = los[d]; i < his[d] && eligible < k; i++) {
        SimHost h = byId[i];
        if (h.isUp() && !h.id().equals(excluded)) {
          eligible++;
        }
      }
      if (eligible >= k || d == 0) {
        return trueClosestIn(java.util.Arrays.asList(byId).subList(los[d], his[d]), target, k, excluded);
      }
    }
    throw new AssertionError();
  }

  static List<Contact> trueClosestIn(List<SimHost> candidates, NodeId target, int k, NodeId excluded) {
    SimHost[] best = new SimHost[k];
    int size = 0;
    for (SimHost h : candidates) {
      if (!h.isUp() || h.id().equals(excluded)) {
        continue;
      }
      if (size == k && target.compareDistance(h.id(), best[k - 1].id()) >= 0) {
        continue;
      }
      int i = size == k ? k - 1 : size++;
      while (i > 0 && target.compareDistance(h.id(), best[i - 1].id()) < 0) {
        best[i] = best[i - 1];
        i--;
      }
      best[i] = h;
    }
    List<Contact> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(best[i].contact());
    }
    return out;
  }

  /**
   * Checks every live node: its routing tables' structural invariants hold and it caught no internal error (an
   * exception in its own code). Returns one line per violation, naming host and seed; empty when all is well.
   */
  public List<String> invariantViolations() {
    List<String> out = new ArrayList<>();
    for (SimHost h : hosts) {
      if (!h.isUp()) {
        continue;
      }
      DhtNode node = h.node();
      String where = "host " + h.index() + " (" + h.id() + ", seed " + seed() + "): ";
      node.routingTable().checkInvariants().ifPresent(v -> out.add(where + "IPv4 table: " + v));
      node.routingTable6().checkInvariants().ifPresent(v -> out.add(where + "IPv6 table: " + v));
      long errors = node.stats().internalErrors();
      if (errors != 0) {
        out.add(where + errors + " internal errors");
      }
    }
    return out;
  }

  /** Issues a command on {@code host} now; run the scheduler (e.g. {@link #awaitAll}) to let it complete. */
  public <T> CompletableFuture<T> submit(SimHost host, Function<DhtNode, CompletableFuture<T>> command) {
    return host.run(command);
  }

  /**
   * Issues a command on {@code host} and runs the simulation until its future completes, for at most {@code
   * timeout} of virtual time. Returns the result; throws if the future failed or did not complete in time.
   */
  public <T> T call(SimHost host, Function<DhtNode, CompletableFuture<T>> command, Duration timeout) {
    CompletableFuture<T> future = host.run(command);
    awaitAll(List.of(future), timeout);
    return future.join();
  }

  /**
   * Runs the simulation until every future is done, for at most {@code timeout} of virtual time; throws {@link
   * IllegalStateException} (naming the seed) if some are still pending then.
   */
  public void awaitAll(Collection<? extends CompletableFuture<?>> futures, Duration timeout) {
    int pending = runUntilDone(futures, timeout);
    if (pending > 0) {
      throw new IllegalStateException(
          pending + " of " + futures.size() + " operations not done after " + timeout + " of virtual time (seed "
              + seed() + ")");
    }
  }

  /** Runs until every future is done or {@code timeout} passed; returns how many are still pending. */
  private int runUntilDone(Collection<? extends CompletableFuture<?>> futures, Duration timeout) {
    int[] pending = {futures.size()};
    for (CompletableFuture<?> f : futures) {
      f.whenComplete((r, e) -> pending[0]--);
    }
    long deadline = Math.addExact(scheduler.nowNanos(), timeout.toNanos());
    scheduler.runUntil(() -> pending[0] == 0, deadline);
    return pending[0];
  }
}
