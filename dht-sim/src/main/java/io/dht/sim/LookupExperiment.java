package io.dht.sim;

import io.dht.node.LookupResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A reproducible measurement of lookup cost and accuracy: builds a cluster of {@code nodes} nodes from one seed,
 * optionally crashes a fraction of them and lets the network run 30 s, then runs random find_node lookups and
 * reports rounds, messages and virtual time per lookup and the fraction that found exactly the true 8 closest live
 * nodes. Wall-clock seconds are measured only to report the simulator's own speed; they never feed the simulation.
 *
 * <p>With {@code restart}, the crashed nodes come back before the measured lookups, as daemons restarted from their
 * data directories: the same lookups first run unmeasured among the dead (so the survivors notice who failed), then
 * every crashed node restarts with its id, address and saved routing table and bootstraps, the network runs 30 s,
 * and the lookups are measured against the whole cluster, the restarted nodes included.
 *
 * <pre>{@code
 * java -cp dht-sim/target/classes:dht-core/target/classes:dht-bencode/target/classes \
 *     io.dht.sim.LookupExperiment --nodes 1000 --lookups 1000 --seed 1 [--dead 0.2 [--restart]]
 * }</pre>
 */
public final class LookupExperiment {
  /** Lookups in flight at once. */
  static final int CONCURRENCY = 50;
  /** Virtual time a batch of lookups may take. */
  static final Duration BATCH_TIMEOUT = Duration.ofMinutes(5);
  /** Virtual time between crashing nodes and the first lookup. */
  static final Duration AFTER_CRASH = Duration.ofSeconds(30);

  private LookupExperiment() {}

  /**
   * The outcome of one experiment.
   *
   * @param nodes nodes built
   * @param lookups lookups run
   * @param seed the seed
   * @param deadFraction fraction of nodes crashed before the lookups
   * @param restarted crashed nodes restarted before the measured lookups (0 without {@code restart})
   * @param bootstrapFailures bootstraps that failed while building
   * @param exactness fraction of lookups that returned exactly the true k closest live nodes
   * @param rounds rounds per lookup
   * @param messages queries sent per lookup
   * @param timeMillis virtual milliseconds per lookup
   * @param timeouts queries per lookup that timed out
   * @param buildWallSeconds wall-clock seconds to build and bootstrap the cluster
   * @param lookupWallSeconds wall-clock seconds to run the lookups
   * @param datagrams datagrams the network delivered over the whole run
   */
  public record Report(
      int nodes,
      int lookups,
      long seed,
      double deadFraction,
      int restarted,
      int bootstrapFailures,
      double exactness,
      Percentiles rounds,
      Percentiles messages,
      Percentiles timeMillis,
      Percentiles timeouts,
      double buildWallSeconds,
      double lookupWallSeconds,
      long datagrams) {

    /** Human-readable, one fact per line. */
    public String format() {
      return String.format(
          Locale.ROOT,
          "nodes %d, lookups %d, seed %d, dead %.2f%n"
              + (restarted > 0
                  ? "restarted           " + restarted
                      + " crashed nodes (same id, address and saved routing table) before the lookups%n"
                  : "")
              + "bootstrap failures  %d%n"
              + "exactness           %.4f (share of lookups that found the true k closest live nodes)%n"
              + "rounds              median %s  p90 %s  p99 %s  max %s%n"
              + "messages per lookup median %s  p90 %s  p99 %s  max %s%n"
              + "lookup time (ms)    median %s  p90 %s  p99 %s  max %s%n"
              + "timeouts per lookup median %s  p90 %s  p99 %s  max %s%n"
              + "datagrams delivered %d%n"
              + "wall time           build %.1f s, lookups %.1f s, total %.1f s%n",
          nodes, lookups, seed, deadFraction, bootstrapFailures, exactness,
          n(rounds.median()), n(rounds.p90()), n(rounds.p99()), n(rounds.max()),
          n(messages.median()), n(messages.p90()), n(messages.p99()), n(messages.max()),
          n(timeMillis.median()), n(timeMillis.p90()), n(timeMillis.p99()), n(timeMillis.max()),
          n(timeouts.median()), n(timeouts.p90()), n(timeouts.p99()), n(timeouts.max()),
          datagrams, buildWallSeconds, lookupWallSeconds, buildWallSeconds + lookupWallSeconds);
    }

    private static String n(double v) {
      return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
  }

  /** Runs the experiment without restarts; see the class comment. */
  public static Report run(int nodes, int lookups, long seed, double deadFraction) {
    return run(nodes, lookups, seed, deadFraction, false);
  }

  /** Runs the experiment; see the class comment. */
  public static Report run(int nodes, int lookups, long seed, double deadFraction, boolean restart) {
    long start = System.nanoTime();
    SimCluster cluster = SimCluster.start(ClusterSpec.of(nodes, seed));
    List<SimHost> crashed = List.of();
    if (deadFraction > 0) {
      crashed = cluster.crashRandom(deadFraction);
      cluster.runFor(AFTER_CRASH);
    }
    if (restart && !crashed.isEmpty()) {
      LookupWorkload.run(cluster, lookups, CONCURRENCY, BATCH_TIMEOUT);
      List<CompletableFuture<LookupResult>> boots = new ArrayList<>();
      for (SimHost h : crashed) {
        boots.add(cluster.restart(h, true));
      }
      cluster.awaitAll(boots, BATCH_TIMEOUT);
      cluster.runFor(AFTER_CRASH);
    }
    int restarted = restart ? crashed.size() : 0;
    long built = System.nanoTime();
    List<LookupSample> samples = LookupWorkload.run(cluster, lookups, CONCURRENCY, BATCH_TIMEOUT);
    long end = System.nanoTime();
    double[] rounds = new double[samples.size()];
    double[] messages = new double[samples.size()];
    double[] millis = new double[samples.size()];
    double[] timeouts = new double[samples.size()];
    for (int i = 0; i < samples.size(); i++) {
      var r = samples.get(i).result();
      rounds[i] = r.rounds();
      messages[i] = r.messagesSent();
      millis[i] = r.durationNanos() / 1e6;
      timeouts[i] = r.timeouts();
    }
    return new Report(
        nodes,
        lookups,
        seed,
        deadFraction,
        restarted,
        cluster.bootstrapFailures(),
        LookupWorkload.exactness(samples),
        Percentiles.of(rounds),
        Percentiles.of(messages),
        Percentiles.of(millis),
        Percentiles.of(timeouts),
        (built - start) / 1e9,
        (end - built) / 1e9,
        cluster.network().stats().delivered());
  }

  /** {@code --nodes N --lookups M --seed S [--dead F [--restart]]}. */
  public static void main(String[] args) {
    Supplier<Report> experiment =
        ExperimentArgs.parseOrExit(
            args,
            "LookupExperiment --nodes N --lookups M --seed S [--dead F [--restart]]",
            Set.of("--restart"),
            Set.of("--nodes", "--lookups", "--seed", "--dead"),
            a -> {
              int nodes = a.intValue("--nodes", 1000);
              int lookups = a.intValue("--lookups", 1000);
              long seed = a.longValue("--seed", 1);
              double dead = a.doubleValue("--dead", 0);
              boolean restart = a.has("--restart");
              ExperimentArgs.require(
                  nodes >= 2 && lookups >= 0 && dead >= 0 && dead < 1,
                  "need --nodes >= 2, --lookups >= 0 and 0 <= --dead < 1");
              ExperimentArgs.require(
                  !restart || dead > 0, "--restart needs --dead F > 0: it restarts the crashed nodes");
              return () -> run(nodes, lookups, seed, dead, restart);
            });
    System.out.print(experiment.get().format());
  }
}
