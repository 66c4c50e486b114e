package io.dht.share;

import io.dht.id.Endpoint;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link Fetch} runs.
 *
 * @param bindAddress local address for the TCP listener and outgoing connections; empty = the DHT node's address
 * @param port TCP port to listen on (we serve what we have to others); 0 = any free port
 * @param noSeed stop once the download is complete instead of seeding until {@link Fetch#close()}
 * @param lookupInterval how often get_peers runs while downloading (every 5 s while no peer is connected)
 * @param announceInterval how often we announce ourselves on the DHT (not at all with {@code noSeed})
 * @param pipelineDepth block requests outstanding per peer
 * @param progressInterval how often progress listeners are told; zero = after every verified piece
 * @param peers peers to try besides those the DHT and the magnet link's {@code x.pe} name
 * @param limits bounds on what peers may cost
 */
public record FetchOptions(
    Optional<InetAddress> bindAddress,
    int port,
    boolean noSeed,
    Duration lookupInterval,
    Duration announceInterval,
    int pipelineDepth,
    Duration progressInterval,
    List<Endpoint> peers,
    PeerLimits limits) {
  public static final Duration DEFAULT_LOOKUP_INTERVAL = Duration.ofSeconds(30);
  public static final int DEFAULT_PIPELINE_DEPTH = 16;

  public FetchOptions {
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(limits, "limits");
    peers = List.copyOf(peers);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range 0..65535: " + port);
    }
    if (lookupInterval == null || lookupInterval.isNegative() || lookupInterval.isZero()) {
      throw new IllegalArgumentException("lookupInterval must be positive, got " + lookupInterval);
    }
    if (announceInterval == null || announceInterval.isNegative() || announceInterval.isZero()) {
      throw new IllegalArgumentException("announceInterval must be positive, got " + announceInterval);
    }
    if (pipelineDepth < 1 || pipelineDepth > 1024) {
      throw new IllegalArgumentException("pipelineDepth must be 1..1024, got " + pipelineDepth);
    }
    if (progressInterval == null || progressInterval.isNegative()) {
      throw new IllegalArgumentException("progressInterval must not be negative, got " + progressInterval);
    }
  }

  public static FetchOptions defaults() {
    return new FetchOptions(
        Optional.empty(),
        0,
        false,
        DEFAULT_LOOKUP_INTERVAL,
        ShareOptions.DEFAULT_ANNOUNCE_INTERVAL,
        DEFAULT_PIPELINE_DEPTH,
        Duration.ofMillis(500),
        List.of(),
        PeerLimits.defaults());
  }

  public FetchOptions withBindAddress(InetAddress address) {
    return new FetchOptions(Optional.of(address), port, noSeed, lookupInterval, announceInterval, pipelineDepth,
        progressInterval, peers, limits);
  }

  public FetchOptions withPort(int value) {
    return new FetchOptions(bindAddress, value, noSeed, lookupInterval, announceInterval, pipelineDepth,
        progressInterval, peers, limits);
  }

  public FetchOptions withNoSeed(boolean value) {
    return new FetchOptions(bindAddress, port, value, lookupInterval, announceInterval, pipelineDepth,
        progressInterval, peers, limits);
  }

  public FetchOptions withLookupInterval(Duration value) {
    return new FetchOptions(bindAddress, port, noSeed, value, announceInterval, pipelineDepth, progressInterval,
        peers, limits);
  }

  public FetchOptions withPipelineDepth(int value) {
    return new FetchOptions(bindAddress, port, noSeed, lookupInterval, announceInterval, value, progressInterval,
        peers, limits);
  }

  public FetchOptions withProgressInterval(Duration value) {
    return new FetchOptions(bindAddress, port, noSeed, lookupInterval, announceInterval, pipelineDepth, value,
        peers, limits);
  }

  public FetchOptions withPeers(List<Endpoint> value) {
    return new FetchOptions(bindAddress, port, noSeed, lookupInterval, announceInterval, pipelineDepth,
        progressInterval, value, limits);
  }

  public FetchOptions withLimits(PeerLimits value) {
    return new FetchOptions(bindAddress, port, noSeed, lookupInterval, announceInterval, pipelineDepth,
        progressInterval, peers, value);
  }
}
