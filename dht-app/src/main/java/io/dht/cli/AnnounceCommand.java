package io.dht.cli;

import io.dht.Dht;
import io.dht.http.Json;
import io.dht.http.ResultJson;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.AnnounceResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dht announce INFOHASH --port P --bootstrap HOST:PORT}: get_peers, then announce_peer to the closest. */
@Command(
    name = "announce",
    mixinStandardHelpOptions = true,
    description = "Announce that this host serves an info-hash on a port.")
final class AnnounceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "INFOHASH", converter = Converters.InfoHash.class, description = "40 hex digits.")
  NodeId infoHash;

  @Option(
      names = "--port",
      paramLabel = "P",
      required = true,
      description = "The port peers should connect to; 0 = the UDP source port (implied_port).")
  int port;

  @Option(
      names = "--bootstrap",
      paramLabel = "HOST:PORT",
      converter = Converters.HostPort.class,
      description = "A node to join through (repeatable); required unless --api is given.")
  List<Endpoint> bootstrap;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    if (port < 0 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "--port must be 0..65535, got " + port);
    }
    client.requireBootstrap(spec, bootstrap);
    Map<String, Object> announced;
    if (client.remote()) {
      announced = Remote.post(spec, client, "api/announce", Json.obj("infohash", infoHash.toString(), "port", port));
    } else {
      try (Dht dht = client.start(bootstrap.get(0), bootstrap)) {
        Progress progress = client.progress(spec);
        Bootstrap.join(dht, bootstrap, client.timeout(), progress);
        AnnounceResult result =
            progress.await(dht.announce(infoHash, port), client.timeout(), "announce " + infoHash);
        announced =
            Json.obj(
                "infohash", infoHash.toString(), "port", port, "stored", result.storedOn().size(),
                "storedOn", ResultJson.contacts(result.storedOn()));
      }
    }
    long stored = Remote.number(announced, "stored");
    if (stored == 0) {
      throw new CommandFailure("announce " + infoHash + ": no node accepted it");
    }
    if (client.json) {
      ClientOptions.printJson(spec, announced);
    } else {
      spec.commandLine().getOut().printf("announced %s port %d on %d nodes%n", infoHash, port, stored);
    }
    return 0;
  }
}
