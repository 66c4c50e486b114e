package io.dht.cli;

import io.dht.Dht;
import io.dht.http.Json;
import io.dht.id.Endpoint;
import io.dht.node.PingResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dht ping HOST:PORT}: one KRPC ping through an ephemeral node (or a daemon, with {@code --api URL}). */
@Command(name = "ping", mixinStandardHelpOptions = true, description = "Ping a DHT node.")
final class PingCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "HOST:PORT", converter = Converters.HostPort.class, description = "The node to ping.")
  Endpoint target;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    Map<String, Object> pong;
    if (client.remote()) {
      pong = Remote.post(spec, client, "api/ping", Json.obj("address", target.toString()));
    } else {
      try (Dht dht = client.start(target, List.of())) {
        PingResult p = client.progress(spec).await(dht.ping(target), client.timeout(), "ping " + target);
        pong =
            Json.obj(
                "id", p.contact().id().toString(), "address", p.contact().endpoint().toString(),
                "rttMillis", Math.round(p.rttNanos() / 1e4) / 100.0);
      }
    }
    if (client.json) {
      ClientOptions.printJson(spec, pong);
    } else {
      double ms = ((Number) pong.get("rttMillis")).doubleValue();
      spec.commandLine()
          .getOut()
          .printf(
              "pong from %s: id %s, %s%n",
              Remote.string(pong, "address"), Remote.string(pong, "id"), Format.millis(Math.round(ms * 1e6)));
    }
    return 0;
  }
}
