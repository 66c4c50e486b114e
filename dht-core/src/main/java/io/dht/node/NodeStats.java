package io.dht.node;

/**
 * A snapshot of a node's counters, taken on its loop. Counters are totals since the node started.
 *
 * @param datagramsIn datagrams handed to the node
 * @param datagramsOut datagrams the node sent
 * @param bytesIn bytes received
 * @param bytesOut bytes sent
 * @param queriesIn well-formed queries received (all methods)
 * @param pingsIn ping queries received
 * @param findNodesIn find_node queries received
 * @param getPeersIn get_peers queries received
 * @param announcesIn announce_peer queries received
 * @param unknownQueriesIn queries with a method we do not know (sample_infohashes counts in {@code samplesIn})
 * @param responsesIn responses matched to an outstanding query
 * @param errorsIn KRPC errors matched to an outstanding query (by code in {@code errorsInByCode})
 * @param undecodable datagrams dropped because they were not valid bencode or KRPC
 * @param unsolicited responses and errors that matched no outstanding query (or came from the wrong address)
 * @param errorsSent error replies sent (all codes; by code in {@code errorsSentByCode})
 * @param invalidTokens announces refused for a bad token
 * @param timeouts queries that got no reply in time
 * @param rpcsRejected queries not sent because too many were in flight
 * @param inFlightRpcs queries outstanding now
 * @param routingTableSize live entries in the routing table
 * @param buckets number of buckets
 * @param infoHashes info-hashes with stored peers
 * @param storedPeers peers stored over all info-hashes
 * @param lookupsStarted lookups started
 * @param lookupsCompleted lookups completed
 * @param internalErrors bugs: exceptions caught while handling a datagram or timer (must stay 0)
 * @param queriesThrottled queries dropped by the per-IP rate limit
 * @param idChanges times BEP 42 made us adopt a new id
 * @param itemGetsIn BEP 44 get queries received
 * @param itemPutsIn BEP 44 put queries received
 * @param storedItems BEP 44 items held for others
 * @param repliesDropped replies not sent because of the reply-bytes cap
 * @param pingsOut ping queries sent
 * @param findNodesOut find_node queries sent
 * @param getPeersOut get_peers queries sent
 * @param announcesOut announce_peer queries sent
 * @param itemGetsOut BEP 44 get queries sent
 * @param itemPutsOut BEP 44 put queries sent
 * @param samplesOut BEP 51 sample_infohashes queries sent
 * @param responsesOut responses sent to queries (errors not included): the datagrams out that are neither queries nor
 *     errors
 * @param samplesIn BEP 51 sample_infohashes queries received
 * @param errorsInByCode {@code errorsIn} by KRPC error code
 * @param errorsSentByCode {@code errorsSent} by KRPC error code
 * @param uptimeNanos time since the node was created (the node's clock)
 * @param throttledSources source IPs whose queries the per-IP rate limit refused within the last minute
 * @param throttleEpisodes times a source IP started being refused (first refusal, or first after a quiet minute)
 */
public record NodeStats(
    long datagramsIn,
    long datagramsOut,
    long bytesIn,
    long bytesOut,
    long queriesIn,
    long pingsIn,
    long findNodesIn,
    long getPeersIn,
    long announcesIn,
    long unknownQueriesIn,
    long responsesIn,
    long errorsIn,
    long undecodable,
    long unsolicited,
    long errorsSent,
    long invalidTokens,
    long timeouts,
    long rpcsRejected,
    int inFlightRpcs,
    int routingTableSize,
    int buckets,
    int infoHashes,
    int storedPeers,
    long lookupsStarted,
    long lookupsCompleted,
    long internalErrors,
    long queriesThrottled,
    long idChanges,
    long itemGetsIn,
    long itemPutsIn,
    int storedItems,
    long repliesDropped,
    long pingsOut,
    long findNodesOut,
    long getPeersOut,
    long announcesOut,
    long itemGetsOut,
    long itemPutsOut,
    long samplesOut,
    long responsesOut,
    long samplesIn,
    ErrorCounts errorsInByCode,
    ErrorCounts errorsSentByCode,
    long uptimeNanos,
    int throttledSources,
    long throttleEpisodes) {
  /** Queries sent, all methods. */
  public long queriesOut() {
    return pingsOut + findNodesOut + getPeersOut + announcesOut + itemGetsOut + itemPutsOut + samplesOut;
  }
}
