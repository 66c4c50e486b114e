package io.dht.cli;

import io.dht.Dht;
import io.dht.daemon.DataDir;
import io.dht.id.Endpoint;
import io.dht.node.DhtConfig;
import io.dht.node.LookupResult;
import io.dht.node.NodeStats;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * every minute.
 */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run a DHT node in the foreground.")
final class NodeCommand implements Callable<Integer> {
  private static final Duration STATUS_INTERVAL = Duration.ofMinutes(1);
  private static final Duration BOOTSTRAP_TIMEOUT = Duration.ofSeconds(60);

  @Spec CommandSpec spec;

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      defaultValue = "0.0.0.0",
      converter = Converters.Address.class,
      description = "Local address (default: ${DEFAULT-VALUE}).")
  InetAddress bind;

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

  @Option(names = "--private", description = "Private-network limits (no per-/24 bound), for loopback swarms.")
  boolean privateNetwork;

  @Option(
      names = "--handoff-timeout",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description =
          "On shutdown, spend at most this long handing held items to other nodes (default: ${DEFAULT-VALUE};"
              + " 0 = close at once).")
  int handoffSeconds;

  @Override
  public Integer call() {
    if (port < 0 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "--port must be 0..65535, got " + port);
    }
    if (handoffSeconds < 0) {
      throw new ParameterException(spec.commandLine(), "--handoff-timeout must not be negative, got " + handoffSeconds);
    }
    PrintWriter out = spec.commandLine().getOut();
    Dht.Builder builder =
        Dht.builder()
            .bindAddress(bind)
            .port(port)
            .bootstrap(bootstrap)
            .config(privateNetwork ? DhtConfig.privateNetwork() : DhtConfig.defaults());
    if (dataDir != null) {
      builder.dataDir(dataDir);
    }
    Dht dht = builder.start();
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    Thread hook =
        new Thread(
            () -> {
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
    out.printf("node %s listening on %s%n", dht.id(), dht.localEndpoint());
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
            "routing table %d contacts, %d buckets; in %d / out %d datagrams; %d peers stored%n",
            s.routingTableSize(), s.buckets(), s.datagramsIn(), s.datagramsOut(), s.storedPeers());
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
