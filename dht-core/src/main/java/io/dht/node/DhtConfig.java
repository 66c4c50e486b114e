package io.dht.node;

import java.time.Duration;

/**
 * Every tunable of a node, with BEP 5 and real-world defaults ({@link #defaults()}). Immutable; change a copy with
 * the {@code withX} methods.
 *
 * @param k bucket size and the number of closest nodes a lookup converges on (BEP 5: 8)
 * @param alpha lookup parallelism: queries in flight that are not yet stragglers (Kademlia: 3)
 * @param lookupMaxInFlight hard cap on a lookup's queries in flight, stragglers included
 * @param rpcTimeoutInitial timeout before any round trip has been measured
 * @param rpcTimeoutMin lower clamp of the adaptive timeout
 * @param rpcTimeoutMax upper clamp of the adaptive timeout
 * @param maxInFlightRpcs node-wide bound on outstanding queries; further queries fail fast
 * @param replacementCacheSize nodes kept per bucket in case a live entry goes bad
 * @param maxNodesPerSubnetInBucket entries of one bucket that may share a /24 (IPv4) or /64 (IPv6); set it to
 *     {@code k} on a private network where every node shares 127.0.0.0/24
 * @param oneNodePerIp at most one routing-table entry per IP address
 * @param questionableAfter a node not heard from for this long is questionable (BEP 5: 15 minutes)
 * @param bucketRefreshInterval an idle bucket is refreshed after this long (BEP 5: 15 minutes)
 * @param failuresBeforeBad consecutive unanswered queries that make a node bad
 * @param tokenRotation write-token secret lifetime; tokens are accepted for two rotations (BEP 5: 5 minutes)
 * @param peerTtl an announced peer expires this long after its last announce (BEP 5 suggests 30 minutes)
 * @param maxPeersPerInfoHash stored peers per info-hash; when full the oldest announce is evicted
 * @param maxInfoHashes info-hashes tracked; when full, a new info-hash evicts the one whose freshest peer is oldest
 * @param maxReplyBytes no datagram we send is larger (BEP 32: 1024)
 * @param clientVersion the 4-byte {@code v} field (2-letter client code + 2-byte version), as ISO-8859-1 text
 */
public record DhtConfig(
    int k,
    int alpha,
    int lookupMaxInFlight,
    Duration rpcTimeoutInitial,
    Duration rpcTimeoutMin,
    Duration rpcTimeoutMax,
    int maxInFlightRpcs,
    int replacementCacheSize,
    int maxNodesPerSubnetInBucket,
    boolean oneNodePerIp,
    Duration questionableAfter,
    Duration bucketRefreshInterval,
    int failuresBeforeBad,
    Duration tokenRotation,
    Duration peerTtl,
    int maxPeersPerInfoHash,
    int maxInfoHashes,
    int maxReplyBytes,
    String clientVersion) {

  public DhtConfig {
    requirePositive("k", k);
    requirePositive("alpha", alpha);
    if (lookupMaxInFlight < alpha) {
      throw new IllegalArgumentException("lookupMaxInFlight must be >= alpha, got " + lookupMaxInFlight);
    }
    requirePositive("maxInFlightRpcs", maxInFlightRpcs);
    requirePositive("replacementCacheSize", replacementCacheSize);
    requirePositive("maxNodesPerSubnetInBucket", maxNodesPerSubnetInBucket);
    requirePositive("failuresBeforeBad", failuresBeforeBad);
    requirePositive("maxPeersPerInfoHash", maxPeersPerInfoHash);
    requirePositive("maxInfoHashes", maxInfoHashes);
    if (maxReplyBytes < 512) {
      throw new IllegalArgumentException("maxReplyBytes must be >= 512, got " + maxReplyBytes);
    }
    if (clientVersion == null || clientVersion.length() != 4) {
      throw new IllegalArgumentException("clientVersion must have 4 characters");
    }
    for (Duration d :
        new Duration[] {
          rpcTimeoutInitial, rpcTimeoutMin, rpcTimeoutMax, questionableAfter, bucketRefreshInterval,
          tokenRotation, peerTtl
        }) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("durations must be positive");
      }
    }
    if (rpcTimeoutMin.compareTo(rpcTimeoutMax) > 0) {
      throw new IllegalArgumentException("rpcTimeoutMin must not exceed rpcTimeoutMax");
    }
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  /** BEP 5 defaults with libtorrent-like Sybil limits. */
  public static DhtConfig defaults() {
    return new DhtConfig(
        8,
        3,
        10,
        Duration.ofSeconds(2),
        Duration.ofMillis(250),
        Duration.ofSeconds(5),
        2048,
        8,
        1,
        true,
        Duration.ofMinutes(15),
        Duration.ofMinutes(15),
        2,
        Duration.ofMinutes(5),
        Duration.ofMinutes(30),
        500,
        10_000,
        1024,
        "JD\u0000\u0001");
  }

  /** Defaults for a private network (loopback swarms, simulations): no per-/24 bound within a bucket. */
  public static DhtConfig privateNetwork() {
    return defaults().withMaxNodesPerSubnetInBucket(8);
  }

  public DhtConfig withK(int value) {
    return new DhtConfig(value, alpha, lookupMaxInFlight, rpcTimeoutInitial, rpcTimeoutMin, rpcTimeoutMax,
        maxInFlightRpcs, replacementCacheSize, Math.min(maxNodesPerSubnetInBucket, value), oneNodePerIp,
        questionableAfter, bucketRefreshInterval, failuresBeforeBad, tokenRotation, peerTtl, maxPeersPerInfoHash,
        maxInfoHashes, maxReplyBytes, clientVersion);
  }

  public DhtConfig withAlpha(int value) {
    return new DhtConfig(k, value, Math.max(lookupMaxInFlight, value), rpcTimeoutInitial, rpcTimeoutMin,
        rpcTimeoutMax, maxInFlightRpcs, replacementCacheSize, maxNodesPerSubnetInBucket, oneNodePerIp,
        questionableAfter, bucketRefreshInterval, failuresBeforeBad, tokenRotation, peerTtl, maxPeersPerInfoHash,
        maxInfoHashes, maxReplyBytes, clientVersion);
  }

  public DhtConfig withMaxNodesPerSubnetInBucket(int value) {
    return new DhtConfig(k, alpha, lookupMaxInFlight, rpcTimeoutInitial, rpcTimeoutMin, rpcTimeoutMax,
        maxInFlightRpcs, replacementCacheSize, value, oneNodePerIp, questionableAfter, bucketRefreshInterval,
        failuresBeforeBad, tokenRotation, peerTtl, maxPeersPerInfoHash, maxInfoHashes, maxReplyBytes,
        clientVersion);
  }

  public DhtConfig withRpcTimeouts(Duration initial, Duration min, Duration max) {
    return new DhtConfig(k, alpha, lookupMaxInFlight, initial, min, max, maxInFlightRpcs, replacementCacheSize,
        maxNodesPerSubnetInBucket, oneNodePerIp, questionableAfter, bucketRefreshInterval, failuresBeforeBad,
        tokenRotation, peerTtl, maxPeersPerInfoHash, maxInfoHashes, maxReplyBytes, clientVersion);
  }

  public DhtConfig withPeerStoreLimits(int peersPerInfoHash, int infoHashes) {
    return new DhtConfig(k, alpha, lookupMaxInFlight, rpcTimeoutInitial, rpcTimeoutMin, rpcTimeoutMax,
        maxInFlightRpcs, replacementCacheSize, maxNodesPerSubnetInBucket, oneNodePerIp, questionableAfter,
        bucketRefreshInterval, failuresBeforeBad, tokenRotation, peerTtl, peersPerInfoHash, infoHashes,
        maxReplyBytes, clientVersion);
  }

  public DhtConfig withMaxInFlightRpcs(int value) {
    return new DhtConfig(k, alpha, lookupMaxInFlight, rpcTimeoutInitial, rpcTimeoutMin, rpcTimeoutMax, value,
        replacementCacheSize, maxNodesPerSubnetInBucket, oneNodePerIp, questionableAfter, bucketRefreshInterval,
        failuresBeforeBad, tokenRotation, peerTtl, maxPeersPerInfoHash, maxInfoHashes, maxReplyBytes,
        clientVersion);
  }
}
