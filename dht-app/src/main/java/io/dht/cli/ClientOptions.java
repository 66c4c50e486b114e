package io.dht.cli;

import io.dht.Dht;
import io.dht.id.Endpoint;
import io.dht.node.DhtConfig;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by the one-shot client commands, which run an ephemeral node for the duration of one request. */
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

  Duration timeout() {
    return Duration.ofSeconds(Math.max(1, timeoutSeconds));
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
        .config(privateNetwork ? DhtConfig.privateNetwork() : DhtConfig.defaults())
        .start();
  }
}
