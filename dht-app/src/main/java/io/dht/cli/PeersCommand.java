package io.dht.cli;

import io.dht.Dht;
import io.dht.http.Json;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.PeersResult;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dht peers INFOHASH --bootstrap HOST:PORT}: a get_peers lookup; prints one {@code IP:PORT} per line. */
@Command(
    name = "peers",
    mixinStandardHelpOptions = true,
    description = "Find the peers announced for an info-hash (one IP:PORT per line on stdout).")
final class PeersCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "INFOHASH", converter = Converters.InfoHash.class, description = "40 hex digits.")
  NodeId infoHash;

  @Option(
      names = "--bootstrap",
      paramLabel = "HOST:PORT",
      converter = Converters.HostPort.class,
      description = "A node to join through (repeatable); required unless --api is given.")
  List<Endpoint> bootstrap;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    client.requireBootstrap(spec, bootstrap);
    Map<String, Object> found;
    PrintWriter out = spec.commandLine().getOut();
    boolean streamed = false;
    if (client.remote()) {
      found = Remote.get(spec, client, "api/peers/" + infoHash);
    } else {
      try (Dht dht = client.start(bootstrap.get(0), bootstrap)) {
        Progress progress = client.progress(spec);
        Bootstrap.join(dht, bootstrap, client.timeout(), progress);
        // Without --json each peer is printed as soon as a reply brings it, not when the lookup ends.
        streamed = !client.json;
        Consumer<List<Endpoint>> print =
            peers -> {
              synchronized (out) {
                peers.forEach(out::println);
                out.flush();
              }
            };
        PeersResult result =
            progress.await(
                streamed ? dht.getPeers(infoHash, print) : dht.getPeers(infoHash),
                client.timeout(),
                "get_peers " + infoHash);
        found =
            Json.obj(
                "infohash", infoHash.toString(),
                "peers", result.peers().stream().map(Endpoint::toString).toList(),
                "rounds", result.lookup().rounds(),
                "responses", result.lookup().responses(),
                "firstPeersMillis",
                result.firstPeersNanos().isPresent() ? result.firstPeersNanos().getAsLong() / 1e6 : null);
      }
    }
    if (client.json) {
      ClientOptions.printJson(spec, found);
      return 0;
    }
    if (!streamed) {
      for (Object peer : (List<?>) found.get("peers")) {
        out.println(peer);
      }
      out.flush();
    }
    return 0;
  }
}
