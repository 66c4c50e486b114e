package io.dht.sim;

import io.dht.id.NodeId;
import io.dht.item.ImmutableItem;
import io.dht.item.Item;
import io.dht.item.ItemStore;
import io.dht.node.DhtConfig;
import io.dht.node.DhtNode;
import io.dht.node.DurabilityStats;
import io.dht.node.ItemResult;
import io.dht.node.NodeStats;
import io.dht.node.PutResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * Do BEP 44 items survive churn? Builds a cluster, has random publishers put {@code items} immutable items (data
 * drawn from the seed) and then stay silent (or keep them alive with durable puts), and runs one of three
 * scenarios, sampling from the global view every {@code sampleEvery}: how many items still have a copy on a live
 * node, how many are held by all k of their true k closest live nodes, and the repair traffic so far. At the end
 * every item is looked up with a BEP 44 get from a random live node that does not hold it.
 *
 * <ul>
 *   <li>{@link Scenario#CRASH}: right after the puts, every item loses all but exactly one of its holders at once
 *       ({@link SurvivorChoice}); the network then runs {@code duration} for the holders' checks to repair.
 *   <li>{@link Scenario#CHURN}: for {@code duration}, every node leaves (crashes) after an exponentially
 *       distributed session with median {@code medianSession}, and each departure is replaced at once by a
 *       newcomer that bootstraps from a random live node; newcomers churn the same way.
 *   <li>{@link Scenario#GRACEFUL}: every holder of {@code leavingItems} random items leaves gracefully, one after
 *       another ({@link DhtNode#handOffAll()}, then close).
 * </ul>
 *
 * <p>Wall-clock seconds are measured only to report the simulator's speed; they never feed the simulation.
 *
 * <pre>{@code
 * java -cp dht-sim/target/classes:dht-core/target/classes:dht-bencode/target/classes \
 *     io.dht.sim.DurabilityExperiment --scenario churn --nodes 1000 --items 1000 --seed 1 --hours 24
 * }</pre>
 */
public final class DurabilityExperiment {
  /** An item check interval that never comes within a run: holder-side checks, and with them handoffs, are off. */
  public static final Duration CHECKS_OFF = Duration.ofDays(1000);
  /** Puts and gets in flight at once. */
  static final int CONCURRENCY = 50;
  /** Virtual time a batch of puts or gets may take. */
  static final Duration BATCH_TIMEOUT = Duration.ofMinutes(5);
  /** CRASH: local-search steps for the choice of survivors. */
  static final int SURVIVOR_SEARCH_STEPS = 200_000;
  /** CRASH: newcomers replacing crashed nodes join one every this long. */
  static final Duration JOIN_SPACING = Duration.ofMillis(20);
  /** Virtual time one graceful leave (hand-off of everything the node holds) may take. */
  static final Duration LEAVE_TIMEOUT = Duration.ofMinutes(30);

  private DurabilityExperiment() {}

  /** What happens to the nodes after the items are published. */
  public enum Scenario {
    CRASH,
    CHURN,
    GRACEFUL
  }

  /**
   * One experiment.
   *
   * @param scenario what happens after the puts
   * @param nodes nodes in the cluster (kept constant under churn)
   * @param items immutable items published
   * @param seed the one seed
   * @param checkInterval every node's {@link DhtConfig#itemCheckInterval()}; {@link #CHECKS_OFF} to disable
   * @param durable publishers put with {@link DhtNode#putDurable} (re-put every {@link
   *     DhtConfig#republishInterval()} for as long as they are up) instead of once
   * @param duration CRASH: time after the crash; CHURN: time the churn lasts; GRACEFUL: time after the last leave
   * @param medianSession CHURN: median session length (exponential sessions, mean = median / ln 2)
   * @param sampleEvery time between two samples
   * @param leavingItems GRACEFUL: the items whose holders all leave
   * @param replace CRASH: as many newcomers as crashed join right after the crash
   * @param handoff holders push items to newly met closer nodes ({@link DhtConfig#handoffsPerSecond()} &gt; 0);
   *     a graceful leave hands everything over either way
   */
  public record Options(
      Scenario scenario,
      int nodes,
      int items,
      long seed,
      Duration checkInterval,
      boolean durable,
      Duration duration,
      Duration medianSession,
      Duration sampleEvery,
      int leavingItems,
      boolean replace,
      boolean handoff) {

    public Options {
      if (nodes < 10 || items < 1 || leavingItems < 0 || leavingItems > items) {
        throw new IllegalArgumentException("need nodes >= 10, items >= 1, 0 <= leavingItems <= items");
      }
      for (Duration d : new Duration[] {checkInterval, duration, medianSession, sampleEvery}) {
        if (d == null || d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("durations must be positive");
        }
      }
    }

    /** (i): crash all but one holder of every item, then 2 hours of repair with the default 30-minute checks. */
    public static Options crash(int nodes, int items, long seed) {
      return new Options(
          Scenario.CRASH, nodes, items, seed, Duration.ofMinutes(30), false, Duration.ofHours(2),
          Duration.ofHours(2), Duration.ofMinutes(30), 0, false, true);
    }

    /** (ii): 24 hours of churn, median session 2 hours, default 30-minute checks, samples every 2 hours. */
    public static Options churn(int nodes, int items, long seed) {
      return new Options(
          Scenario.CHURN, nodes, items, seed, Duration.ofMinutes(30), false, Duration.ofHours(24),
          Duration.ofHours(2), Duration.ofHours(2), 0, false, true);
    }

    /** (iii): the holders of a tenth of the items leave gracefully, with checks off (hand-off alone). */
    public static Options graceful(int nodes, int items, long seed) {
      return new Options(
          Scenario.GRACEFUL, nodes, items, seed, CHECKS_OFF, false, Duration.ofMinutes(1), Duration.ofHours(2),
          Duration.ofMinutes(30), Math.max(1, items / 10), false, true);
    }

    public Options withCheckInterval(Duration value) {
      return new Options(
          scenario, nodes, items, seed, value, durable, duration, medianSession, sampleEvery,
          leavingItems, replace, handoff);
    }

    public Options withDurable(boolean value) {
      return new Options(
          scenario, nodes, items, seed, checkInterval, value, duration, medianSession, sampleEvery,
          leavingItems, replace, handoff);
    }

    public Options withDuration(Duration value) {
      return new Options(
          scenario, nodes, items, seed, checkInterval, durable, value, medianSession, sampleEvery,
          leavingItems, replace, handoff);
    }

    public Options withMedianSession(Duration value) {
      return new Options(
          scenario, nodes, items, seed, checkInterval, durable, duration, value, sampleEvery,
          leavingItems, replace, handoff);
    }

    public Options withSampleEvery(Duration value) {
      return new Options(
          scenario, nodes, items, seed, checkInterval, durable, duration, medianSession, value,
          leavingItems, replace, handoff);
    }

    public Options withReplace(boolean value) {
      return new Options(
          scenario, nodes, items, seed, checkInterval, durable, duration, medianSession, sampleEvery, leavingItems,
          value, handoff);
    }

    public Options withLeavingItems(int value) {
      return new Options(
          scenario, nodes, items, seed, checkInterval, durable, duration, medianSession, sampleEvery,
          value, replace, handoff);
    }

    public Options withHandoff(boolean value) {
      return new Options(
          scenario, nodes, items, seed, checkInterval, durable, duration, medianSession, sampleEvery,
          leavingItems, replace, value);
    }

    /** Whether holder-side checks run within the experiment. */
    public boolean checksOn() {
      return checkInterval.compareTo(Duration.ofDays(365)) < 0;
    }

    /** The node config: private-network defaults with this check interval, and handoff on or off. */
    public DhtConfig config() {
      return DhtConfig.privateNetwork().toBuilder()
          .itemCheckInterval(checkInterval)
          .handoffsPerSecond(handoff ? DhtConfig.privateNetwork().handoffsPerSecond() : 0)
          .build();
    }
  }

  /**
   * The global view at one moment. Counters are totals over every node that ever ran (a departed node's as at its
   * departure), since the start of the scenario (the moment the puts were done).
   *
   * @param hours virtual hours since the scenario started
   * @param liveNodes nodes up
   * @param itemsWithCopy items with an unexpired copy on at least one live node
   * @param itemsFull items held by all k of their true k closest live nodes
   * @param itemsWithK items with copies on at least k live nodes (anywhere)
   * @param minCopiesClosest the fewest of an item's true k closest live nodes that hold it
   * @param meanCopiesClosest mean number of the true k closest live nodes holding an item
   * @param meanCopiesLive mean number of live nodes holding an item (includes copies no longer among the k closest)
   * @param checks item checks completed
   * @param repairPuts puts sent by checks to close nodes lacking a copy
   * @param handoffs puts sent to newly met closer nodes
   * @param republishes durable re-puts by publishers
   * @param bep44Queries BEP 44 get and put queries received by all nodes
   * @param datagrams datagrams delivered by the network (all traffic: routing upkeep, bootstraps, BEP 44)
   */
  public record Sample(
      double hours,
      int liveNodes,
      int itemsWithCopy,
      int itemsFull,
      int itemsWithK,
      int minCopiesClosest,
      double meanCopiesClosest,
      double meanCopiesLive,
      long checks,
      long repairPuts,
      long handoffs,
      long republishes,
      long bep44Queries,
      long datagrams) {}

  /**
   * The outcome.
   *
   * @param options what ran
   * @param bootstrapFailures bootstraps that failed while the cluster was built
   * @param storedOn per item, the nodes that acknowledged its first put
   * @param minStoredOn the fewest nodes that acknowledged an item's first put
   * @param samples the global view over time (the first at hour 0, after the puts; the last at the end)
   * @param crashed nodes crashed (CRASH, CHURN) or left gracefully (GRACEFUL)
   * @param joined newcomers (CHURN)
   * @param exactlyOneSurvivor CRASH: items that kept exactly one holder through the crash alone
   * @param moreSurvivors CRASH: items that kept two or more, and then lost all copies but one
   * @param forgotten CRASH: copies destroyed on surviving nodes ({@link SimHost#forget})
   * @param handedOff GRACEFUL: items handed off, summed over the leaving nodes
   * @param retrieved items a final get from a random live non-holder returned intact
   * @param lost targets (hex) of the items the final get did not return
   * @param invariantViolations routing-table invariant violations and internal errors at the end
   * @param wallSeconds wall-clock seconds for the whole run
   */
  public record Report(
      Options options,
      int bootstrapFailures,
      Percentiles storedOn,
      int minStoredOn,
      List<Sample> samples,
      int crashed,
      int joined,
      int exactlyOneSurvivor,
      int moreSurvivors,
      int forgotten,
      long handedOff,
      int retrieved,
      List<String> lost,
      List<String> invariantViolations,
      double wallSeconds) {

    public Sample last() {
      return samples.get(samples.size() - 1);
    }

    /** Share of the items the final gets returned. */
    public double retrievedShare() {
      return retrieved / (double) options.items();
    }

    /** BEP 44 queries (gets and puts received) per item per hour over the whole scenario. */
    public double bep44QueriesPerItemHour() {
      Sample first = samples.get(0);
      Sample end = last();
      double hours = end.hours() - first.hours();
      return hours <= 0 ? 0 : (end.bep44Queries() - first.bep44Queries()) / (options.items() * hours);
    }

    /** Human-readable: the options, the outcome, and one line per sample. */
    public String format() {
      Options o = options;
      StringBuilder out = new StringBuilder();
      out.append(String.format(Locale.ROOT,
          "scenario %s, nodes %d, items %d, seed %d, item checks %s, handoff %s, durable puts %s, duration %s%s%n",
          o.scenario().name().toLowerCase(Locale.ROOT), o.nodes(), o.items(), o.seed(),
          o.checksOn() ? "every " + human(o.checkInterval()) : "off", o.handoff() ? "on" : "off",
          o.durable() ? "on" : "off",
          human(o.duration()),
          switch (o.scenario()) {
            case CHURN -> ", median session " + human(o.medianSession());
            case GRACEFUL -> ", holders of " + o.leavingItems() + " items leave";
            case CRASH -> "";
          }));
      out.append(String.format(Locale.ROOT, "bootstrap failures %d; first put stored on median %s, min %s nodes%n",
          bootstrapFailures, n(storedOn.median()), minStoredOn));
      switch (o.scenario()) {
        case CRASH -> out.append(String.format(Locale.ROOT,
            "crashed %d of %d nodes at once (%d newcomers after); items left with exactly 1 holder by the crash %d,"
                + " with more %d, whose extra copies were destroyed (%d copies): every item down to 1 copy%n",
            crashed, o.nodes(), joined, exactlyOneSurvivor, moreSurvivors, forgotten));
        case CHURN -> out.append(String.format(Locale.ROOT,
            "departures (crashes) %d, newcomers %d%n", crashed, joined));
        case GRACEFUL -> out.append(String.format(Locale.ROOT,
            "left gracefully %d nodes, items handed off %d%n", crashed, handedOff));
      }
      out.append(String.format(Locale.ROOT,
          "retrievable at the end %d / %d (%.2f %%), lost %d%s%n",
          retrieved, o.items(), 100.0 * retrievedShare(), lost.size(),
          lost.isEmpty() ? "" : " e.g. " + lost.subList(0, Math.min(3, lost.size()))));
      out.append(String.format(Locale.ROOT,
          "BEP 44 queries per item per hour %.1f; invariant violations %d; wall time %.1f s%n",
          bep44QueriesPerItemHour(), invariantViolations.size(), wallSeconds));
      out.append(String.format(Locale.ROOT, "%7s %6s %6s %6s %6s %5s %7s %7s %8s %8s %8s %7s %10s %11s%n",
          "hours", "live", "alive", ">=k", "full", "min", "copiesK", "copies", "checks", "repairs", "handoffs",
          "reputs", "bep44 q", "datagrams"));
      for (Sample s : samples) {
        out.append(String.format(Locale.ROOT,
            "%7.2f %6d %6d %6d %6d %5d %7.2f %7.2f %8d %8d %8d %7d %10d %11d%n",
            s.hours(), s.liveNodes(), s.itemsWithCopy(), s.itemsWithK(), s.itemsFull(), s.minCopiesClosest(),
            s.meanCopiesClosest(), s.meanCopiesLive(), s.checks(), s.repairPuts(), s.handoffs(), s.republishes(),
            s.bep44Queries(), s.datagrams()));
      }
      out.append("alive: items with a copy on a live node; >=k: with copies on at least k live nodes; full: held by"
          + " all k of their true k closest live nodes; min, copiesK: fewest and mean copies among the true k"
          + " closest; copies: mean copies on live nodes; counters (checks .. datagrams) are totals since hour 0")
          .append(System.lineSeparator());
      return out.toString();
    }
  }

  private static String n(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String human(Duration d) {
    if (d.compareTo(Duration.ofDays(365)) >= 0) {
      return d.toDays() + " d";
    }
    if (d.toMinutes() % 60 == 0 && d.toHours() > 0) {
      return d.toHours() + " h";
    }
    return d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
  }

  /** Runs one experiment; see the class comment. */
  public static Report run(Options options) {
    long wallStart = System.nanoTime();
    return new Run(options).execute(wallStart);
  }

  /** The state of one run. */
  private static final class Run {
    final Options options;
    final SimCluster cluster;
    final RandomGenerator random;
    final int k;
    final List<ImmutableItem> items = new ArrayList<>();
    final Map<NodeId, Integer> itemIndex = new HashMap<>();
    final List<Sample> samples = new ArrayList<>();
    long startNanos;
    long lastSampleNanos;
    long datagramsAtStart;
    long[] countersAtStart;
    int crashed;
    int joined;
    int exactlyOne;
    int moreSurvivors;
    int forgotten;
    long handedOff;
    boolean churning;
    final List<SimHost> live = new ArrayList<>();

    Run(Options options) {
      this.options = options;
      this.cluster = SimCluster.start(ClusterSpec.of(options.nodes(), options.seed()).withConfig(options.config()));
      this.random = cluster.random().workload();
      this.k = options.config().k();
    }

    Report execute(long wallStart) {
      double[] stored = publish();
      int minStored = Integer.MAX_VALUE;
      for (double v : stored) {
        minStored = Math.min(minStored, (int) v);
      }
      startNanos = cluster.nowNanos();
      datagramsAtStart = cluster.network().stats().delivered();
      countersAtStart = counters();
      samples.add(sample());
      switch (options.scenario()) {
        case CRASH -> crash();
        case CHURN -> churn();
        case GRACEFUL -> leaveGracefully();
      }
      if (options.scenario() != Scenario.CHURN) {
        runSampling(cluster.nowNanos() + options.duration().toNanos());
      }
      churning = false;
      if (lastSampleNanos < cluster.nowNanos()) {
        samples.add(sample());
      }
      List<String> lost = probe();
      List<String> violations = cluster.invariantViolations();
      return new Report(
          options,
          cluster.bootstrapFailures(),
          Percentiles.of(stored),
          minStored,
          List.copyOf(samples),
          crashed,
          joined,
          exactlyOne,
          moreSurvivors,
          forgotten,
          handedOff,
          options.items() - lost.size(),
          lost,
          violations,
          (System.nanoTime() - wallStart) / 1e9);
    }

    /** Random publishers put the items, {@code CONCURRENCY} at a time; returns how many nodes stored each. */
    double[] publish() {
      for (int i = 0; i < options.items(); i++) {
        byte[] data = new byte[16 + random.nextInt(185)];
        random.nextBytes(data);
        ImmutableItem item = ImmutableItem.ofBytes(data);
        if (itemIndex.putIfAbsent(item.target(), items.size()) == null) {
          items.add(item);
        } else {
          i--;
        }
      }
      List<SimHost> hosts = cluster.liveHosts();
      double[] stored = new double[items.size()];
      for (int done = 0; done < items.size(); ) {
        int batch = Math.min(CONCURRENCY, items.size() - done);
        List<CompletableFuture<PutResult>> puts = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
          ImmutableItem item = items.get(done + i);
          SimHost publisher = hosts.get(random.nextInt(hosts.size()));
          puts.add(cluster.submit(publisher, node -> options.durable()
              ? node.putDurable(item)
              : node.putItem(item, OptionalLong.empty())));
        }
        cluster.awaitAll(puts, BATCH_TIMEOUT);
        for (int i = 0; i < batch; i++) {
          stored[done + i] = puts.get(i).join().storedOn().size();
        }
        done += batch;
      }
      return stored;
    }

    // ------------------------------------------------------------------ scenarios

    /**
     * The crash of (i). {@link SurvivorChoice} picks, among all nodes holding items, the survivors such that as many
     * items as possible keep exactly one holder and none keeps none; every other holder crashes at once. No choice
     * of survivors gives every item exactly one (see {@link SurvivorChoice}), so at the same instant each item that
     * kept two or more holders loses its copy on all but one of them, chosen at random ({@link SimHost#forget}, a
     * disk losing one file): afterwards every item has exactly one copy, on a live node. With {@code replace}, as
     * many newcomers as crashed then join, one every {@code JOIN_SPACING}, each from a random survivor.
     */
    void crash() {
      List<SimHost> hosts = cluster.liveHosts();
      List<List<SimHost>> holders = holders(hosts);
      Map<SimHost, Integer> index = new HashMap<>();
      List<SimHost> universe = new ArrayList<>();
      int[][] sets = new int[items.size()][];
      for (int i = 0; i < items.size(); i++) {
        if (holders.get(i).isEmpty()) {
          throw new IllegalStateException(
              "item " + items.get(i).target() + " has no holder after its put (seed " + options.seed() + ")");
        }
        for (SimHost h : holders.get(i)) {
          if (index.putIfAbsent(h, universe.size()) == null) {
            universe.add(h);
          }
        }
        sets[i] = holders.get(i).stream().mapToInt(index::get).toArray();
      }
      SurvivorChoice.Result choice = SurvivorChoice.choose(sets, universe.size(), random, SURVIVOR_SEARCH_STEPS);
      exactlyOne = choice.exactlyOne();
      List<SimHost> survivors = new ArrayList<>();
      for (int v = 0; v < universe.size(); v++) {
        if (choice.survivor()[v]) {
          survivors.add(universe.get(v));
        } else {
          cluster.crash(universe.get(v));
          crashed++;
        }
      }
      for (int i = 0; i < items.size(); i++) {
        List<SimHost> kept = new ArrayList<>();
        for (SimHost h : holders.get(i)) {
          if (h.isUp()) {
            kept.add(h);
          }
        }
        if (kept.size() > 1) {
          moreSurvivors++;
          kept.remove(random.nextInt(kept.size()));
          for (SimHost h : kept) {
            h.forget(items.get(i).target());
            forgotten++;
          }
        }
      }
      if (options.replace()) {
        List<SimHost> seeds = cluster.liveHosts();
        for (int j = 0; j < crashed; j++) {
          cluster.scheduler().schedule(
              cluster.nowNanos() + j * JOIN_SPACING.toNanos(),
              () -> cluster.join(List.of(seeds.get(random.nextInt(seeds.size())))));
        }
        joined = crashed;
      }
      samples.add(sample());
    }

    void churn() {
      live.addAll(cluster.liveHosts());
      churning = true;
      for (SimHost h : List.copyOf(live)) {
        scheduleDeparture(h);
      }
      runSampling(startNanos + options.duration().toNanos());
      churning = false;
    }

    private void scheduleDeparture(SimHost host) {
      double mean = options.medianSession().toNanos() / Math.log(2);
      long session = (long) (-Math.log(1 - random.nextDouble()) * mean);
      cluster.scheduler().schedule(cluster.nowNanos() + session, () -> depart(host));
    }

    private void depart(SimHost host) {
      if (!churning || !host.isUp()) {
        return;
      }
      cluster.crash(host);
      live.remove(host);
      crashed++;
      SimHost via = live.get(random.nextInt(live.size()));
      SimHost newcomer = cluster.join(List.of(via));
      live.add(newcomer);
      joined++;
      scheduleDeparture(newcomer);
    }

    void leaveGracefully() {
      List<SimHost> hosts = cluster.liveHosts();
      List<List<SimHost>> holders = holders(hosts);
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        order.add(i);
      }
      shuffle(order);
      List<SimHost> leaving = new ArrayList<>();
      for (int i : order.subList(0, options.leavingItems())) {
        for (SimHost h : holders.get(i)) {
          if (!leaving.contains(h)) {
            leaving.add(h);
          }
        }
      }
      shuffle(leaving);
      long nextSample = cluster.nowNanos() + options.sampleEvery().toNanos();
      for (SimHost h : leaving) {
        CompletableFuture<Integer> left = cluster.leave(h);
        cluster.awaitAll(List.of(left), LEAVE_TIMEOUT);
        handedOff += left.join();
        crashed++;
        if (cluster.nowNanos() >= nextSample) {
          samples.add(sample());
          nextSample += options.sampleEvery().toNanos();
        }
      }
    }

    /** Runs to {@code endNanos}, sampling every {@code sampleEvery} after the last sample. */
    void runSampling(long endNanos) {
      long every = options.sampleEvery().toNanos();
      long next = startNanos + every * (long) Math.floor((cluster.nowNanos() - startNanos) / (double) every + 1);
      while (next <= endNanos) {
        cluster.scheduler().runUntil(next);
        samples.add(sample());
        next += every;
      }
      cluster.scheduler().runUntil(endNanos);
    }

    // ------------------------------------------------------------------ measurement

    /** Per item, the live hosts among {@code hosts} whose store holds it now. */
    List<List<SimHost>> holders(List<SimHost> hosts) {
      List<List<SimHost>> out = new ArrayList<>(items.size());
      for (int i = 0; i < items.size(); i++) {
        out.add(new ArrayList<>(k));
      }
      long now = cluster.nowNanos();
      for (SimHost h : hosts) {
        if (!h.isUp()) {
          continue;
        }
        ItemStore store = h.node().itemStore();
        for (NodeId t : store.targets()) {
          Integer i = itemIndex.get(t);
          if (i != null && store.get(t, now).isPresent()) {
            out.get(i).add(h);
          }
        }
      }
      return out;
    }

    Sample sample() {
      List<SimHost> hosts = cluster.liveHosts();
      long now = cluster.nowNanos();
      List<List<SimHost>> holders = holders(hosts);
      int withCopy = 0;
      int full = 0;
      int withK = 0;
      int minClosest = Integer.MAX_VALUE;
      long copiesClosest = 0;
      long copiesLive = 0;
      for (int i = 0; i < items.size(); i++) {
        NodeId target = items.get(i).target();
        int live = holders.get(i).size();
        copiesLive += live;
        if (live > 0) {
          withCopy++;
        }
        if (live >= k) {
          withK++;
        }
        int near = 0;
        for (SimHost h : closest(hosts, target)) {
          if (h.node().itemStore().get(target, now).isPresent()) {
            near++;
          }
        }
        copiesClosest += near;
        minClosest = Math.min(minClosest, near);
        if (near >= Math.min(k, hosts.size())) {
          full++;
        }
      }
      long[] c = counters();
      lastSampleNanos = now;
      return new Sample(
          (now - startNanos) / 3600e9,
          hosts.size(),
          withCopy,
          full,
          withK,
          minClosest,
          copiesClosest / (double) items.size(),
          copiesLive / (double) items.size(),
          c[0] - countersAtStart[0],
          c[1] - countersAtStart[1],
          c[2] - countersAtStart[2],
          c[3] - countersAtStart[3],
          c[4] - countersAtStart[4],
          cluster.network().stats().delivered() - datagramsAtStart);
    }

    /** The true k closest among {@code hosts} (all live) to {@code target}. */
    List<SimHost> closest(List<SimHost> hosts, NodeId target) {
      SimHost[] best = new SimHost[k];
      int size = 0;
      for (SimHost h : hosts) {
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
      List<SimHost> out = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        out.add(best[i]);
      }
      return out;
    }

    /** Checks, repair puts, handoffs, republishes and BEP 44 queries received, over every node that ever ran. */
    long[] counters() {
      long[] c = new long[5];
      for (SimHost h : cluster.hosts()) {
        DurabilityStats d = h.lastDurabilityStats();
        NodeStats s = h.lastStats();
        if (d == null || s == null) {
          continue;
        }
        c[0] += d.itemsChecked();
        c[1] += d.repairPutsSent();
        c[2] += d.handoffsSent();
        c[3] += d.republishesSent();
        c[4] += s.itemGetsIn() + s.itemPutsIn();
      }
      return c;
    }

    /** A BEP 44 get of every item from a random live node that does not hold it; returns the items not found. */
    List<String> probe() {
      List<SimHost> hosts = cluster.liveHosts();
      long now = cluster.nowNanos();
      List<String> lost = new ArrayList<>();
      for (int done = 0; done < items.size(); ) {
        int batch = Math.min(CONCURRENCY, items.size() - done);
        List<CompletableFuture<ItemResult>> gets = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
          ImmutableItem item = items.get(done + i);
          SimHost getter = hosts.get(random.nextInt(hosts.size()));
          for (int tries = 0;
              tries < 100 && getter.node().itemStore().get(item.target(), now).isPresent();
              tries++) {
            getter = hosts.get(random.nextInt(hosts.size()));
          }
          gets.add(cluster.submit(getter, node -> node.getItem(item.target(), new byte[0])));
        }
        cluster.awaitAll(gets, BATCH_TIMEOUT);
        for (int i = 0; i < batch; i++) {
          ImmutableItem item = items.get(done + i);
          Item got = gets.get(i).join().item().orElse(null);
          if (!item.equals(got)) {
            lost.add(item.target().toString());
          }
        }
        done += batch;
      }
      return lost;
    }

    private <T> void shuffle(List<T> list) {
      for (int i = list.size() - 1; i > 0; i--) {
        Collections.swap(list, i, random.nextInt(i + 1));
      }
    }
  }

  // ------------------------------------------------------------------ command line

  /**
   * {@code --scenario crash|churn|graceful [--nodes N] [--items M] [--seed S] [--check-minutes X|off] [--durable]
   * [--replace] [--no-handoff] [--hours H] [--median-session-minutes M] [--sample-minutes M] [--leaving-items L]}; {@code --hours}
   * is the scenario's duration (churn length, or time after the crash / last leave).
   */
  public static void main(String[] args) {
    Options options =
        ExperimentArgs.parseOrExit(
            args,
            "DurabilityExperiment --scenario crash|churn|graceful [--nodes N] [--items M] [--seed S]"
                + " [--check-minutes X|off] [--durable] [--replace] [--no-handoff] [--hours H]"
                + " [--median-session-minutes M] [--sample-minutes M] [--leaving-items L]",
            Set.of("--durable", "--replace", "--no-handoff"),
            Set.of("--scenario", "--nodes", "--items", "--seed", "--check-minutes", "--hours",
                "--median-session-minutes", "--sample-minutes", "--leaving-items"),
            DurabilityExperiment::options);
    System.out.print(run(options).format());
  }

  private static Options options(ExperimentArgs a) {
    String name = a.string("--scenario", null);
    ExperimentArgs.require(name != null, "--scenario is required");
    Scenario scenario;
    try {
      scenario = Scenario.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown scenario " + name + " (crash, churn or graceful)");
    }
    int nodes = a.intValue("--nodes", 1000);
    int items = a.intValue("--items", 1000);
    long seed = a.longValue("--seed", 1);
    Options o = switch (scenario) {
      case CRASH -> Options.crash(nodes, items, seed);
      case CHURN -> Options.churn(nodes, items, seed);
      case GRACEFUL -> Options.graceful(nodes, items, seed);
    };
    if (a.string("--check-minutes", "").equals("off")) {
      o = o.withCheckInterval(CHECKS_OFF);
    } else if (a.has("--check-minutes")) {
      o = o.withCheckInterval(Duration.ofSeconds(Math.round(a.doubleValue("--check-minutes", 0) * 60)));
    }
    o = o.withDurable(a.has("--durable")).withReplace(a.has("--replace")).withHandoff(!a.has("--no-handoff"));
    if (a.has("--hours")) {
      o = o.withDuration(Duration.ofSeconds(Math.round(a.doubleValue("--hours", 0) * 3600)));
    }
    if (a.has("--median-session-minutes")) {
      o = o.withMedianSession(Duration.ofMinutes(a.intValue("--median-session-minutes", 0)));
    }
    if (a.has("--sample-minutes")) {
      o = o.withSampleEvery(Duration.ofMinutes(a.intValue("--sample-minutes", 0)));
    }
    if (a.has("--leaving-items")) {
      o = o.withLeavingItems(a.intValue("--leaving-items", 0));
    }
    return o;
  }
}
