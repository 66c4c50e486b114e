package io.dht.node;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.util.List;
import java.util.OptionalLong;

/**
 * Peers found for an info-hash by a get_peers lookup, without duplicates, in the order first seen.
 *
 * @param firstPeersNanos time from the start of the lookup until the first reply that carried peers (a BitTorrent
 *     client could start connecting then); empty when none did
 */
public record PeersResult(NodeId infoHash, List<Endpoint> peers, OptionalLong firstPeersNanos, LookupResult lookup) {
  public PeersResult {
    peers = List.copyOf(peers);
  }
}
