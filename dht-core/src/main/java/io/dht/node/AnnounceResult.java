package io.dht.node;

import io.dht.id.Contact;
import io.dht.id.NodeId;
import java.util.List;

/**
 * An announce: the get_peers lookup that collected tokens, and the nodes (at most k, those closest that returned
 * a token) that acknowledged our announce_peer.
 */
public record AnnounceResult(NodeId infoHash, int port, List<Contact> storedOn, PeersResult lookup) {
  public AnnounceResult {
    storedOn = List.copyOf(storedOn);
  }
}
