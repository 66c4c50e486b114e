package io.dht.metrics;

import io.dht.Dht;
import io.dht.id.NodeId;
import io.dht.node.CompletedLookups;
import io.dht.node.DurabilityStats;
import io.dht.node.ErrorCounts;
import io.dht.node.LookupPurpose;
import io.dht.node.NodeStats;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.ToDoubleFunction;

/**
 * Prometheus metrics of one or more nodes, every name prefixed {@code dht_} (the list is in {@code
 * docs/operations.md}). The values come from {@link NodeStats}, {@link DurabilityStats} and the replica counts, which
 * each node's loop snapshots on request: {@link #scrape()} first asks every node for fresh snapshots (waiting at most
 * {@link #REFRESH_TIMEOUT}; a node that does not answer keeps its previous values), then renders the registry. No
 * thread of its own: the caller's thread waits, the loops only copy counters.
 *
 * <p>Meters carry a {@code node} tag (the node's index) only when there are several nodes ({@code dht swarm}).
 * Lookup rounds, queries and durations come from the core's record of completed lookups ({@link
 * Dht#completedLookupsSince}), every purpose included (the owner's find_node, get_peers, announce, get and put, and
 * the node's own bootstrap, bucket refreshes and item checks), tagged {@code kind}; each {@link #refresh} records
 * the lookups completed since the previous one.
 */
public final class DhtMetrics {
  /** How long {@link #scrape()} waits for a node's snapshot. */
  public static final Duration REFRESH_TIMEOUT = Duration.ofSeconds(5);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<Dht> nodes;
  private final Snapshot[] snapshots;
  private final boolean tagged;
  /** Per node: the sequence number of the next completed lookup to record (guarded by {@code this}). */
  private final long[] lookupCursors;

  /** Values of one node, replaced wholesale by {@link #refresh}. */
  private static final class Snapshot {
    volatile NodeStats stats;
    volatile DurabilityStats durability;
    volatile int[] byReplicas = new int[0]; // index r+1: items with r replicas; index 0: not yet checked
    volatile long lookupsMissed;
  }

  public DhtMetrics(List<Dht> nodes) {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("no nodes");
    }
    this.nodes = List.copyOf(nodes);
    this.snapshots = new Snapshot[nodes.size()];
    this.tagged = nodes.size() > 1;
    this.lookupCursors = new long[nodes.size()];
    for (int i = 0; i < snapshots.length; i++) {
      snapshots[i] = new Snapshot();
      register(i, snapshots[i], k(nodes.get(i)));
      Dht dht = nodes.get(i);
      FunctionCounter.builder("dht.flood.drops", dht, Dht::floodDrops)
          .description("datagrams dropped unread by the event loop's per-IP flood guard")
          .tags(tags(i))
          .register(registry);
      for (LookupPurpose p : LookupPurpose.values()) {
        lookupTimer(i, p);
        lookupRounds(i, p);
        lookupMessages(i, p);
      }
    }
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  private Tags tags(int node) {
    return tagged ? Tags.of("node", Integer.toString(node)) : Tags.empty();
  }

  private static int k(Dht dht) {
    try {
      return dht.config().get(REFRESH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).k();
    } catch (ExecutionException | TimeoutException e) {
      return 8;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 8;
    }
  }

  private void register(int node, Snapshot s, int k) {
    Tags t = tags(node);
    counter("dht.datagrams.in", "UDP datagrams received", t, s, NodeStats::datagramsIn);
    counter("dht.datagrams.out", "UDP datagrams sent", t, s, NodeStats::datagramsOut);
    bytes("dht.received", "bytes received", t, s, NodeStats::bytesIn);
    bytes("dht.sent", "bytes sent", t, s, NodeStats::bytesOut);
    String in = "KRPC messages received, by type (queries by method, then responses and errors to our queries)";
    counter("dht.messages.in", in, t.and("type", "ping"), s, NodeStats::pingsIn);
    counter("dht.messages.in", in, t.and("type", "find_node"), s, NodeStats::findNodesIn);
    counter("dht.messages.in", in, t.and("type", "get_peers"), s, NodeStats::getPeersIn);
    counter("dht.messages.in", in, t.and("type", "announce_peer"), s, NodeStats::announcesIn);
    counter("dht.messages.in", in, t.and("type", "get"), s, NodeStats::itemGetsIn);
    counter("dht.messages.in", in, t.and("type", "put"), s, NodeStats::itemPutsIn);
    counter("dht.messages.in", in, t.and("type", "sample_infohashes"), s, NodeStats::samplesIn);
    counter("dht.messages.in", in, t.and("type", "unknown"), s, NodeStats::unknownQueriesIn);
    counter("dht.messages.in", in, t.and("type", "response"), s, NodeStats::responsesIn);
    counter("dht.messages.in", in, t.and("type", "error"), s, NodeStats::errorsIn);
    String out = "KRPC messages sent, by type (queries by method, then responses and errors to others' queries)";
    counter("dht.messages.out", out, t.and("type", "ping"), s, NodeStats::pingsOut);
    counter("dht.messages.out", out, t.and("type", "find_node"), s, NodeStats::findNodesOut);
    counter("dht.messages.out", out, t.and("type", "get_peers"), s, NodeStats::getPeersOut);
    counter("dht.messages.out", out, t.and("type", "announce_peer"), s, NodeStats::announcesOut);
    counter("dht.messages.out", out, t.and("type", "get"), s, NodeStats::itemGetsOut);
    counter("dht.messages.out", out, t.and("type", "put"), s, NodeStats::itemPutsOut);
    counter("dht.messages.out", out, t.and("type", "sample_infohashes"), s, NodeStats::samplesOut);
    counter("dht.messages.out", out, t.and("type", "response"), s, NodeStats::responsesOut);
    counter("dht.messages.out", out, t.and("type", "error"), s, NodeStats::errorsSent);
    String errors = "KRPC errors by direction (in: replies to our queries, out: sent to others) and code";
    for (int code : ErrorCounts.CODES) {
      String c = Integer.toString(code);
      counter("dht.errors", errors, t.and("direction", "in", "code", c), s, x -> x.errorsInByCode().count(code));
      counter("dht.errors", errors, t.and("direction", "out", "code", c), s, x -> x.errorsSentByCode().count(code));
    }
    counter("dht.errors", errors, t.and("direction", "in", "code", "other"), s, x -> x.errorsInByCode().other());
    counter("dht.errors", errors, t.and("direction", "out", "code", "other"), s, x -> x.errorsSentByCode().other());
    counter("dht.errors.sent", "KRPC error replies sent, all codes", t, s, NodeStats::errorsSent);
    counter("dht.invalid.tokens", "announces and puts refused for a bad token", t, s, NodeStats::invalidTokens);
    counter("dht.undecodable", "datagrams dropped as invalid bencode or KRPC", t, s, NodeStats::undecodable);
    counter("dht.unsolicited", "replies matching no outstanding query", t, s, NodeStats::unsolicited);
    counter("dht.rpc.timeouts", "queries that got no reply in time", t, s, NodeStats::timeouts);
    counter("dht.rpcs.rejected", "queries not sent: too many in flight", t, s, NodeStats::rpcsRejected);
    counter("dht.throttled", "queries dropped by the per-IP rate limit", t, s, NodeStats::queriesThrottled);
    gauge("dht.throttled.sources", "source IPs refused by the per-IP rate limit in the last minute", t, s,
        NodeStats::throttledSources);
    counter("dht.throttle.episodes", "times a source IP started being refused by the rate limit", t, s,
        NodeStats::throttleEpisodes);
    counter("dht.replies.dropped", "replies not sent: reply-bytes cap", t, s, NodeStats::repliesDropped);
    counter("dht.lookups.started", "iterative lookups started (all kinds)", t, s, NodeStats::lookupsStarted);
    counter("dht.lookups.completed", "iterative lookups completed", t, s, NodeStats::lookupsCompleted);
    counter("dht.internal.errors", "exceptions caught in the node (must stay 0)", t, s, NodeStats::internalErrors);
    counter("dht.id.changes", "node id changes by BEP 42", t, s, NodeStats::idChanges);
    gauge("dht.rpcs.in.flight", "queries outstanding now", t, s, NodeStats::inFlightRpcs);
    gauge("dht.routing.table.contacts", "live routing-table entries", t, s, NodeStats::routingTableSize);
    gauge("dht.routing.table.buckets", "routing-table depth (buckets)", t, s, NodeStats::buckets);
    gauge("dht.stored.infohashes", "info-hashes with announced peers", t, s, NodeStats::infoHashes);
    gauge("dht.stored.peers", "announced peers stored", t, s, NodeStats::storedPeers);
    gauge("dht.stored.items", "BEP 44 items held for others", t, s, NodeStats::storedItems);
    Gauge.builder("dht.uptime", s, x -> x.stats == null ? 0 : x.stats.uptimeNanos() / 1e9)
        .description("time since the node started (its own clock)")
        .baseUnit("seconds")
        .tags(t)
        .register(registry);
    FunctionCounter.builder("dht.lookups.unrecorded", s, x -> x.lookupsMissed)
        .description("completed lookups not in dht_lookup_* because scrapes were too far apart")
        .tags(t)
        .register(registry);

    durabilityCounter("dht.items.checked", "replication checks of held items", t, s, DurabilityStats::itemsChecked);
    durabilityCounter("dht.repair.puts", "puts sent to close nodes missing a copy", t, s, DurabilityStats::repairPutsSent);
    durabilityCounter(
        "dht.handoffs", "puts sent to newly met nodes closer to an item", t, s, DurabilityStats::handoffsSent);
    durabilityCounter(
        "dht.republishes", "re-puts of items this node publishes durably", t, s, DurabilityStats::republishesSent);
    durabilityGauge("dht.items.below.target", "held items with fewer than k copies", t, s, DurabilityStats::itemsBelowTarget);
    durabilityGauge(
        "dht.item.replicas.average", "mean copies among the k closest at the last check", t, s,
        DurabilityStats::averageReplicas);
    durabilityGauge("dht.durable.items", "items this node keeps alive as publisher", t, s, DurabilityStats::durablePuts);
    for (int r = -1; r <= k; r++) {
      int index = r + 1;
      Gauge.builder("dht.items.by.replicas", s, x -> x.byReplicas.length > index ? x.byReplicas[index] : 0)
          .description("held items by the copies their last check found among the k closest")
          .tags(t.and("replicas", r < 0 ? "unchecked" : Integer.toString(r)))
          .register(registry);
    }
  }

  private void counter(String name, String help, Tags tags, Snapshot s, ToDoubleFunction<NodeStats> f) {
    FunctionCounter.builder(name, s, x -> x.stats == null ? 0 : f.applyAsDouble(x.stats))
        .description(help)
        .tags(tags)
        .register(registry);
  }

  private void bytes(String name, String help, Tags tags, Snapshot s, ToDoubleFunction<NodeStats> f) {
    FunctionCounter.builder(name, s, x -> x.stats == null ? 0 : f.applyAsDouble(x.stats))
        .description(help)
        .baseUnit("bytes")
        .tags(tags)
        .register(registry);
  }

  private void gauge(String name, String help, Tags tags, Snapshot s, ToDoubleFunction<NodeStats> f) {
    Gauge.builder(name, s, x -> x.stats == null ? 0 : f.applyAsDouble(x.stats)).description(help).tags(tags).register(registry);
  }

  private void durabilityCounter(
      String name, String help, Tags tags, Snapshot s, ToDoubleFunction<DurabilityStats> f) {
    FunctionCounter.builder(name, s, x -> x.durability == null ? 0 : f.applyAsDouble(x.durability))
        .description(help)
        .tags(tags)
        .register(registry);
  }

  private void durabilityGauge(
      String name, String help, Tags tags, Snapshot s, ToDoubleFunction<DurabilityStats> f) {
    Gauge.builder(name, s, x -> x.durability == null ? 0 : f.applyAsDouble(x.durability))
        .description(help)
        .tags(tags)
        .register(registry);
  }

  private Timer lookupTimer(int node, LookupPurpose p) {
    return Timer.builder("dht.lookup.duration")
        .description("duration of completed lookups, by kind (the owner's and the node's own)")
        .tags(tags(node).and("kind", p.label()))
        .register(registry);
  }

  private DistributionSummary lookupRounds(int node, LookupPurpose p) {
    return DistributionSummary.builder("dht.lookup.rounds")
        .description("rounds (longest chain of dependent queries) of completed lookups, by kind")
        .tags(tags(node).and("kind", p.label()))
        .register(registry);
  }

  private DistributionSummary lookupMessages(int node, LookupPurpose p) {
    return DistributionSummary.builder("dht.lookup.messages")
        .description("queries sent by completed lookups, by kind")
        .tags(tags(node).and("kind", p.label()))
        .register(registry);
  }

  /** Records the lookups node {@code i} completed since the last call (the caller holds {@code this}). */
  private void recordLookups(int i, CompletedLookups done) {
    for (CompletedLookups.Sample l : done.lookups()) {
      lookupTimer(i, l.purpose()).record(Duration.ofNanos(l.durationNanos()));
      lookupRounds(i, l.purpose()).record(l.rounds());
      lookupMessages(i, l.purpose()).record(l.messagesSent());
    }
    snapshots[i].lookupsMissed += done.missed();
    lookupCursors[i] = done.nextSeq();
  }

  /**
   * Asks every node for fresh snapshots and the lookups it completed since the last refresh, waiting at most {@link
   * #REFRESH_TIMEOUT} in all. Concurrent scrapes take turns (each lookup is recorded once).
   */
  public synchronized void refresh() {
    long deadline = System.nanoTime() + REFRESH_TIMEOUT.toNanos();
    int n = nodes.size();
    @SuppressWarnings("unchecked")
    CompletableFuture<NodeStats>[] stats = new CompletableFuture[n];
    @SuppressWarnings("unchecked")
    CompletableFuture<DurabilityStats>[] durability = new CompletableFuture[n];
    @SuppressWarnings("unchecked")
    CompletableFuture<Map<NodeId, Integer>>[] replicas = new CompletableFuture[n];
    @SuppressWarnings("unchecked")
    CompletableFuture<CompletedLookups>[] lookups = new CompletableFuture[n];
    for (int i = 0; i < n; i++) {
      lookups[i] = nodes.get(i).completedLookupsSince(lookupCursors[i]);
      stats[i] = nodes.get(i).stats();
      durability[i] = nodes.get(i).durabilityStats();
      replicas[i] = nodes.get(i).replicaCounts();
    }
    for (int i = 0; i < n; i++) {
      Snapshot s = snapshots[i];
      NodeStats st = await(stats[i], deadline);
      if (st != null) {
        s.stats = st;
      }
      DurabilityStats d = await(durability[i], deadline);
      if (d != null) {
        s.durability = d;
      }
      CompletedLookups done = await(lookups[i], deadline);
      if (done != null) {
        recordLookups(i, done);
      }
      Map<NodeId, Integer> r = await(replicas[i], deadline);
      if (r != null) {
        int max = r.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int[] counts = new int[Math.max(max, 0) + 2];
        for (int copies : r.values()) {
          counts[Math.max(copies, -1) + 1]++;
        }
        s.byReplicas = counts;
      }
    }
  }

  private static <T> T await(CompletableFuture<T> f, long deadline) {
    try {
      return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return null; // closed or busy: keep the previous values
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Fresh snapshots, rendered in the Prometheus text format (version 0.0.4). */
  public String scrape() {
    refresh();
    return registry.scrape();
  }
}
