package io.dht.cli;

import io.dht.Dht;
import io.dht.daemon.DataDir;
import io.dht.daemon.Logging;
import io.dht.http.HttpApi;
import io.dht.id.Endpoint;
import io.dht.node.DhtConfig;
import io.dht.node.LookupResult;
import io.dht.node.NodeStats;
import io.dht.transport.EventLoop;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dht node}: runs one node in the foreground until SIGINT/SIGTERM, when a shutdown hook closes it
 * gracefully: it first hands the BEP 44 items it holds to the nodes now responsible for them (bounded by {@code
 * --handoff-timeout}), then closes (which saves the routing table to the data directory). Prints a status line
 * every minute. {@code --bind6} adds an IPv6 socket (BEP 32 dual stack), {@code --read-only} makes a BEP 43
 * read-only node, and {@code --rate-limit}, {@code --rate-burst}, {@code --reply-bytes-per-second} set the abuse
 * limits (see {@code --help} for their defaults).
 */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = "Run a DHT node in the foreground.",
    footer = {
      "",
      "Abuse limits (defaults in the spirit of libtorrent's):",
      "  per source IP: " + NodeCommand.DEFAULT_RATE_LIMIT + " queries/s, bursts of " + NodeCommand.DEFAULT_RATE_BURST
          + "; the excess goes unanswered;",
      "  before decoding, an IP sending " + EventLoop.FLOOD_GUARD_RATE_FACTOR
          + "x that in datagrams is dropped unread;",
      "  all replies and errors: at most " + NodeCommand.DEFAULT_REPLY_BYTES_PER_SECOND
          + " bytes/s, with 3 s of burst.",
      "  --rate-limit 0 (or --private) lifts all three.",
      "Dual stack (BEP 32): --bind 192.0.2.7 --bind6 2001:db8::7 runs one node,",
      "  one id, one routing table per family; --bind ::1 alone is IPv6-only."
    })
final class NodeCommand implements Callable<Integer> {
  /** {@code DhtConfig.defaults().queryRatePerIp()}, as a constant for the help text (a test checks they agree). */
  static final int DEFAULT_RATE_LIMIT = 20;
  /** {@code DhtConfig.defaults().queryBurstPerIp()}. */
  static final int DEFAULT_RATE_BURST = 100;
  /** {@code DhtConfig.defaults().maxReplyBytesPerSecond()}. */
  static final int DEFAULT_REPLY_BYTES_PER_SECOND = 64_000;
  /** {@code DhtConfig.defaults().itemCheckInterval()} in minutes. */
  static final int DEFAULT_ITEM_CHECK_MINUTES = 30;
  /** {@code DhtConfig.defaults().handoffsPerSecond()}. */
  static final int DEFAULT_HANDOFFS_PER_SECOND = 20;
  /** {@code DhtConfig.defaults().alpha()}. */
  static final int DEFAULT_LOOKUP_ALPHA = 3;
  /** {@code DhtConfig.defaults().lookupMaxInFlight()}. */
  static final int DEFAULT_LOOKUP_IN_FLIGHT = 10;

  private static final Duration STATUS_INTERVAL = Duration.ofMinutes(1);
  private static final Duration BOOTSTRAP_TIMEOUT = Duration.ofSeconds(60);

  @Spec CommandSpec spec;

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      defaultValue = "0.0.0.0",
      converter = Converters.Address.class,
      description = "Local address, IPv4 or IPv6 (default: ${DEFAULT-VALUE}).")
  InetAddress bind;

  @Option(
      names = "--bind6",
      paramLabel = "ADDR6",
      converter = Converters.Address.class,
      description =
          "Also bind this IPv6 address: a BEP 32 dual-stack node (same id, one routing table per family)."
              + " --bind must then be IPv4.")
  InetAddress bind6;

  @Option(
      names = "--port6",
      paramLabel = "P",
      description = "UDP port of the --bind6 socket (default: the same as --port).")
  Integer port6;

  @Option(names = "--port", paramLabel = "P", defaultValue = "6881", description = "UDP port (default: ${DEFAULT-VALUE}; 0 = any).")
  int port;

  @Option(
      names = "--bootstrap",
      paramLabel = "HOST:PORT",
      converter = Converters.HostPort.class,
      description = "A node to join through (repeatable).")
  List<Endpoint> bootstrap = new ArrayList<>();

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Keep the node id and routing table here.")
  Path dataDir;

  @Option(
      names = "--private",
      description =
          "Private-network limits, for loopback swarms: no per-/24 bound in a bucket, no rate limits, no BEP 42 id"
              + " change (explicit --rate-limit/--reply-bytes-per-second still apply).")
  boolean privateNetwork;

  @Option(
      names = "--read-only",
      description =
          "BEP 43 read-only node: sends ro=1 in its queries and answers no queries; other nodes keep it out of"
              + " their routing tables.")
  boolean readOnly;

  @Option(
      names = "--rate-limit",
      paramLabel = "N",
      description =
          "Queries per second answered per source IP (token bucket; default: " + DEFAULT_RATE_LIMIT + ", "
              + "with --private 0). 0 turns off the per-IP throttle AND the reply-bytes cap (unless"
              + " --reply-bytes-per-second is given): for benchmarks and private networks.")
  Integer rateLimit;

  @Option(
      names = "--rate-burst",
      paramLabel = "N",
      description = "Queries one source IP may send at once before --rate-limit applies (default: "
          + DEFAULT_RATE_BURST + ").")
  Integer rateBurst;

  @Option(
      names = "--reply-bytes-per-second",
      paramLabel = "N",
      description =
          "Cap on the bytes of all replies and errors sent per second, with 3 s of burst (default: "
              + DEFAULT_REPLY_BYTES_PER_SECOND + ", with --private or --rate-limit 0: off). 0 = no cap.")
  Integer replyBytesPerSecond;

  @Option(
      names = "--item-check-minutes",
      paramLabel = "M",
      description =
          "Check each held BEP 44 item this often (jittered +-50 %%): do its k closest nodes hold it? Copies are re-put"
              + " where missing (default: " + DEFAULT_ITEM_CHECK_MINUTES + "; docs/durability.md).")
  Integer itemCheckMinutes;

  @Option(
      names = "--handoffs-per-second",
      paramLabel = "N",
      description =
          "Items pushed per second to newly met nodes that became responsible for them (default: "
              + DEFAULT_HANDOFFS_PER_SECOND + "; 0 = no handoff; a graceful shutdown hands items over either way).")
  Integer handoffsPerSecond;

  @Option(
      names = "--lookup-alpha",
      paramLabel = "A",
      description =
          "Queries a lookup keeps active at once, stragglers aside (default: " + DEFAULT_LOOKUP_ALPHA + ", Kademlia's"
              + " alpha). 8, with --lookup-in-flight 24, finds the k closest 24-42 %% sooner in simulation for 35-75 %%"
              + " more queries (docs/benchmarks-sim.md).")
  Integer lookupAlpha;

  @Option(
      names = "--lookup-in-flight",
      paramLabel = "N",
      description =
          "Hard cap on a lookup's queries in flight, stragglers included (default: " + DEFAULT_LOOKUP_IN_FLIGHT
              + ", at least --lookup-alpha).")
  Integer lookupInFlight;

  @Option(
      names = "--handoff-timeout",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description =
          "On shutdown, spend at most this long handing held items to other nodes (default: ${DEFAULT-VALUE};"
              + " 0 = close at once).")
  int handoffSeconds;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Read settings from FILE: 'name = value' lines, a name being any flag of this command without its"
              + " dashes (docs/operations.md); flags given on the command line override the file.")
  Path configFile;

  @Option(
      names = "--http",
      paramLabel = "ADDR:PORT",
      description =
          "Serve the HTTP JSON API, /metrics and the dashboard at ADDR:PORT, e.g. 127.0.0.1:8080 (default: off)."
              + " A non-loopback address needs --http-token.")
  String http;

  @Option(
      names = "--http-token",
      paramLabel = "TOKEN",
      description =
          "Bearer token the HTTP API then requires on /api/ and /metrics (default: the DHT_HTTP_TOKEN environment"
              + " variable); required when --http is not a loopback address.")
  String httpToken;

  @Option(
      names = "--keys-dir",
      paramLabel = "DIR",
      description =
          "Key files NAME.key (from 'dht keygen') that POST /api/items may sign mutable items with"
              + " (default: <data-dir>/keys).")
  Path keysDir;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      defaultValue = "info",
      description = "Logging on stderr: error, warn, info, debug or trace (default: ${DEFAULT-VALUE}).")
  String logLevel;

  /** The node's configuration from the flags; checks them (a bad value is a usage error). */
  DhtConfig config() {
    DhtConfig.Builder b = (privateNetwork ? DhtConfig.privateNetwork() : DhtConfig.defaults()).toBuilder();
    b.readOnly(readOnly);
    if (itemCheckMinutes != null) {
      if (itemCheckMinutes < 1) {
        throw new ParameterException(
            spec.commandLine(), "--item-check-minutes must be at least 1, got " + itemCheckMinutes);
      }
      b.itemCheckInterval(Duration.ofMinutes(itemCheckMinutes));
    }
    if (handoffsPerSecond != null) {
      if (handoffsPerSecond < 0) {
        throw new ParameterException(
            spec.commandLine(), "--handoffs-per-second must not be negative, got " + handoffsPerSecond);
      }
      b.handoffsPerSecond(handoffsPerSecond);
    }
    if (lookupAlpha != null && lookupAlpha < 1) {
      throw new ParameterException(spec.commandLine(), "--lookup-alpha must be at least 1, got " + lookupAlpha);
    }
    if (lookupInFlight != null && lookupInFlight < 1) {
      throw new ParameterException(spec.commandLine(), "--lookup-in-flight must be at least 1, got " + lookupInFlight);
    }
    int alpha = lookupAlpha != null ? lookupAlpha : b.build().alpha();
    if (lookupInFlight != null && lookupInFlight < alpha) {
      throw new ParameterException(
          spec.commandLine(),
          "--lookup-in-flight must be at least the lookup alpha (" + alpha + "), got " + lookupInFlight);
    }
    if (lookupAlpha != null) {
      b.alpha(lookupAlpha);
    }
    if (lookupInFlight != null) {
      b.lookupMaxInFlight(lookupInFlight);
    } else if (lookupAlpha != null) {
      b.lookupMaxInFlight(Math.max(lookupAlpha, DEFAULT_LOOKUP_IN_FLIGHT));
    }
    return limits(spec, b, rateLimit, rateBurst, replyBytesPerSecond).build();
  }

  /**
   * Applies {@code --rate-limit}, {@code --rate-burst} and {@code --reply-bytes-per-second} (each null when not
   * given) to {@code b}: {@code --rate-limit 0} lifts the per-IP throttle and, unless a reply cap is given too,
   * the reply-bytes cap.
   */
  static DhtConfig.Builder limits(
      CommandSpec spec, DhtConfig.Builder b, Integer rate, Integer burst, Integer replyBytes) {
    if (rate != null && rate < 0) {
      throw new ParameterException(spec.commandLine(), "--rate-limit must not be negative, got " + rate);
    }
    if (burst != null && burst < 1) {
      throw new ParameterException(spec.commandLine(), "--rate-burst must be at least 1, got " + burst);
    }
    if (replyBytes != null && replyBytes < 0) {
      throw new ParameterException(
          spec.commandLine(), "--reply-bytes-per-second must not be negative, got " + replyBytes);
    }
    if (rate != null) {
      b.queryRatePerIp(rate);
      if (rate == 0) {
        b.maxReplyBytesPerSecond(0);
      }
    }
    if (burst != null) {
      b.queryBurstPerIp(burst);
    }
    if (replyBytes != null) {
      b.maxReplyBytesPerSecond(replyBytes);
    }
    return b;
  }

  /** The Dht builder from the flags (addresses, ports, bootstrap, data dir, config). */
  Dht.Builder builder() {
    if (port < 0 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "--port must be 0..65535, got " + port);
    }
    if (port6 != null && (port6 < 0 || port6 > 65535)) {
      throw new ParameterException(spec.commandLine(), "--port6 must be 0..65535, got " + port6);
    }
    if (handoffSeconds < 0) {
      throw new ParameterException(spec.commandLine(), "--handoff-timeout must not be negative, got " + handoffSeconds);
    }
    if (bind6 != null && !(bind6 instanceof Inet6Address)) {
      throw new ParameterException(
          spec.commandLine(), "--bind6 must be an IPv6 address, got " + bind6.getHostAddress());
    }
    if (bind6 != null && bind instanceof Inet6Address) {
      throw new ParameterException(
          spec.commandLine(), "with --bind6, --bind must be an IPv4 address, got " + bind.getHostAddress());
    }
    if (port6 != null && bind6 == null) {
      throw new ParameterException(spec.commandLine(), "--port6 needs --bind6");
    }
    Dht.Builder builder = Dht.builder().bindAddress(bind).port(port).bootstrap(bootstrap).config(config());
    if (bind6 != null) {
      builder.bindAddress6(bind6);
      if (port6 != null) {
        builder.port6(port6);
      }
    }
    if (dataDir != null) {
      builder.dataDir(dataDir);
    }
    return builder;
  }

  @Override
  public Integer call() {
    if (configFile != null) {
      ConfigOptions.apply(spec, configFile);
    }
    try {
      Logging.setLevel(logLevel);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--log-level: " + e.getMessage());
    }
    Optional<InetSocketAddress> httpAddress = httpAddress();
    Dht.Builder builder = builder();
    PrintWriter out = spec.commandLine().getOut();
    Dht dht = builder.start();
    HttpApi api = startHttp(dht, httpAddress);
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    Thread hook =
        new Thread(
            () -> {
              if (api != null) {
                api.close(); // no new requests while the node hands off and closes
              }
              OptionalInt handed =
                  handoffSeconds == 0 ? OptionalInt.of(0) : dht.closeGracefully(Duration.ofSeconds(handoffSeconds));
              dht.close(); // a no-op after closeGracefully
              String items =
                  handed.isPresent()
                      ? handed.getAsInt() + " items handed off"
                      : "handoff unfinished after " + handoffSeconds + " s";
              out.println(
                  (dataDir == null ? "stopped" : "stopped; routing table saved in " + dataDir) + "; " + items);
              out.flush();
              stopped.complete(null);
            },
            "dht-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.printf(
        "node %s listening on %s%s%n",
        dht.id(),
        String.join(" and ", dht.localEndpoints().stream().map(Endpoint::toString).toList()),
        readOnly ? " (read-only)" : "");
    String unavailable = EventLoop.nativeIoUnavailableReason();
    out.printf(
        "datagram I/O: %s%s%n",
        dht.io(),
        dht.io().startsWith("NIO") && unavailable != null ? " (batched I/O unavailable: " + unavailable + ")" : "");
    if (api != null) {
      out.printf("HTTP API, metrics and dashboard on %s%n", api.uri());
    }
    out.flush();
    if (bootstrap.isEmpty() && !hasSavedTable()) {
      out.println("no bootstrap contacts: waiting for other nodes to contact us");
    } else {
      try {
        LookupResult joined = Await.await(dht.bootstrap(), BOOTSTRAP_TIMEOUT, "bootstrap");
        int size = Await.await(dht.routingTable(), BOOTSTRAP_TIMEOUT, "routing table").size();
        out.printf(
            "bootstrapped in %s: %d contacts in the routing table%n", Format.seconds(joined.durationNanos()), size);
      } catch (CommandFailure e) {
        if (stopped.isDone()) {
          return 0;
        }
        out.println(e.getMessage() + "; waiting for other nodes to contact us");
      }
    }
    out.flush();
    while (!waitStopped(stopped)) {
      try {
        NodeStats s = dht.stats().get(10, TimeUnit.SECONDS);
        out.printf(
            "routing table %d contacts, %d buckets; in %d / out %d datagrams; %d peers stored;"
                + " %d queries throttled, %d replies dropped by the byte cap%n",
            s.routingTableSize(), s.buckets(), s.datagramsIn(), s.datagramsOut(), s.storedPeers(),
            s.queriesThrottled(), s.repliesDropped());
        out.flush();
      } catch (ExecutionException | TimeoutException e) {
        // Closing: the loop has stopped answering; the hook completes 'stopped'.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return 0;
  }

  /** {@code --http}, checked before the node starts; a non-loopback address needs a token. */
  private Optional<InetSocketAddress> httpAddress() {
    if (http == null) {
      if (httpToken != null || keysDir != null) {
        throw new ParameterException(spec.commandLine(), "--http-token and --keys-dir need --http ADDR:PORT");
      }
      return Optional.empty();
    }
    InetSocketAddress address;
    try {
      address = HttpApi.parseBind(http);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--http " + e.getMessage());
    }
    if (!address.getAddress().isLoopbackAddress() && token().isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "--http " + http + " is not a loopback address: give --http-token (or DHT_HTTP_TOKEN, or http-token in"
              + " the config file)");
    }
    return Optional.of(address);
  }

  private Optional<String> token() {
    String t = httpToken != null ? httpToken : System.getenv("DHT_HTTP_TOKEN");
    return Optional.ofNullable(t).filter(x -> !x.isBlank());
  }

  /** Starts the HTTP API for {@code dht}, or returns null without --http; on failure closes the node. */
  private HttpApi startHttp(Dht dht, Optional<InetSocketAddress> address) {
    if (address.isEmpty()) {
      return null;
    }
    Path keys = keysDir != null ? keysDir : dataDir != null ? dataDir.resolve("keys") : null;
    try {
      return HttpApi.builder(dht).bind(address.get()).token(token().orElse(null)).keysDir(keys).start();
    } catch (IOException e) {
      dht.close();
      throw new CommandFailure("cannot serve HTTP on " + http + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      dht.close();
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private boolean hasSavedTable() {
    return dataDir != null && Files.isRegularFile(dataDir.resolve(DataDir.ROUTING_TABLE_FILE));
  }

  /** Waits one status interval; true once the shutdown hook has closed the node. */
  private static boolean waitStopped(CompletableFuture<Void> stopped) {
    try {
      stopped.get(STATUS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    } catch (ExecutionException e) {
      return true;
    }
  }
}
