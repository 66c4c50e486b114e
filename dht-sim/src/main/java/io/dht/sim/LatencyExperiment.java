package io.dht.sim;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.lookup.LookupStep;
import io.dht.node.DhtConfig;
import io.dht.node.LookupResult;
import io.dht.routing.RoutingTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Lookup latency under Internet-like round trips ({@link NetworkConditions#internetRtt()}: per-link RTT log-normal,
 * median 100 ms, clamped to 20-300 ms). Builds one cluster from a seed, runs find_node lookups in the stable network
 * (0 % unresponsive), then crashes a fraction of the nodes at once (default 50 %) right after and runs the same
 * number of lookups again, so that half of the contacts in every routing table and every reply are silent. For each
 * phase it reports the time a lookup takes (in ms and in multiples of the median RTT), the time by which its final
 * k nodes had all answered, rounds, messages, timeouts and its accuracy against the global truth; and, computed
 * from the same tables and round trips as each lookup starts, what any lookup could do there ({@link
 * LookupBounds}: an oracle that knows who is dead, and a flood lookup with a perfect give-up timer).
 *
 * <p>{@code --lookup default} runs the lookup with the node's defaults ({@link DhtConfig#privateNetwork()}: alpha 3,
 * at most 10 in flight), {@code --lookup wide} with {@link #wide(DhtConfig)}. Wall-clock seconds are measured only
 * to report the simulator's speed.
 *
 * <pre>{@code
 * <p>The cluster is built the usual way by default ({@link SimCluster#start}: one join every 20 ms through node 0,
 * n log n datagrams). With {@code --seeded} it is built by {@link SimCluster#startSeeded} (tables from the global
 * view, then {@code --joins J} real joins) and then <em>warmed up</em>: every seeded node runs one find_node for its
 * own id, as the self-lookup of a bootstrap would have, so that its round-trip estimator holds samples like a
 * joined node's (a node with none arms its first queries with the initial timeout's fractions: slow at 500 ms, give
 * up at 1 s, instead of about 200 ms and 500 ms). {@code --no-warmup} skips that, to see what it changes.
 *
 * <pre>{@code
 * java -cp dht-sim/target/classes:dht-core/target/classes:dht-bencode/target/classes \
 *     io.dht.sim.LatencyExperiment --nodes 10000 --lookups 1000 --seed 1 [--dead 0.5] [--lookup default|wide] \
 *     [--seeded [--joins J] [--no-warmup]]
 * }</pre>
 */
public final class LatencyExperiment {
  /** Lookups in flight at once. */
  static final int CONCURRENCY = 50;
  /** Virtual time a batch of lookups may take. */
  static final Duration BATCH_TIMEOUT = Duration.ofMinutes(5);

  /** Virtual time over which the warm-up self-lookups of a seeded cluster start, evenly spread. */
  static final Duration WARMUP_SPREAD = Duration.ofSeconds(10);

  private LatencyExperiment() {}

  /**
   * How the cluster is built.
   *
   * @param seeded {@link SimCluster#startSeeded} instead of {@link SimCluster#start}
   * @param joins real joins after the seeding (seeded only)
   * @param warmup every seeded node runs a self-lookup before the measured phases (seeded only)
   */
  public record Build(boolean seeded, int joins, boolean warmup) {
    /** Every node joins the real way through node 0 ({@link SimCluster#start}). */
    public static final Build JOINS = new Build(false, 0, false);

    public Build {
      if (joins < 0 || (!seeded && (joins != 0 || warmup))) {
        throw new IllegalArgumentException("joins and warm-up only apply to a seeded build");
      }
    }

    /** Seeded, {@code joins} real joins, warmed up. */
    public static Build seeded(int joins) {
      return new Build(true, joins, true);
    }

    String describe() {
      if (!seeded) {
        return "real joins through node 0";
      }
      return "seeded + " + joins + " real joins, " + (warmup ? "warm-up self-lookups" : "no warm-up");
    }
  }

  /**
   * The wide lookup: 8 queries active at once (one per slot of the answer) instead of Kademlia's 3, and up to 24 in
   * flight with the stragglers. Faster by about a round trip, for about 70 % more queries per lookup.
   */
  public static DhtConfig wide(DhtConfig config) {
    return config.toBuilder().alpha(8).lookupMaxInFlight(24).build();
  }

  /**
   * One phase of lookups.
   *
   * @param name what the phase is
   * @param lookups lookups run
   * @param exactness share that returned exactly the true k closest live nodes
   * @param closestFound share whose nearest result is the true nearest live node
   * @param onlyLive share that returned only live nodes
   * @param timeMillis virtual ms from start until the lookup finished
   * @param resultMillis virtual ms from start until every node of its final answer had answered
   * @param rounds rounds per lookup
   * @param messages queries sent per lookup
   * @param timeouts queries that timed out per lookup
   * @param replyRttMillis round trips of the replies the lookups got
   * @param oracleMillis per lookup, {@link LookupBounds} oracle: the earliest time the true k closest live nodes
   *     could all have answered (over the lookups where every one of them is reachable)
   * @param oracleReachable share of lookups where every one of the true k closest live nodes is named in some
   *     reachable reply
   * @param floodAtCap the {@link LookupBounds} flood lookup giving up on a silent contact at the model's slowest
   *     live round trip (300 ms plus jitter)
   * @param floodAtFloor the flood lookup giving up at the node's floor for that decision ({@code rpcTimeoutMin / 2},
   *     500 ms by default), what our lookup's give-up never undercuts
   * @param wallSeconds wall-clock seconds for the phase
   */
  public record Phase(
      String name,
      int lookups,
      double exactness,
      double closestFound,
      double onlyLive,
      Percentiles timeMillis,
      Percentiles resultMillis,
      Percentiles rounds,
      Percentiles messages,
      Percentiles timeouts,
      Percentiles replyRttMillis,
      Percentiles oracleMillis,
      double oracleReachable,
      Flood floodAtCap,
      Flood floodAtFloor,
      double wallSeconds) {}

  /**
   * The flood lookups of a phase ({@link LookupBounds}).
   *
   * @param giveUpMillis when it gives up on a silent contact
   * @param millis when each stopped
   * @param exactness share that stopped with the true k closest live nodes
   * @param queries queries each sent
   */
  public record Flood(double giveUpMillis, Percentiles millis, double exactness, Percentiles queries) {
    static Flood of(double giveUpMillis, List<LookupBounds.Bounds> bounds) {
      int n = bounds.size();
      double[] millis = new double[n];
      double[] queries = new double[n];
      int exact = 0;
      for (int i = 0; i < n; i++) {
        LookupBounds.Bounds b = bounds.get(i);
        millis[i] = b.floodNanos() / 1e6;
        queries[i] = b.floodQueries();
        exact += b.floodExact() ? 1 : 0;
      }
      return new Flood(giveUpMillis, Percentiles.of(millis), n == 0 ? 1 : (double) exact / n,
          Percentiles.of(queries));
    }
  }

  /**
   * A get_peers phase ({@code --get-peers N}): N announce/get_peers pairs ({@link AnnounceWorkload}, 50 at a time)
   * in the network as it is then. The time to the first peers is what a BitTorrent client waits before it can
   * connect to someone, and what live measurements of lookup latency report (Jimenez et al. 2011: lookups that
   * "yield results"); the whole lookup still runs on to the k closest, for the announce a client makes next.
   *
   * @param name what the phase is
   * @param trials pairs run
   * @param found share of get_peers lookups that returned the announcer's address and port
   * @param firstPeersMillis virtual ms from the start of a get_peers lookup to the first reply with peers (over the
   *     lookups that got any)
   * @param lookupMillis virtual ms the whole get_peers lookup took
   * @param messages queries a get_peers lookup sent
   */
  public record Peers(
      String name,
      int trials,
      double found,
      Percentiles firstPeersMillis,
      Percentiles lookupMillis,
      Percentiles messages) {}

  /**
   * The outcome of one experiment.
   *
   * @param nodes nodes built
   * @param seed the seed
   * @param lookup "default" or "wide", and any override
   * @param deadFraction fraction crashed before the second phase
   * @param medianRttMillis the median of the configured per-link RTT distribution
   * @param build how the cluster was built
   * @param warmupMessages queries sent by the warm-up self-lookups (0 without)
   * @param bootstrapFailures bootstraps that failed while building
   * @param stable the phase with every node up
   * @param dead the phase after the crash (null when {@code deadFraction} is 0)
   * @param stablePeers the get_peers phase after the stable one (null without {@code --get-peers})
   * @param deadPeers the get_peers phase after the dead one (null without {@code --get-peers} or crash)
   * @param buildWallSeconds wall-clock seconds to build the cluster
   * @param virtualSeconds virtual seconds simulated in all
   * @param datagrams datagrams delivered in all
   */
  public record Report(
      int nodes,
      long seed,
      String lookup,
      double deadFraction,
      double medianRttMillis,
      String build,
      long warmupMessages,
      int bootstrapFailures,
      Phase stable,
      Phase dead,
      Peers stablePeers,
      Peers deadPeers,
      double buildWallSeconds,
      double virtualSeconds,
      long datagrams) {

    public String format() {
      StringBuilder b = new StringBuilder();
      b.append(String.format(Locale.ROOT,
          "nodes %d, seed %d, lookup %s, median RTT %.0f ms (log-normal, 20-300 ms), bootstrap failures %d%n",
          nodes, seed, lookup, medianRttMillis, bootstrapFailures));
      b.append("build: ").append(build);
      if (warmupMessages > 0) {
        b.append(String.format(Locale.ROOT, " (%d warm-up queries, %.1f per node)", warmupMessages,
            (double) warmupMessages / nodes));
      }
      b.append(String.format(Locale.ROOT, "%n"));
      for (Phase p : dead == null ? List.of(stable) : List.of(stable, dead)) {
        b.append(String.format(Locale.ROOT, "-- %s: %d lookups, %.1f s wall%n", p.name(), p.lookups(),
            p.wallSeconds()));
        b.append(String.format(Locale.ROOT,
            "exact %.2f %%, closest found %.2f %%, only live nodes %.2f %%%n",
            100 * p.exactness(), 100 * p.closestFound(), 100 * p.onlyLive()));
        b.append(line("lookup time ms     ", p.timeMillis()));
        b.append(inRtts(p.timeMillis()));
        b.append(line("k closest known ms ", p.resultMillis()));
        b.append(line("rounds             ", p.rounds()));
        b.append(line("messages           ", p.messages()));
        b.append(line("timeouts           ", p.timeouts()));
        b.append(line("reply RTT ms       ", p.replyRttMillis()));
        b.append(String.format(Locale.ROOT,
            "bounds on the same tables (LookupBounds): true k closest all reachable in %.2f %% of lookups%n",
            100 * p.oracleReachable()));
        b.append(line("oracle bound ms    ", p.oracleMillis()));
        b.append(inRtts(p.oracleMillis()));
        for (Flood f : List.of(p.floodAtCap(), p.floodAtFloor())) {
          b.append(String.format(Locale.ROOT, "flood, give-up %.0f ms: exact %.2f %%%n", f.giveUpMillis(),
              100 * f.exactness()));
          b.append(line("  time ms          ", f.millis()));
          b.append(inRtts(f.millis()));
          b.append(line("  queries          ", f.queries()));
        }
        Peers peers = p == stable ? stablePeers : deadPeers;
        if (peers != null) {
          b.append(String.format(Locale.ROOT, "-- get_peers, %s: %d announce/get_peers pairs, announcer found %.2f %%%n",
              peers.name(), peers.trials(), 100 * peers.found()));
          b.append(line("first peers ms     ", peers.firstPeersMillis()));
          b.append(inRtts(peers.firstPeersMillis()));
          b.append(line("get_peers time ms  ", peers.lookupMillis()));
          b.append(line("messages           ", peers.messages()));
        }
      }
      b.append(String.format(Locale.ROOT,
          "build %.1f s wall; %.0f virtual s, %d datagrams in all%n", buildWallSeconds, virtualSeconds,
          datagrams));
      return b.toString();
    }

    private String inRtts(Percentiles p) {
      return String.format(Locale.ROOT, "  in median RTTs      median %.2f  p90 %.2f  p99 %.2f%n",
          p.median() / medianRttMillis, p.p90() / medianRttMillis, p.p99() / medianRttMillis);
    }

    private static String line(String name, Percentiles p) {
      return String.format(Locale.ROOT, "%s median %s  p90 %s  p99 %s  max %s%n", name, n(p.median()), n(p.p90()),
          n(p.p99()), n(p.max()));
    }

    private static String n(double v) {
      return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
  }

  /** Runs the experiment; {@code lookupConfig} is "default" or "wide". */
  public static Report run(int nodes, int lookups, long seed, double deadFraction, String lookupConfig) {
    return run(nodes, lookups, seed, deadFraction, lookupConfig, 0, 0, Build.JOINS);
  }

  /** As {@link #run(int, int, long, double, String)}, overriding alpha and the in-flight cap when positive. */
  public static Report run(
      int nodes, int lookups, long seed, double deadFraction, String lookupConfig, int alpha, int maxInFlight) {
    return run(nodes, lookups, seed, deadFraction, lookupConfig, alpha, maxInFlight, Build.JOINS);
  }

  /** As {@link #run(int, int, long, double, String, int, int)}, the cluster built as {@code build} says. */
  public static Report run(
      int nodes,
      int lookups,
      long seed,
      double deadFraction,
      String lookupConfig,
      int alpha,
      int maxInFlight,
      Build build) {
    return run(nodes, lookups, seed, deadFraction, lookupConfig, alpha, maxInFlight, build, 0);
  }

  /**
   * As {@link #run(int, int, long, double, String, int, int, Build)}, with a get_peers phase of {@code getPeers}
   * announce/get_peers pairs after each find_node phase (none when 0; the phases after it then see a different
   * random stream than without).
   */
  public static Report run(
      int nodes,
      int lookups,
      long seed,
      double deadFraction,
      String lookupConfig,
      int alpha,
      int maxInFlight,
      Build build,
      int getPeers) {
    DhtConfig config = DhtConfig.privateNetwork();
    if (lookupConfig.equals("wide")) {
      config = wide(config);
    } else if (!lookupConfig.equals("default")) {
      throw new IllegalArgumentException("lookup must be default or wide, got " + lookupConfig);
    }
    if (alpha > 0) {
      config = config.toBuilder().alpha(alpha).lookupMaxInFlight(Math.max(alpha, config.lookupMaxInFlight())).build();
      lookupConfig += " alpha " + alpha;
    }
    if (maxInFlight > 0) {
      config = config.toBuilder().lookupMaxInFlight(maxInFlight).build();
      lookupConfig += " max-in-flight " + maxInFlight;
    }
    NetworkConditions network = NetworkConditions.internetRtt();
    double medianRtt = 2 * network.latencyMedian().toNanos() / 1e6;
    long start = System.nanoTime();
    ClusterSpec spec = ClusterSpec.of(nodes, seed).withNetwork(network).withConfig(config);
    SimCluster cluster;
    long warmupMessages = 0;
    if (build.seeded()) {
      cluster = SimCluster.startSeeded(spec, build.joins());
      if (build.warmup()) {
        warmupMessages = warmUp(cluster, nodes - build.joins());
      }
    } else {
      cluster = SimCluster.start(spec);
    }
    long built = System.nanoTime();
    Phase stable = phase("0 % unresponsive", cluster, lookups, Set.of());
    Peers stablePeers = getPeers > 0 ? peersPhase(stable.name(), cluster, getPeers) : null;
    Phase dead = null;
    Peers deadPeers = null;
    if (deadFraction > 0) {
      Set<NodeId> victims = new HashSet<>();
      for (SimHost h : cluster.crashRandom(deadFraction)) {
        victims.add(h.id());
      }
      dead = phase(String.format(Locale.ROOT, "%.0f %% unresponsive", 100 * deadFraction), cluster, lookups,
          victims);
      deadPeers = getPeers > 0 ? peersPhase(dead.name(), cluster, getPeers) : null;
    }
    return new Report(nodes, seed, lookupConfig, deadFraction, medianRtt, build.describe(), warmupMessages,
        cluster.bootstrapFailures(), stable, dead, stablePeers, deadPeers, (built - start) / 1e9,
        cluster.nowNanos() / 1e9, cluster.network().stats().delivered());
  }

  private static Peers peersPhase(String name, SimCluster cluster, int trials) {
    List<AnnounceSample> samples = AnnounceWorkload.run(cluster, trials, CONCURRENCY, BATCH_TIMEOUT);
    int found = 0;
    List<Double> first = new ArrayList<>();
    double[] time = new double[samples.size()];
    double[] messages = new double[samples.size()];
    for (int i = 0; i < samples.size(); i++) {
      AnnounceSample s = samples.get(i);
      if (s.found()) {
        found++;
      }
      s.lookup().firstPeersNanos().ifPresent(t -> first.add(t / 1e6));
      time[i] = s.lookup().lookup().durationNanos() / 1e6;
      messages[i] = s.lookup().lookup().messagesSent();
    }
    return new Peers(name, samples.size(), samples.isEmpty() ? 1 : (double) found / samples.size(),
        Percentiles.of(first.stream().mapToDouble(Double::doubleValue).toArray()), Percentiles.of(time),
        Percentiles.of(messages));
  }

  /**
   * The self-lookup a bootstrap would have run, for each of the first {@code seeded} hosts (the seeded ones), started
   * evenly over {@link #WARMUP_SPREAD} in order of creation; runs until all are done, then {@code spec.settle()}.
   * Returns the queries they sent.
   */
  static long warmUp(SimCluster cluster, int seeded) {
    List<java.util.concurrent.CompletableFuture<LookupResult>> lookups = new ArrayList<>(seeded);
    long start = cluster.nowNanos();
    long spread = WARMUP_SPREAD.toNanos();
    for (int i = 0; i < seeded; i++) {
      SimHost host = cluster.host(i);
      cluster.scheduler().schedule(start + spread * i / seeded,
          () -> lookups.add(host.run(node -> node.findNode(host.id()))));
    }
    cluster.scheduler().runUntil(start + spread);
    cluster.awaitAll(lookups, BATCH_TIMEOUT);
    long messages = 0;
    for (java.util.concurrent.CompletableFuture<LookupResult> f : lookups) {
      messages += f.join().messagesSent();
    }
    cluster.runFor(cluster.spec().settle());
    return messages;
  }

  private static Phase phase(String name, SimCluster cluster, int lookups, Set<NodeId> dead) {
    long wall = System.nanoTime();
    Map<Endpoint, SimHost> byEndpoint = new HashMap<>();
    for (SimHost h : cluster.hosts()) {
      byEndpoint.put(h.endpoint(), h);
    }
    NetworkConditions conditions = cluster.spec().network();
    long atCap = 2 * (conditions.latencyMax().toNanos() + conditions.jitterMax().toNanos());
    long atFloor = cluster.spec().config().rpcTimeoutMin().toNanos() / 2;
    List<LookupBounds.Bounds> cap = new ArrayList<>(lookups);
    List<LookupBounds.Bounds> floor = new ArrayList<>(lookups);
    List<LookupSample> samples = LookupWorkload.run(cluster, lookups, CONCURRENCY, BATCH_TIMEOUT,
        (querier, target) -> {
          cap.add(bounds(cluster, byEndpoint, querier, target, atCap));
          floor.add(bounds(cluster, byEndpoint, querier, target, atFloor));
        });
    double wallSeconds = (System.nanoTime() - wall) / 1e9;
    if (Boolean.getBoolean("dht.sim.explain")) {
      explain(name, samples);
    }
    int n = samples.size();
    double[] time = new double[n];
    double[] result = new double[n];
    double[] rounds = new double[n];
    double[] messages = new double[n];
    double[] timeouts = new double[n];
    List<Double> rtts = new ArrayList<>();
    int closest = 0;
    int onlyLive = 0;
    for (int i = 0; i < n; i++) {
      LookupSample s = samples.get(i);
      LookupResult r = s.result();
      time[i] = r.durationNanos() / 1e6;
      rounds[i] = r.rounds();
      messages[i] = r.messagesSent();
      timeouts[i] = r.timeouts();
      result[i] = resultNanos(r) / 1e6;
      for (LookupStep step : r.steps()) {
        if (step.outcome() == LookupStep.Outcome.REPLIED) {
          rtts.add((step.doneNanos() - step.sentNanos()) / 1e6);
        }
      }
      if (!r.closest().isEmpty() && !s.expected().isEmpty()
          && r.closest().get(0).id().equals(s.expected().get(0).id())) {
        closest++;
      }
      if (r.closest().stream().noneMatch(c -> dead.contains(c.id()))) {
        onlyLive++;
      }
    }
    List<Double> oracle = new ArrayList<>();
    for (LookupBounds.Bounds b : cap) {
      if (b.oracleReachable()) {
        oracle.add(b.oracleNanos() / 1e6);
      }
    }
    return new Phase(name, n, LookupWorkload.exactness(samples), n == 0 ? 1 : (double) closest / n,
        n == 0 ? 1 : (double) onlyLive / n, Percentiles.of(time), Percentiles.of(result), Percentiles.of(rounds),
        Percentiles.of(messages), Percentiles.of(timeouts),
        Percentiles.of(rtts.stream().mapToDouble(Double::doubleValue).toArray()),
        Percentiles.of(oracle.stream().mapToDouble(Double::doubleValue).toArray()),
        n == 0 ? 1 : (double) oracle.size() / n, Flood.of(atCap / 1e6, cap), Flood.of(atFloor / 1e6, floor),
        wallSeconds);
  }

  /**
   * The {@link LookupBounds} of a lookup of {@code target} by {@code querier}, read from the network as it is now:
   * the querier's whole table to start from, each node's find_node reply from its table, round trips without
   * jitter, the flood giving up on a silent contact after {@code giveUp}.
   */
  static LookupBounds.Bounds bounds(
      SimCluster cluster, Map<Endpoint, SimHost> byEndpoint, SimHost querier, NodeId target, long giveUp) {
    int k = cluster.spec().config().k();
    long now = cluster.nowNanos();
    RoutingTable table = querier.node().routingTable();
    List<Contact> initial = table.closest(target, table.size(), now);
    LookupBounds.Network network = new LookupBounds.Network() {
      @Override
      public boolean live(Contact c) {
        SimHost h = byEndpoint.get(c.endpoint());
        return h != null && h.isUp() && h.id().equals(c.id());
      }

      @Override
      public long rttNanos(Contact c) {
        return 2 * cluster.network().baseLatency(querier.endpoint(), c.endpoint()).toNanos();
      }

      @Override
      public List<Contact> reply(Contact c) {
        return byEndpoint.get(c.endpoint()).node().routingTable().closest(target, k, now);
      }
    };
    return LookupBounds.of(querier.id(), target, initial, cluster.trueClosest(target, k, querier.id()), network,
        giveUp);
  }

  /** Prints why the first inexact lookups missed nodes (-Ddht.sim.explain=true). */
  private static void explain(String name, List<LookupSample> samples) {
    List<LookupSample> byTime = new ArrayList<>(samples);
    byTime.sort(java.util.Comparator.comparingLong(x -> x.result().durationNanos()));
    for (double q : new double[] {0.5, 0.99}) {
      LookupResult r = byTime.get((int) (q * (byTime.size() - 1))).result();
      long start = r.steps().isEmpty() ? 0 : r.steps().get(0).sentNanos();
      System.out.printf(Locale.ROOT, "[%s] lookup at quantile %.2f: %.1f ms, %d rounds%n", name, q,
          r.durationNanos() / 1e6, r.rounds());
      List<NodeId> truth = new ArrayList<>();
      LookupSample sample = byTime.get((int) (q * (byTime.size() - 1)));
      for (Contact c : sample.expected()) {
        truth.add(c.id());
      }
      for (LookupStep step : r.steps()) {
        System.out.printf(Locale.ROOT, "  r%d %s%s sent %.1f %s %.1f%n", step.round(),
            step.contact().id().toString().substring(0, 8), truth.contains(step.contact().id()) ? "*" : " ",
            (step.sentNanos() - start) / 1e6, step.outcome(), (step.doneNanos() - start) / 1e6);
      }
    }
    int shown = 0;
    for (LookupSample s : samples) {
      if (s.exact() || shown++ >= 5) {
        continue;
      }
      LookupResult r = s.result();
      long start = r.steps().isEmpty() ? 0 : r.steps().get(0).sentNanos();
      System.out.printf(Locale.ROOT, "[%s] inexact: %d missing, duration %.1f ms%n", name, s.missing().size(),
          r.durationNanos() / 1e6);
      for (Contact m : s.missing()) {
        String how = "never queried";
        for (LookupStep step : r.steps()) {
          if (step.contact().id().equals(m.id())) {
            how = String.format(Locale.ROOT, "round %d sent at %.1f, %s at %.1f ms", step.round(),
                (step.sentNanos() - start) / 1e6, step.outcome(), (step.doneNanos() - start) / 1e6);
          }
        }
        System.out.println("  missing " + m.id() + ": " + how);
      }
    }
  }

  /** Time from the first query until every node of the final answer had replied. */
  static long resultNanos(LookupResult r) {
    if (r.steps().isEmpty()) {
      return r.durationNanos();
    }
    long start = Long.MAX_VALUE;
    for (LookupStep step : r.steps()) {
      start = Math.min(start, step.sentNanos());
    }
    Set<NodeId> answer = new HashSet<>();
    for (Contact c : r.closest()) {
      answer.add(c.id());
    }
    long last = start;
    for (LookupStep step : r.steps()) {
      if (step.outcome() == LookupStep.Outcome.REPLIED && answer.contains(step.contact().id())) {
        last = Math.max(last, step.doneNanos());
      }
    }
    return last - start;
  }

  /**
   * {@code --nodes N --lookups M --seed S [--dead F] [--lookup default|wide] [--alpha A] [--max-in-flight M]
   * [--seeded [--joins J] [--no-warmup]] [--get-peers N]}.
   */
  public static void main(String[] args) {
    Supplier<Report> experiment =
        ExperimentArgs.parseOrExit(
            args,
            "LatencyExperiment --nodes N --lookups M --seed S [--dead F] [--lookup default|wide]"
                + " [--alpha A] [--max-in-flight M] [--seeded [--joins J] [--no-warmup]] [--get-peers N]",
            Set.of("--seeded", "--no-warmup"),
            Set.of("--nodes", "--lookups", "--seed", "--dead", "--lookup", "--alpha", "--max-in-flight", "--joins",
                "--get-peers"),
            a -> {
              int nodes = a.intValue("--nodes", 1000);
              int lookups = a.intValue("--lookups", 1000);
              long seed = a.longValue("--seed", 1);
              double dead = a.doubleValue("--dead", 0.5);
              String lookup = a.string("--lookup", "default");
              int alpha = a.intValue("--alpha", 0);
              int maxInFlight = a.intValue("--max-in-flight", 0);
              boolean seeded = a.has("--seeded");
              int joins = a.intValue("--joins", 0);
              boolean warmup = !a.has("--no-warmup");
              int getPeers = a.intValue("--get-peers", 0);
              ExperimentArgs.require(
                  nodes >= 2 && lookups >= 0 && dead >= 0 && dead < 1
                      && (lookup.equals("default") || lookup.equals("wide")),
                  "need --nodes >= 2, --lookups >= 0, 0 <= --dead < 1, --lookup default|wide");
              ExperimentArgs.require(
                  seeded || (joins == 0 && warmup), "--joins and --no-warmup need --seeded");
              ExperimentArgs.require(joins >= 0 && joins < nodes, "need 0 <= --joins < --nodes");
              ExperimentArgs.require(getPeers >= 0, "need --get-peers >= 0");
              Build build = seeded ? new Build(true, joins, warmup) : Build.JOINS;
              return () -> run(nodes, lookups, seed, dead, lookup, alpha, maxInFlight, build, getPeers);
            });
    System.out.print(experiment.get().format());
  }
}
