package io.dht.share;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link Share} runs.
 *
 * @param bindAddress local address of the TCP listener; empty = the DHT node's address
 * @param port TCP port to listen on; 0 = any free port
 * @param announceInterval how often the info-hash is announced on the DHT again (first announce at start)
 * @param limits bounds on what peers may cost
 */
public record ShareOptions(Optional<InetAddress> bindAddress, int port, Duration announceInterval, PeerLimits limits) {
  /** BitTorrent clients re-announce every 15 to 30 minutes; stored peers expire after about 30. */
  public static final Duration DEFAULT_ANNOUNCE_INTERVAL = Duration.ofMinutes(15);

  public ShareOptions {
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(limits, "limits");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range 0..65535: " + port);
    }
    if (announceInterval == null || announceInterval.isNegative() || announceInterval.isZero()) {
      throw new IllegalArgumentException("announceInterval must be positive, got " + announceInterval);
    }
  }

  public static ShareOptions defaults() {
    return new ShareOptions(Optional.empty(), 0, DEFAULT_ANNOUNCE_INTERVAL, PeerLimits.defaults());
  }

  public ShareOptions withBindAddress(InetAddress address) {
    return new ShareOptions(Optional.of(address), port, announceInterval, limits);
  }

  public ShareOptions withPort(int value) {
    return new ShareOptions(bindAddress, value, announceInterval, limits);
  }

  public ShareOptions withAnnounceInterval(Duration value) {
    return new ShareOptions(bindAddress, port, value, limits);
  }

  public ShareOptions withLimits(PeerLimits value) {
    return new ShareOptions(bindAddress, port, announceInterval, value);
  }
}
