package io.dht.cli;

import io.dht.Dht;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.PeersResult;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
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
      required = true,
      converter = Converters.HostPort.class,
      description = "A node to join through (repeatable).")
  List<Endpoint> bootstrap;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    try (Dht dht = client.start(bootstrap.get(0), bootstrap)) {
      Bootstrap.join(dht, bootstrap, client.timeout());
      PeersResult result = Await.await(dht.getPeers(infoHash), client.timeout(), "get_peers " + infoHash);
      PrintWriter out = spec.commandLine().getOut();
      for (Endpoint peer : result.peers()) {
        out.println(peer);
      }
      out.flush();
    }
    return 0;
  }
}
