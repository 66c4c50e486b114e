package io.dht.share;

import java.time.Duration;

/**
 * Bounds on what peers may cost us: connections, message and metadata sizes, queued requests, and how long a
 * silent peer is kept. Shared by {@link ShareOptions} and {@link FetchOptions}.
 *
 * @param maxConnections peer connections at once, incoming and outgoing; more are refused
 * @param maxHalfOpen outgoing connections still connecting or handshaking at once
 * @param uploadSlots peers unchoked (served) at once; others wait their turn (rotated every {@code rechoke})
 * @param requestQueue requests queued per peer; more are dropped (we advertise it as {@code reqq})
 * @param maxMessageBytes longest peer wire message accepted (length prefix excluded); longer closes the connection
 * @param maxMetadataBytes largest info dictionary fetched or accepted with BEP 9
 * @param connectTimeout bound of a TCP connect
 * @param handshakeTimeout bound from connection to a complete handshake
 * @param idleTimeout a peer silent (not even a keep-alive) this long is disconnected
 * @param requestTimeout a peer holding our requests without sending a block this long is disconnected
 * @param keepAliveInterval we send a keep-alive after this long without sending anything
 * @param rechoke how often an unchoked peer makes room for a waiting one when all slots are taken
 */
public record PeerLimits(
    int maxConnections,
    int maxHalfOpen,
    int uploadSlots,
    int requestQueue,
    int maxMessageBytes,
    int maxMetadataBytes,
    Duration connectTimeout,
    Duration handshakeTimeout,
    Duration idleTimeout,
    Duration requestTimeout,
    Duration keepAliveInterval,
    Duration rechoke) {
  /** 1 MiB + 13: a piece message of 1 MiB is the longest any client sends (we request 16 KiB blocks). */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = (1 << 20) + 13;

  private static final PeerLimits DEFAULTS =
      new PeerLimits(
          50,
          8,
          16,
          256,
          DEFAULT_MAX_MESSAGE_BYTES,
          8 << 20,
          Duration.ofSeconds(5),
          Duration.ofSeconds(10),
          Duration.ofSeconds(120),
          Duration.ofSeconds(30),
          Duration.ofSeconds(60),
          Duration.ofSeconds(10));

  public PeerLimits {
    positive("maxConnections", maxConnections);
    positive("maxHalfOpen", maxHalfOpen);
    positive("uploadSlots", uploadSlots);
    positive("requestQueue", requestQueue);
    if (maxMessageBytes < Torrent.BLOCK_SIZE + 13) {
      throw new IllegalArgumentException("maxMessageBytes must be at least 16 KiB + 13, got " + maxMessageBytes);
    }
    if (maxMetadataBytes < 1024 || maxMetadataBytes > 64 << 20) {
      throw new IllegalArgumentException("maxMetadataBytes must be 1 KiB..64 MiB, got " + maxMetadataBytes);
    }
    positive("connectTimeout", connectTimeout);
    positive("handshakeTimeout", handshakeTimeout);
    positive("idleTimeout", idleTimeout);
    positive("requestTimeout", requestTimeout);
    positive("keepAliveInterval", keepAliveInterval);
    positive("rechoke", rechoke);
  }

  public static PeerLimits defaults() {
    return DEFAULTS;
  }

  public PeerLimits withMaxConnections(int value) {
    return new PeerLimits(value, maxHalfOpen, uploadSlots, requestQueue, maxMessageBytes, maxMetadataBytes,
        connectTimeout, handshakeTimeout, idleTimeout, requestTimeout, keepAliveInterval, rechoke);
  }

  public PeerLimits withRequestQueue(int value) {
    return new PeerLimits(maxConnections, maxHalfOpen, uploadSlots, value, maxMessageBytes, maxMetadataBytes,
        connectTimeout, handshakeTimeout, idleTimeout, requestTimeout, keepAliveInterval, rechoke);
  }

  /** Sets the handshake, idle and request timeouts at once (tests shorten them). */
  public PeerLimits withTimeouts(Duration handshake, Duration idle, Duration request) {
    return new PeerLimits(maxConnections, maxHalfOpen, uploadSlots, requestQueue, maxMessageBytes, maxMetadataBytes,
        connectTimeout, handshake, idle, request, keepAliveInterval, rechoke);
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  private static void positive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration, got " + value);
    }
  }
}
