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
 * @param rpcTimeoutMin lower clamp of the adaptive timeout (1 s: one estimate covers every destination, and
 *     round trips to distant nodes are several times the median; lookups do not wait for it, they widen around
 *     stragglers after srtt + 2 rttvar)
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
 * @param readOnly BEP 43: send {@code ro = 1} and answer no queries
 * @param queryRatePerIp incoming queries per second allowed from one IP (token bucket); 0 disables throttling
 * @param queryBurstPerIp the token bucket's size: queries one IP may send at once
 * @param sampleInterval BEP 51 {@code interval}: how long an indexer should wait before sampling us again
 * @param secureNodeId BEP 42: once a vote over the {@code ip} fields of replies establishes a public external
 *     address that our id does not conform to, switch to a conforming id (and rebuild the routing table)
 * @param republishInterval a durable put is re-put this often (BEP 44: every hour), jittered by +-10 %
 * @param itemCheckInterval each held item is checked this often (jittered +-50 %): are its k closest nodes
 *     holding it? Copies are re-put only where missing
 * @param maxConcurrentItemChecks item checks (lookups) in flight at once; the rest wait their turn
 * @param handoffsPerSecond items pushed per second to newly met nodes that became responsible for them; 0 turns
 *     this handoff off (a graceful shutdown still hands every item over: {@link DhtNode#handOffAll})
 * @param maxReplyBytesPerSecond cap on the bytes of replies and errors we send per second (bursts of 3 s);
 *     beyond it incoming queries go unanswered; 0 disables the cap
 * @param maxConcurrentLookups lookups started by API calls that may run at once; beyond it a call fails at once
 *     with a {@link DhtException} (maintenance lookups are counted but never refused)
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
    String clientVersion,
    boolean readOnly,
    int queryRatePerIp,
    int queryBurstPerIp,
    Duration sampleInterval,
    boolean secureNodeId,
    Duration republishInterval,
    Duration itemCheckInterval,
    int maxConcurrentItemChecks,
    int handoffsPerSecond,
    int maxReplyBytesPerSecond,
    int maxConcurrentLookups) {

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
    if (queryRatePerIp < 0 || queryBurstPerIp < 0) {
      throw new IllegalArgumentException("query rate and burst must be >= 0");
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
    if (sampleInterval == null || sampleInterval.isNegative() || sampleInterval.getSeconds() > 21600) {
      throw new IllegalArgumentException("sampleInterval must be within 0..21600 s");
    }
    requirePositive("maxConcurrentItemChecks", maxConcurrentItemChecks);
    if (handoffsPerSecond < 0) {
      throw new IllegalArgumentException("handoffsPerSecond must not be negative, got " + handoffsPerSecond);
    }
    requirePositive("maxConcurrentLookups", maxConcurrentLookups);
    if (maxReplyBytesPerSecond < 0) {
      throw new IllegalArgumentException("maxReplyBytesPerSecond must be >= 0");
    }
    if (republishInterval == null || republishInterval.isNegative() || republishInterval.isZero()
        || itemCheckInterval == null || itemCheckInterval.isNegative() || itemCheckInterval.isZero()) {
      throw new IllegalArgumentException("republish and item check intervals must be positive");
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

  /**
   * BEP 5 defaults with libtorrent-like Sybil limits: one node per IP, one per /24 within a bucket, 20 queries/s
   * per IP with bursts of 100 (libtorrent bans at 5/s averaged over 10 s; we throttle instead of banning), BEP 42
   * ids.
   */
  public static DhtConfig defaults() {
    return new DhtConfig(
        8,
        3,
        10,
        Duration.ofSeconds(2),
        Duration.ofSeconds(1),
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
        "JD\u0000\u0001",
        false,
        20,
        100,
        Duration.ofHours(6),
        true,
        Duration.ofHours(1),
        Duration.ofMinutes(30),
        2,
        20,
        64_000,
        256);
  }

  /**
   * Defaults for a private network (loopback swarms, simulations): no per-/24 bound within a bucket, no query
   * throttling (one process may host many nodes that talk a lot), no BEP 42 id changes.
   */
  public static DhtConfig privateNetwork() {
    return defaults().toBuilder()
        .maxNodesPerSubnetInBucket(8)
        .queryRatePerIp(0)
        .maxReplyBytesPerSecond(0)
        .secureNodeId(false)
        .build();
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  public DhtConfig withK(int value) {
    return toBuilder().k(value).maxNodesPerSubnetInBucket(Math.min(maxNodesPerSubnetInBucket, value)).build();
  }

  public DhtConfig withAlpha(int value) {
    return toBuilder().alpha(value).lookupMaxInFlight(Math.max(lookupMaxInFlight, value)).build();
  }

  public DhtConfig withMaxNodesPerSubnetInBucket(int value) {
    return toBuilder().maxNodesPerSubnetInBucket(value).build();
  }

  public DhtConfig withRpcTimeouts(Duration initial, Duration min, Duration max) {
    return toBuilder().rpcTimeoutInitial(initial).rpcTimeoutMin(min).rpcTimeoutMax(max).build();
  }

  public DhtConfig withPeerStoreLimits(int peersPerInfoHash, int infoHashes) {
    return toBuilder().maxPeersPerInfoHash(peersPerInfoHash).maxInfoHashes(infoHashes).build();
  }

  public DhtConfig withMaxInFlightRpcs(int value) {
    return toBuilder().maxInFlightRpcs(value).build();
  }

  public DhtConfig withReadOnly(boolean value) {
    return toBuilder().readOnly(value).build();
  }

  /** Per-IP query throttling; {@code perSecond = 0} disables it. */
  public DhtConfig withQueryRateLimit(int perSecond, int burst) {
    return toBuilder().queryRatePerIp(perSecond).queryBurstPerIp(burst).build();
  }

  /** No per-IP throttling and no reply-bytes cap: for benchmarks and trusted private networks. */
  public DhtConfig withoutRateLimits() {
    return toBuilder().queryRatePerIp(0).maxReplyBytesPerSecond(0).build();
  }

  /** Mutable companion used to derive configs; validation happens in {@link #build()}. */
  public static final class Builder {
    private int k;
    private int alpha;
    private int lookupMaxInFlight;
    private Duration rpcTimeoutInitial;
    private Duration rpcTimeoutMin;
    private Duration rpcTimeoutMax;
    private int maxInFlightRpcs;
    private int replacementCacheSize;
    private int maxNodesPerSubnetInBucket;
    private boolean oneNodePerIp;
    private Duration questionableAfter;
    private Duration bucketRefreshInterval;
    private int failuresBeforeBad;
    private Duration tokenRotation;
    private Duration peerTtl;
    private int maxPeersPerInfoHash;
    private int maxInfoHashes;
    private int maxReplyBytes;
    private String clientVersion;
    private boolean readOnly;
    private int queryRatePerIp;
    private int queryBurstPerIp;
    private Duration sampleInterval;
    private boolean secureNodeId;
    private Duration republishInterval;
    private Duration itemCheckInterval;
    private int maxConcurrentItemChecks;
    private int handoffsPerSecond;
    private int maxReplyBytesPerSecond;
    private int maxConcurrentLookups;

    private Builder(DhtConfig c) {
      k = c.k;
      alpha = c.alpha;
      lookupMaxInFlight = c.lookupMaxInFlight;
      rpcTimeoutInitial = c.rpcTimeoutInitial;
      rpcTimeoutMin = c.rpcTimeoutMin;
      rpcTimeoutMax = c.rpcTimeoutMax;
      maxInFlightRpcs = c.maxInFlightRpcs;
      replacementCacheSize = c.replacementCacheSize;
      maxNodesPerSubnetInBucket = c.maxNodesPerSubnetInBucket;
      oneNodePerIp = c.oneNodePerIp;
      questionableAfter = c.questionableAfter;
      bucketRefreshInterval = c.bucketRefreshInterval;
      failuresBeforeBad = c.failuresBeforeBad;
      tokenRotation = c.tokenRotation;
      peerTtl = c.peerTtl;
      maxPeersPerInfoHash = c.maxPeersPerInfoHash;
      maxInfoHashes = c.maxInfoHashes;
      maxReplyBytes = c.maxReplyBytes;
      clientVersion = c.clientVersion;
      readOnly = c.readOnly;
      queryRatePerIp = c.queryRatePerIp;
      queryBurstPerIp = c.queryBurstPerIp;
      sampleInterval = c.sampleInterval;
      secureNodeId = c.secureNodeId;
      republishInterval = c.republishInterval;
      itemCheckInterval = c.itemCheckInterval;
      maxConcurrentItemChecks = c.maxConcurrentItemChecks;
      handoffsPerSecond = c.handoffsPerSecond;
      maxReplyBytesPerSecond = c.maxReplyBytesPerSecond;
      maxConcurrentLookups = c.maxConcurrentLookups;
    }

    public Builder k(int v) { k = v; return this; }
    public Builder alpha(int v) { alpha = v; return this; }
    public Builder lookupMaxInFlight(int v) { lookupMaxInFlight = v; return this; }
    public Builder rpcTimeoutInitial(Duration v) { rpcTimeoutInitial = v; return this; }
    public Builder rpcTimeoutMin(Duration v) { rpcTimeoutMin = v; return this; }
    public Builder rpcTimeoutMax(Duration v) { rpcTimeoutMax = v; return this; }
    public Builder maxInFlightRpcs(int v) { maxInFlightRpcs = v; return this; }
    public Builder replacementCacheSize(int v) { replacementCacheSize = v; return this; }
    public Builder maxNodesPerSubnetInBucket(int v) { maxNodesPerSubnetInBucket = v; return this; }
    public Builder oneNodePerIp(boolean v) { oneNodePerIp = v; return this; }
    public Builder questionableAfter(Duration v) { questionableAfter = v; return this; }
    public Builder bucketRefreshInterval(Duration v) { bucketRefreshInterval = v; return this; }
    public Builder failuresBeforeBad(int v) { failuresBeforeBad = v; return this; }
    public Builder tokenRotation(Duration v) { tokenRotation = v; return this; }
    public Builder peerTtl(Duration v) { peerTtl = v; return this; }
    public Builder maxPeersPerInfoHash(int v) { maxPeersPerInfoHash = v; return this; }
    public Builder maxInfoHashes(int v) { maxInfoHashes = v; return this; }
    public Builder maxReplyBytes(int v) { maxReplyBytes = v; return this; }
    public Builder clientVersion(String v) { clientVersion = v; return this; }
    public Builder readOnly(boolean v) { readOnly = v; return this; }
    public Builder queryRatePerIp(int v) { queryRatePerIp = v; return this; }
    public Builder queryBurstPerIp(int v) { queryBurstPerIp = v; return this; }
    public Builder sampleInterval(Duration v) { sampleInterval = v; return this; }
    public Builder secureNodeId(boolean v) { secureNodeId = v; return this; }
    public Builder republishInterval(Duration v) { republishInterval = v; return this; }
    public Builder itemCheckInterval(Duration v) { itemCheckInterval = v; return this; }
    public Builder maxConcurrentItemChecks(int v) { maxConcurrentItemChecks = v; return this; }
    public Builder handoffsPerSecond(int v) { handoffsPerSecond = v; return this; }
    public Builder maxReplyBytesPerSecond(int v) { maxReplyBytesPerSecond = v; return this; }
    public Builder maxConcurrentLookups(int v) { maxConcurrentLookups = v; return this; }

    public DhtConfig build() {
      return new DhtConfig(k, alpha, lookupMaxInFlight, rpcTimeoutInitial, rpcTimeoutMin, rpcTimeoutMax,
          maxInFlightRpcs, replacementCacheSize, maxNodesPerSubnetInBucket, oneNodePerIp, questionableAfter,
          bucketRefreshInterval, failuresBeforeBad, tokenRotation, peerTtl, maxPeersPerInfoHash, maxInfoHashes,
          maxReplyBytes, clientVersion, readOnly, queryRatePerIp, queryBurstPerIp, sampleInterval, secureNodeId,
          republishInterval, itemCheckInterval, maxConcurrentItemChecks, handoffsPerSecond,
          maxReplyBytesPerSecond, maxConcurrentLookups);
    }
  }
}
