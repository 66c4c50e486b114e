package io.dht.share;

import io.dht.id.Endpoint;
import java.net.InetAddress;
import java.util.List;

/**
 * Counters of a {@link Share} or {@link Fetch}, snapshotted on its thread.
 *
 * @param listening the TCP endpoint peers connect to
 * @param connections open TCP connections (any phase)
 * @param peers connections past the handshake
 * @param bytesDownloaded piece data received (duplicates included)
 * @param bytesUploaded piece data sent
 * @param bytesRequested piece data we asked peers for (end-game duplicates included)
 * @param bytesWasted piece data received and dropped (duplicates, unrequested, failed pieces)
 * @param bytesResumed bytes found valid on disk at start
 * @param piecesVerified pieces that passed their hash after download
 * @param piecesFailed pieces that failed their hash
 * @param metadataPiecesServed BEP 9 data messages sent
 * @param banned addresses banned for sending corrupt data
 * @param connectionsAccepted incoming connections taken
 * @param connectionsRefused incoming connections closed at once (over the limit, banned)
 * @param connectionsOpened outgoing connections made
 * @param protocolErrors connections closed for malformed or invalid messages
 * @param timeouts connections closed for silence (handshake, idle, requests)
 * @param requestsDropped peer requests ignored (choked, over the queue limit)
 * @param lookups DHT get_peers lookups completed
 * @param announces DHT announces completed
 * @param internalErrors unexpected exceptions caught on the swarm thread (should stay 0)
 */
public record SwarmStats(
    Endpoint listening,
    int connections,
    int peers,
    long bytesDownloaded,
    long bytesUploaded,
    long bytesRequested,
    long bytesWasted,
    long bytesResumed,
    int piecesVerified,
    int piecesFailed,
    int metadataPiecesServed,
    List<InetAddress> banned,
    long connectionsAccepted,
    long connectionsRefused,
    long connectionsOpened,
    long protocolErrors,
    long timeouts,
    long requestsDropped,
    int lookups,
    int announces,
    long internalErrors) {
  public SwarmStats {
    banned = List.copyOf(banned);
  }
}
