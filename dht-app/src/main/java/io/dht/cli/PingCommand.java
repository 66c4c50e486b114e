package io.dht.cli;

import io.dht.Dht;
import io.dht.id.Endpoint;
import io.dht.node.PingResult;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dht ping HOST:PORT}: one KRPC ping through an ephemeral node. */
@Command(name = "ping", mixinStandardHelpOptions = true, description = "Ping a DHT node.")
final class PingCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "HOST:PORT", converter = Converters.HostPort.class, description = "The node to ping.")
  Endpoint target;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    try (Dht dht = client.start(target, List.of())) {
      PingResult pong = Await.await(dht.ping(target), client.timeout(), "ping " + target);
      spec.commandLine()
          .getOut()
          .printf(
              "pong from %s: id %s, %s%n",
              pong.contact().endpoint(), pong.contact().id(), Format.millis(pong.rttNanos()));
    }
    return 0;
  }
}
