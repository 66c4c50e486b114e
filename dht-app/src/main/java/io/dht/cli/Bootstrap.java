package io.dht.cli;

import io.dht.Dht;
import io.dht.id.Endpoint;
import io.dht.node.LookupResult;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** Joining the network for the one-shot commands, failing with one line when nobody answers. */
final class Bootstrap {
  private Bootstrap() {}

  static LookupResult join(Dht dht, List<Endpoint> seeds, Duration timeout) {
    return join(dht, seeds, timeout, new Progress(null, false));
  }

  /** {@link #join(Dht, List, Duration)} with a progress display while waiting. */
  static LookupResult join(Dht dht, List<Endpoint> seeds, Duration timeout, Progress progress) {
    String names = seeds.stream().map(Endpoint::toString).collect(Collectors.joining(", "));
    LookupResult result = progress.await(dht.bootstrap(), timeout, "bootstrap through " + names);
    List<?> table = Await.await(dht.routingTable(), timeout, "routing table");
    if (result.responses() == 0 && table.isEmpty()) {
      throw new CommandFailure("bootstrap failed: no reply from " + names);
    }
    return result;
  }
}
