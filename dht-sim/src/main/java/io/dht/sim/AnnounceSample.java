package io.dht.sim;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.AnnounceResult;
import io.dht.node.PeersResult;

/**
 * One announce-then-get_peers trial: {@code announcer} announced {@code peer} for {@code infoHash}, then {@code
 * getter} looked the info-hash up.
 *
 * @param announcer the node that announced
 * @param getter the node that ran get_peers afterwards
 * @param infoHash the info-hash
 * @param peer the endpoint that should be found: the announcer's address with the announced port
 * @param announce what the announce returned
 * @param lookup what get_peers returned
 */
public record AnnounceSample(
    NodeId announcer, NodeId getter, NodeId infoHash, Endpoint peer, AnnounceResult announce, PeersResult lookup) {

  /** Whether get_peers returned the announced peer. */
  public boolean found() {
    return lookup.peers().contains(peer);
  }
}
