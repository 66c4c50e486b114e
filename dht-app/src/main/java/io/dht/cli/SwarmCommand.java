package io.dht.cli;

import io.dht.Dht;
import io.dht.http.HttpApi;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.AnnounceResult;
import io.dht.node.DhtConfig;
import io.dht.node.LookupResult;
import io.dht.node.PeersResult;
import io.dht.transport.EventLoop;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dht swarm}: N real UDP nodes on loopback in one process, sharing a couple of event loops; node i listens on
 * 127.0.0.(2+i) (then 127.0.1.2, ...). All bootstrap through node 0, then random pairs do announce/get_peers round
 * trips: node A announces a random info-hash with port 1000+i and node B's get_peers must find A's address with
 * that port. With {@code --lookups} it prints a summary and exits 0 when every round trip succeeded; without it
 * runs until interrupted, printing a running summary every few seconds.
 */
@Command(
    name = "swarm",
    mixinStandardHelpOptions = true,
    description = "Run a swarm of real UDP nodes on loopback and measure announce/get_peers round trips.")
final class SwarmCommand implements Callable<Integer> {
  /** Addresses per third octet before wrapping: 127.0.0.2..251, then 127.0.1.2..251, ... */
  static final int ADDRESSES_PER_BLOCK = 250;

  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);
  private static final int BOOTSTRAP_WINDOW = 64;
  private static final int REFRESH_LOOKUPS = 2;
  private static final Duration REPORT_INTERVAL = Duration.ofSeconds(5);
  private static final Duration CONTINUOUS_PACE = Duration.ofMillis(100);

  @Spec CommandSpec spec;

  @Option(names = "--nodes", paramLabel = "N", defaultValue = "20", description = "Nodes (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(
      names = "--base-port",
      paramLabel = "P",
      defaultValue = "0",
      description = "UDP port of every node (default: ${DEFAULT-VALUE} = ephemeral).")
  int basePort;

  @Option(
      names = "--lookups",
      paramLabel = "M",
      description = "Announce/get_peers round trips to run, then exit (default: run until interrupted).")
  Integer lookups;

  @Option(
      names = "--bind-base",
      paramLabel = "ADDR",
      defaultValue = "127.0.0.2",
      converter = Converters.Address.class,
      description = "IPv4 address of node 0 (default: ${DEFAULT-VALUE}).")
  InetAddress bindBase;

  @Option(names = "--loops", paramLabel = "L", defaultValue = "2", description = "Event loop threads (default: ${DEFAULT-VALUE}).")
  int loopCount;

  @Option(names = "--seed", paramLabel = "S", description = "Seed for choosing pairs and info-hashes.")
  Long seed;

  @Option(
      names = "--dashboard",
      description =
          "Serve the web dashboard and HTTP API for every node (pick one on the page) at --http, and keep running"
              + " round trips until interrupted (after the --lookups summary, if given).")
  boolean dashboard;

  @Option(
      names = "--http",
      paramLabel = "ADDR:PORT",
      defaultValue = "127.0.0.1:8080",
      description = "Where --dashboard listens, loopback only (default: ${DEFAULT-VALUE}; port 0 = any free port).")
  String http;

  @Option(
      names = "--progress",
      description = "Show the --lookups progress on stderr even when it is not a terminal.")
  boolean showProgress;

  /** The dashboard's server (with --dashboard), closed before the nodes. */
  private HttpApi api;

  @Option(
      names = "--rate-limit",
      paramLabel = "N",
      description =
          "Queries per second each node answers per source IP (default: 0 = off, as on any private network;"
              + " all nodes share 127.0.0.0/8, so a limit mostly throttles the swarm itself).")
  Integer rateLimit;

  @Option(
      names = "--rate-burst",
      paramLabel = "N",
      description = "Queries one source IP may send at once before --rate-limit applies (default: "
          + NodeCommand.DEFAULT_RATE_BURST + ").")
  Integer rateBurst;

  @Option(
      names = "--reply-bytes-per-second",
      paramLabel = "N",
      description = "Cap on each node's reply bytes per second, 3 s of burst (default: 0 = off).")
  Integer replyBytesPerSecond;

  /** Every node's configuration: a private network, with the rate limits the flags ask for. */
  DhtConfig config() {
    return NodeCommand.limits(
            spec, DhtConfig.privateNetwork().toBuilder(), rateLimit, rateBurst, replyBytesPerSecond)
        .build();
  }

  @Override
  public Integer call() {
    validate();
    DhtConfig config = config();
    PrintWriter out = spec.commandLine().getOut();
    SplittableRandom random = seed == null ? new SplittableRandom() : new SplittableRandom(seed);
    List<EventLoop> loops = new ArrayList<>();
    List<Dht> swarm = new ArrayList<>();
    AtomicBoolean stopping = new AtomicBoolean();
    Optional<Thread> hook = Optional.empty();
    try {
      for (int i = 0; i < loopCount; i++) {
        loops.add(EventLoop.start("dht-loop-" + i));
      }
      for (int i = 0; i < nodes; i++) {
        Dht.Builder b =
            Dht.builder()
                .bindAddress(address(bindBase, i))
                .port(basePort)
                .config(config)
                .eventLoop(loops.get(i % loopCount));
        if (i > 0) {
          b.addBootstrap(swarm.get(0).localEndpoint());
        }
        swarm.add(b.start());
      }
      out.printf(
          "swarm: %d nodes on %d event loops, %s .. %s%n",
          nodes, loopCount, swarm.get(0).localEndpoint(), swarm.get(nodes - 1).localEndpoint());
      out.flush();
      bootstrapAll(swarm, random, out);
      if (dashboard) {
        startDashboard(swarm, out);
      }
      if (lookups != null) {
        Stats stats = new Stats();
        Progress progress = new Progress(spec.commandLine().getErr(), Progress.wanted(showProgress, false));
        for (int i = 0; i < lookups; i++) {
          progress.show("round trip " + (i + 1) + "/" + lookups);
          stats.add(record(roundTrip(swarm, i, random)));
        }
        progress.done();
        out.printf("%d announce/get_peers round trips between random pairs:%n", lookups);
        stats.print(out);
        if (!dashboard) {
          return stats.found == stats.count ? 0 : Main.EXIT_FAILURE;
        }
      }
      hook = Optional.of(stopOnSignal(stopping, swarm, loops));
      runUntilStopped(swarm, loops.get(0), random, stopping, out);
      return 0;
    } finally {
      stopping.set(true);
      if (api != null) {
        api.close();
      }
      swarm.forEach(Dht::close);
      loops.forEach(EventLoop::close);
      hook.ifPresent(SwarmCommand::removeHook);
    }
  }

  private void validate() {
    if (nodes < 2) {
      throw new ParameterException(spec.commandLine(), "--nodes must be at least 2, got " + nodes);
    }
    if (lookups != null && lookups < 1) {
      throw new ParameterException(spec.commandLine(), "--lookups must be at least 1, got " + lookups);
    }
    if (basePort < 0 || basePort > 65535) {
      throw new ParameterException(spec.commandLine(), "--base-port must be 0..65535, got " + basePort);
    }
    if (loopCount < 1 || loopCount > 64) {
      throw new ParameterException(spec.commandLine(), "--loops must be 1..64, got " + loopCount);
    }
    if (!(bindBase instanceof Inet4Address)) {
      throw new ParameterException(spec.commandLine(), "--bind-base must be an IPv4 address");
    }
    byte[] b = bindBase.getAddress();
    int blocks = (nodes - 1) / ADDRESSES_PER_BLOCK;
    if ((b[3] & 0xff) + Math.min(nodes, ADDRESSES_PER_BLOCK) - 1 > 255 || (b[2] & 0xff) + blocks > 255) {
      throw new ParameterException(
          spec.commandLine(), nodes + " nodes do not fit in the addresses after " + bindBase.getHostAddress());
    }
  }

  /** Node i's address: {@code base} plus i within its block of 250, one third-octet step per block. */
  static InetAddress address(InetAddress base, int i) {
    byte[] b = base.getAddress().clone();
    b[2] = (byte) ((b[2] & 0xff) + i / ADDRESSES_PER_BLOCK);
    b[3] = (byte) ((b[3] & 0xff) + i % ADDRESSES_PER_BLOCK);
    return Endpoint.of(b, 0).address();
  }

  /**
   * Bootstraps nodes 1..N-1 through node 0, then has every node look up {@value #REFRESH_LOOKUPS} random ids (what
   * bucket refresh would do over the next minutes), so that routing tables are filled before we measure.
   */
  private static void bootstrapAll(List<Dht> swarm, SplittableRandom random, PrintWriter out) {
    long start = System.nanoTime();
    int joined = 0;
    for (int from = 1; from < swarm.size(); from += BOOTSTRAP_WINDOW) {
      List<CompletableFuture<LookupResult>> window = new ArrayList<>();
      for (int i = from; i < Math.min(swarm.size(), from + BOOTSTRAP_WINDOW); i++) {
        window.add(swarm.get(i).bootstrap());
      }
      joined += awaitAll(window, "bootstrap");
    }
    for (int from = 0; from < swarm.size(); from += BOOTSTRAP_WINDOW) {
      List<CompletableFuture<LookupResult>> window = new ArrayList<>();
      for (int i = from; i < Math.min(swarm.size(), from + BOOTSTRAP_WINDOW); i++) {
        for (int j = 0; j < REFRESH_LOOKUPS; j++) {
          window.add(swarm.get(i).findNode(NodeId.random(random)));
        }
      }
      awaitAll(window, "refresh");
    }
    long elapsed = System.nanoTime() - start;
    long[] sizes = new long[swarm.size()];
    for (int i = 0; i < swarm.size(); i++) {
      sizes[i] = Await.await(swarm.get(i).routingTable(), STEP_TIMEOUT, "routing table").size();
    }
    out.printf(
        "bootstrap: %d/%d nodes joined through node 0 and refreshed in %s; routing tables hold %d contacts"
            + " (median)%n",
        joined, swarm.size() - 1, Format.seconds(elapsed), Format.quantile(sizes, 0.5));
    out.flush();
  }

  /** Waits for every lookup; returns how many got at least one response. */
  private static int awaitAll(List<CompletableFuture<LookupResult>> lookups, String what) {
    int answered = 0;
    for (CompletableFuture<LookupResult> f : lookups) {
      try {
        if (Await.await(f, STEP_TIMEOUT, what).responses() > 0) {
          answered++;
        }
      } catch (CommandFailure e) {
        // Counted as not answered.
      }
    }
    return answered;
  }

  /** One announce by A and get_peers by B, A != B, on a fresh random info-hash. */
  private static Sample roundTrip(List<Dht> swarm, int i, SplittableRandom random) {
    int a = random.nextInt(swarm.size());
    int b = random.nextInt(swarm.size() - 1);
    if (b >= a) {
      b++;
    }
    NodeId infoHash = NodeId.random(random);
    int port = 1000 + i % 60_000;
    Dht announcer = swarm.get(a);
    Endpoint expected = new Endpoint(announcer.localEndpoint().address(), port);
    try {
      AnnounceResult announced = Await.await(announcer.announce(infoHash, port), STEP_TIMEOUT, "announce");
      PeersResult peers = Await.await(swarm.get(b).getPeers(infoHash), STEP_TIMEOUT, "get_peers");
      boolean found = peers.peers().contains(expected);
      return new Sample(found, peers.lookup(), announced.storedOn().size(), Optional.empty(), b);
    } catch (CommandFailure e) {
      return new Sample(false, null, 0, Optional.of(e.getMessage()), b);
    }
  }

  private void runUntilStopped(
      List<Dht> swarm, EventLoop pacer, SplittableRandom random, AtomicBoolean stopping, PrintWriter out) {
    out.println("running announce/get_peers round trips; Ctrl-C to stop");
    out.flush();
    Stats stats = new Stats();
    long nextReport = System.nanoTime() + REPORT_INTERVAL.toNanos();
    for (int i = 0; !stopping.get(); i++) {
      Sample s = roundTrip(swarm, i, random);
      if (stopping.get()) {
        break;
      }
      stats.add(record(s));
      if (System.nanoTime() - nextReport >= 0) {
        stats.printLine(out);
        nextReport += REPORT_INTERVAL.toNanos();
      }
      try {
        Await.await(pacer.delay(CONTINUOUS_PACE), STEP_TIMEOUT, "pace");
      } catch (CommandFailure e) {
        break;
      }
    }
  }

  private static Thread stopOnSignal(AtomicBoolean stopping, List<Dht> swarm, List<EventLoop> loops) {
    Thread hook =
        new Thread(
            () -> {
              stopping.set(true);
              swarm.forEach(Dht::close);
              loops.forEach(EventLoop::close);
            },
            "dht-swarm-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook is running.
    }
  }

  /** One round trip; {@code lookup} is B's get_peers lookup, absent when a step failed. */
  private record Sample(boolean found, LookupResult lookup, int storedOn, Optional<String> error, int node) {}

  /** Starts the dashboard over every node; a bad --http or a busy port is a one-line failure. */
  private void startDashboard(List<Dht> swarm, PrintWriter out) {
    InetSocketAddress address;
    try {
      address = HttpApi.parseBind(http);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--http " + e.getMessage());
    }
    if (!address.getAddress().isLoopbackAddress()) {
      throw new ParameterException(spec.commandLine(), "--http must be a loopback address for a swarm, got " + http);
    }
    try {
      api = HttpApi.builder(swarm).bind(address).start();
    } catch (IOException e) {
      throw new CommandFailure("cannot serve the dashboard on " + http + ": " + e.getMessage());
    }
    out.printf("dashboard: %s (API: %sapi/openapi.json)%n", api.uri(), api.uri());
    out.flush();
  }

  /** Records B's get_peers lookup for the dashboard (with --dashboard). */
  private Sample record(Sample s) {
    if (api != null && s.lookup() != null) {
      LookupResult l = s.lookup();
      api.lookups()
          .add(
              s.node(), "get_peers", api.nodes().get(s.node()).id(), l.target(),
              Instant.now().minusNanos(l.durationNanos()), List.of(), l);
    }
    return s;
  }

  /** Running totals over round trips. */
  private static final class Stats {
    int count;
    int found;
    final List<Long> rounds = new ArrayList<>();
    final List<Long> messages = new ArrayList<>();
    final List<Long> nanos = new ArrayList<>();
    final List<Long> storedOn = new ArrayList<>();
    Optional<String> firstError = Optional.empty();

    void add(Sample s) {
      count++;
      if (s.found()) {
        found++;
      }
      if (s.lookup() != null) {
        rounds.add((long) s.lookup().rounds());
        messages.add((long) s.lookup().messagesSent());
        nanos.add(s.lookup().durationNanos());
        storedOn.add((long) s.storedOn());
      }
      if (firstError.isEmpty()) {
        firstError = s.error();
      }
    }

    void print(PrintWriter out) {
      out.printf("  found       %d/%d (%s)%n", found, count, Format.percent(found, count));
      out.printf("  rounds      median %d, p90 %d%n", q(rounds, 0.5), q(rounds, 0.9));
      out.printf("  messages    %s per lookup%n", Format.decimal(mean(messages)));
      out.printf("  time        median %s per lookup%n", Format.millis(q(nanos, 0.5)));
      out.printf("  stored on   median %d nodes per announce%n", q(storedOn, 0.5));
      firstError.ifPresent(e -> out.println("  first error " + e));
      out.flush();
    }

    void printLine(PrintWriter out) {
      out.printf(
          "%d round trips, found %s, rounds median %d p90 %d, %s messages per lookup, median %s%n",
          count,
          Format.percent(found, count),
          q(rounds, 0.5),
          q(rounds, 0.9),
          Format.decimal(mean(messages)),
          Format.millis(q(nanos, 0.5)));
      out.flush();
    }

    private static long q(List<Long> values, double quantile) {
      return Format.quantile(values.stream().mapToLong(Long::longValue).toArray(), quantile);
    }

    private static double mean(List<Long> values) {
      return values.stream().mapToLong(Long::longValue).average().orElse(0);
    }
  }
}
