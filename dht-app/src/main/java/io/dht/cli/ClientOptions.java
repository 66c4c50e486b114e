package io.dht.cli;

import io.dht.Dht;
import io.dht.http.ApiClient;
import io.dht.http.Json;
import io.dht.id.Endpoint;
import io.dht.node.DhtConfig;
import java.io.PrintWriter;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Options shared by the one-shot client commands, which run an ephemeral read-only node (BEP 43) for the duration of
 * one request.
 */
final class ClientOptions {
  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      converter = Converters.Address.class,
      description = "Local address of the ephemeral node (default: 0.0.0.0, or :: for an IPv6 target).")
  InetAddress bind;

  @Option(names = "--private", description = "Private-network limits (no per-/24 bound), for loopback swarms.")
  boolean privateNetwork;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "30",
      description = "Give up after this many seconds (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(
      names = "--api",
      paramLabel = "URL",
      description =
          "Use the running daemon at URL (its HTTP API: 'dht node --http ADDR:PORT'), e.g. http://127.0.0.1:8080,"
              + " instead of an ephemeral node; --bootstrap is then not needed.")
  String api;

  @Option(
      names = "--api-token",
      paramLabel = "TOKEN",
      description = "Bearer token for --api (default: the DHT_API_TOKEN environment variable).")
  String apiToken;

  @Option(names = "--json", description = "Print the result as one JSON object on stdout (errors stay on stderr).")
  boolean json;

  @Option(
      names = "--progress",
      description = "Show a progress line on stderr even when it is not a terminal (on a terminal it is shown anyway).")
  boolean progress;

  Duration timeout() {
    return Duration.ofSeconds(Math.max(1, timeoutSeconds));
  }

  boolean remote() {
    return api != null;
  }

  /** The client of {@code --api}; a malformed URL is a bad argument. */
  ApiClient apiClient(CommandSpec spec) {
    String token = apiToken != null ? apiToken : System.getenv("DHT_API_TOKEN");
    try {
      return new ApiClient(api, Optional.ofNullable(token).filter(t -> !t.isBlank()), timeout());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--api " + e.getMessage());
    }
  }

  /** The progress display of this command (stderr). */
  Progress progress(CommandSpec spec) {
    return new Progress(spec.commandLine().getErr(), Progress.wanted(progress, json));
  }

  /** {@code --bootstrap} is required unless {@code --api} is given. */
  void requireBootstrap(CommandSpec spec, List<Endpoint> bootstrap) {
    if (!remote() && (bootstrap == null || bootstrap.isEmpty())) {
      throw new ParameterException(
          spec.commandLine(), "missing --bootstrap HOST:PORT (a node to join through), or --api URL of a daemon");
    }
  }

  /** Prints {@code value} as one line of JSON on stdout. */
  static void printJson(CommandSpec spec, Object value) {
    PrintWriter out = spec.commandLine().getOut();
    out.println(Json.write(value));
    out.flush();
  }

  /** Starts the ephemeral node, bound to {@code --bind} or to the wildcard of {@code target}'s family. */
  Dht start(Endpoint target, List<Endpoint> bootstrap) {
    InetAddress address = bind;
    if (address == null) {
      address = Endpoint.parseAddress(target.address() instanceof Inet6Address ? "::" : "0.0.0.0");
    }
    return Dht.builder()
        .bindAddress(address)
        .port(0)
        .bootstrap(new ArrayList<>(bootstrap))
        // read-only (BEP 43): the node lives for one request, so nobody should route to it or give it items
        .config((privateNetwork ? DhtConfig.privateNetwork() : DhtConfig.defaults()).toBuilder()
            .readOnly(true)
            .build())
        .start();
  }
}
