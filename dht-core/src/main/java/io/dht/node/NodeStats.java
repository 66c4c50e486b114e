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
 * @param unknownQueriesIn queries with a method we do not know
 * @param responsesIn responses matched to an outstanding query
 * @param errorsIn KRPC errors matched to an outstanding query
 * @param undecodable datagrams dropped because they were not valid bencode or KRPC
 * @param unsolicited responses and errors that matched no outstanding query (or came from the wrong address)
 * @param errorsSent error replies sent (201-204)
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
    long repliesDropped) {}
