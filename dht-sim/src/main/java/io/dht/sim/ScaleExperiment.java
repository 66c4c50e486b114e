package io.dht.sim;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.management.ObjectName;

/**
 * How far one JVM gets toward a million simulated nodes: for each size, builds and bootstraps a cluster (the usual
 * way: one join every 20 ms through node 0), then reports the wall time and the simulator's speed (virtual seconds
 * per wall second, datagrams per wall second) while building, while idle (maintenance only) and while running
 * verified lookups, and the heap in use after a full GC, per node and per routing-table entry. Optionally prints
 * the heap's class histogram (the JVM's {@code GC.class_histogram}), which tells what the bytes are.
 *
 * <p>With {@code --seeded}, the cluster is built by {@link SimCluster#startSeeded}: routing tables filled from the
 * global view instead of the join traffic, then {@code --joins J} (default 0) more nodes join the real way. With
 * {@code --empty}, the nodes are only started (empty routing tables, no lookups): the heap of everything but the
 * tables' entries, to subtract from a seeded run's.
 *
 * <pre>{@code
 * java -Xmx20g -cp dht-sim/target/classes:dht-core/target/classes:dht-bencode/target/classes \
 *     io.dht.sim.ScaleExperiment --nodes 2000,8000 --seed 1 [--histogram 25] [--seeded] [--joins 100]
 * }</pre>
 */
public final class ScaleExperiment {
  private ScaleExperiment() {}

  /**
   * One size.
   *
   * @param nodes nodes built
   * @param bootstrapFailures bootstraps that failed
   * @param buildWallSeconds wall seconds to build and settle
   * @param buildVirtualSeconds virtual seconds the build simulated
   * @param buildDatagrams datagrams delivered while building
   * @param idleVirtualSeconds virtual seconds run idle after the build
   * @param idleWallSeconds their wall seconds
   * @param idleDatagrams datagrams delivered while idle
   * @param lookups lookups run after that
   * @param exactness share of them that found exactly the true k closest live nodes
   * @param lookupWallSeconds their wall seconds
   * @param lookupVirtualSeconds the virtual seconds they took (batches of 50)
   * @param lookupDatagrams datagrams delivered while they ran
   * @param rounds rounds per lookup
   * @param messages queries sent per lookup
   * @param usedBytes heap in use after a full GC, cluster alive
   * @param routingEntries routing-table entries (IPv4 and IPv6 tables, live entries only) over all nodes
   * @param replacementEntries entries waiting in the replacement caches over all nodes
   * @param routingBytes the routing tables' own estimate of their heap ({@code RoutingTable.footprintBytes})
   * @param histogram the top of the heap's class histogram, or empty
   */
  public record Size(
      int nodes,
      int bootstrapFailures,
      double buildWallSeconds,
      double buildVirtualSeconds,
      long buildDatagrams,
      double idleVirtualSeconds,
      double idleWallSeconds,
      long idleDatagrams,
      int lookups,
      double exactness,
      double lookupWallSeconds,
      double lookupVirtualSeconds,
      long lookupDatagrams,
      Percentiles rounds,
      Percentiles messages,
      long usedBytes,
      long routingEntries,
      long replacementEntries,
      long routingBytes,
      String histogram) {

    public String format() {
      return String.format(
          Locale.ROOT,
          "nodes %d: bootstrap failures %d%n"
              + "  build    %.1f s wall for %.0f virtual s (%.2f virtual s per wall s), %d datagrams (%.0f per wall s)%n"
              + "  idle     %.1f s wall for %.0f virtual s (%.1f virtual s per wall s), %d datagrams%n"
              + "  lookups  %d in %.1f s wall for %.1f virtual s (%.2f virtual s per wall s), %d datagrams,"
              + " exact %.2f %%%n"
              + "           rounds median/p90/p99 %.0f/%.0f/%.0f, messages %.0f/%.0f/%.0f%n"
              + "  heap     %.1f MiB used after GC = %.0f bytes per node; %d routing entries (%.1f per node),"
              + " %d replacements (%.1f per node)%n"
              + "  routing  %.1f MiB in tables (layout estimate) = %.1f bytes per routing entry, %.0f per node%n%s",
          nodes, bootstrapFailures, buildWallSeconds, buildVirtualSeconds, buildVirtualSeconds / buildWallSeconds,
          buildDatagrams, buildDatagrams / buildWallSeconds, idleWallSeconds, idleVirtualSeconds,
          idleVirtualSeconds / idleWallSeconds, idleDatagrams, lookups, lookupWallSeconds, lookupVirtualSeconds,
          lookupVirtualSeconds / lookupWallSeconds, lookupDatagrams, 100 * exactness, rounds.median(), rounds.p90(),
          rounds.p99(), messages.median(), messages.p90(), messages.p99(), usedBytes / 1048576.0,
          (double) usedBytes / nodes, routingEntries, (double) routingEntries / nodes, replacementEntries,
          (double) replacementEntries / nodes, routingBytes / 1048576.0, (double) routingBytes / routingEntries,
          (double) routingBytes / nodes, histogram);
    }
  }

  /** Builds one cluster of {@code nodes} and measures it. */
  public static Size measure(int nodes, long seed, Duration idle, int lookups, int histogramLines) {
    return measure(nodes, seed, idle, lookups, histogramLines, Build.JOINS, 0);
  }

  /** How a cluster is built. */
  public enum Build {
    /** {@link SimCluster#start}: every node joins through node 0. */
    JOINS,
    /** {@link SimCluster#startSeeded}: tables from the global view, then a few real joins. */
    SEEDED,
    /** Nodes started and nothing else: empty routing tables (only lookups = 0 makes sense). */
    EMPTY
  }

  /** Like {@link #measure(int, long, Duration, int, int)}, built as {@code build} says. */
  public static Size measure(
      int nodes, long seed, Duration idle, int lookups, int histogramLines, Build build, int joins) {
    long t0 = System.nanoTime();
    ClusterSpec spec = ClusterSpec.of(nodes, seed);
    SimCluster cluster;
    if (build == Build.SEEDED) {
      cluster = SimCluster.startSeeded(spec, joins);
    } else if (build == Build.JOINS) {
      cluster = SimCluster.start(spec);
    } else {
      cluster = SimCluster.start(ClusterSpec.of(1, seed));
      for (int i = 1; i < nodes; i++) {
        cluster.addHost();
      }
    }
    long t1 = System.nanoTime();
    double buildVirtual = cluster.nowNanos() / 1e9;
    long buildDatagrams = cluster.network().stats().delivered();
    cluster.runFor(idle);
    long t2 = System.nanoTime();
    long idleDatagrams = cluster.network().stats().delivered() - buildDatagrams;
    long lookupStart = cluster.nowNanos();
    long lookupDatagramsBefore = cluster.network().stats().delivered();
    List<LookupSample> samples = LookupWorkload.run(cluster, lookups, 50, Duration.ofMinutes(5));
    long t3 = System.nanoTime();
    double lookupVirtual = (cluster.nowNanos() - lookupStart) / 1e9;
    long lookupDatagrams = cluster.network().stats().delivered() - lookupDatagramsBefore;
    double[] rounds = new double[samples.size()];
    double[] messages = new double[samples.size()];
    for (int i = 0; i < samples.size(); i++) {
      rounds[i] = samples.get(i).result().rounds();
      messages[i] = samples.get(i).result().messagesSent();
    }
    long entries = 0;
    long replacements = 0;
    long routingBytes = 0;
    for (SimHost h : cluster.liveHosts()) {
      routingBytes += h.inspect(n -> n.routingTable().footprintBytes() + n.routingTable6().footprintBytes());
      entries += h.inspect(n -> n.routingTable().size() + n.routingTable6().size());
      replacements += h.inspect(n -> n.routingTable().replacementCount() + n.routingTable6().replacementCount());
    }
    long used = usedAfterGc();
    String histogram = histogramLines > 0 ? histogram(histogramLines) : "";
    Size size = new Size(nodes, cluster.bootstrapFailures(), (t1 - t0) / 1e9, buildVirtual, buildDatagrams,
        idle.toNanos() / 1e9, (t2 - t1) / 1e9, idleDatagrams, samples.size(), LookupWorkload.exactness(samples),
        (t3 - t2) / 1e9, lookupVirtual, lookupDatagrams, Percentiles.of(rounds), Percentiles.of(messages), used,
        entries, replacements, routingBytes, histogram);
    // keep the cluster reachable until the heap was measured
    if (cluster.hosts().isEmpty()) {
      throw new AssertionError();
    }
    return size;
  }

  static long usedAfterGc() {
    Runtime rt = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }

  /** The first lines of the JVM's class histogram (live objects, after a full GC). */
  static String histogram(int lines) {
    try {
      Object out = ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"),
          "gcClassHistogram",
          new Object[] {new String[0]},
          new String[] {String[].class.getName()});
      String[] all = out.toString().split("\n");
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < Math.min(all.length, lines + 2); i++) {
        b.append("    ").append(all[i]).append('\n');
      }
      if (all.length > 0) {
        b.append("    ").append(all[all.length - 1]).append('\n');
      }
      return b.toString();
    } catch (Exception e) {
      return "    (no histogram: " + e + ")\n";
    }
  }

  /** {@code --nodes N[,N...] --seed S [--idle SECONDS] [--lookups M] [--histogram LINES]}. */
  public static void main(String[] args) throws Exception {
    record Settings(List<Integer> sizes, long seed, int idleSeconds, int lookups, int histogram, Build build,
        int joins) {}
    Settings settings =
        ExperimentArgs.parseOrExit(
            args,
            "ScaleExperiment --nodes N[,N...] --seed S [--idle SECONDS] [--lookups M] [--histogram LINES]"
                + " [--seeded [--joins J] | --empty]",
            Set.of("--seeded", "--empty"),
            Set.of("--nodes", "--seed", "--idle", "--lookups", "--histogram", "--joins"),
            a -> {
              List<Integer> sizes = new ArrayList<>();
              for (String n : a.string("--nodes", "2000,8000").split(",")) {
                try {
                  sizes.add(Integer.parseInt(n.trim()));
                } catch (NumberFormatException e) {
                  throw new IllegalArgumentException("not a whole number in --nodes: " + n);
                }
              }
              ExperimentArgs.require(sizes.stream().allMatch(n -> n >= 2), "every size in --nodes must be >= 2");
              ExperimentArgs.require(
                  !(a.has("--seeded") && a.has("--empty")), "--seeded and --empty exclude each other");
              Build build = a.has("--seeded") ? Build.SEEDED : a.has("--empty") ? Build.EMPTY : Build.JOINS;
              int joins = a.intValue("--joins", 0);
              ExperimentArgs.require(joins == 0 || build == Build.SEEDED, "--joins needs --seeded");
              int lookups = a.intValue("--lookups", 200);
              int idle = a.intValue("--idle", 60);
              int histogram = a.intValue("--histogram", 0);
              ExperimentArgs.require(
                  joins >= 0 && lookups >= 0 && idle >= 0 && histogram >= 0,
                  "--joins, --lookups, --idle and --histogram must not be negative");
              return new Settings(
                  sizes, a.longValue("--seed", 1), idle, lookups, histogram, build, joins);
            });
    List<Integer> sizes = settings.sizes();
    long seed = settings.seed();
    int idleSeconds = settings.idleSeconds();
    int lookups = settings.lookups();
    int histogram = settings.histogram();
    Build build = settings.build();
    int joins = settings.joins();
    System.out.printf(Locale.ROOT, "max heap %.1f GiB, %d processors%n",
        Runtime.getRuntime().maxMemory() / 1073741824.0, Runtime.getRuntime().availableProcessors());
    long baseline = usedAfterGc();
    System.out.printf(Locale.ROOT, "heap in use before any cluster: %.1f MiB%n", baseline / 1048576.0);
    if (build == Build.EMPTY) {
      lookups = 0;
    }
    System.out.println("build: " + build + (build == Build.SEEDED ? ", " + joins + " real joins" : ""));
    List<Size> done = new ArrayList<>();
    for (int n : sizes) {
      Size s = measure(n, seed, Duration.ofSeconds(idleSeconds), lookups, histogram, build, joins);
      done.add(s);
      System.out.print(s.format());
      System.out.flush();
    }
    for (int i = 1; i < done.size(); i++) {
      Size a = done.get(i - 1);
      Size b = done.get(i);
      double perNode = (double) (b.usedBytes() - a.usedBytes()) / (b.nodes() - a.nodes());
      double entriesPerNode = (double) (b.routingEntries() - a.routingEntries()) / (b.nodes() - a.nodes());
      System.out.printf(Locale.ROOT,
          "marginal between %d and %d nodes: %.0f bytes per node, %.1f routing entries per node%n",
          a.nodes(), b.nodes(), perNode, entriesPerNode);
    }
  }
}
