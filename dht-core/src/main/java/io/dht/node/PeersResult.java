package io.dht.node;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.util.List;

/** Peers found for an info-hash by a get_peers lookup, without duplicates, in the order first seen. */
public record PeersResult(NodeId infoHash, List<Endpoint> peers, LookupResult lookup) {
  public PeersResult {
    peers = List.copyOf(peers);
  }
}
