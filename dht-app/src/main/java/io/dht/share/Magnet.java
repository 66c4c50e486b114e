package io.dht.share;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A magnet link for a BitTorrent v1 swarm (BEP 9): {@code magnet:?xt=urn:btih:<info-hash>&dn=<name>&x.pe=<ip:port>}.
 * Parses the info-hash as 40 hex digits or 32 base32 characters; {@code dn} and {@code x.pe} are optional, other
 * parameters (trackers, {@code xt=urn:btmh:...}) are ignored. A bare info-hash (hex or base32) parses too.
 * Immutable; {@link #toString()} is the URI and parses back.
 */
public final class Magnet {
  /** Longest text {@link #parse} accepts. */
  public static final int MAX_LENGTH = 16 * 1024;
  /** Most {@code x.pe} peer hints kept from one link. */
  public static final int MAX_PEERS = 50;

  private static final String PREFIX = "magnet:?";
  private static final String BTIH = "urn:btih:";
  private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  private final NodeId infoHash;
  private final String displayName; // "" when absent
  private final List<Endpoint> peers;

  private Magnet(NodeId infoHash, String displayName, List<Endpoint> peers) {
    this.infoHash = Objects.requireNonNull(infoHash, "infoHash");
    this.displayName = Objects.requireNonNull(displayName, "displayName");
    this.peers = List.copyOf(peers);
  }

  /** A link to {@code infoHash} named {@code displayName} ("" for none) with peer hints {@code peers}. */
  public static Magnet of(NodeId infoHash, String displayName, List<Endpoint> peers) {
    if (peers.size() > MAX_PEERS) {
      throw new IllegalArgumentException("at most " + MAX_PEERS + " peer hints, got " + peers.size());
    }
    return new Magnet(infoHash, displayName, peers);
  }

  /**
   * Parses a magnet link, or a bare info-hash (40 hex digits or 32 base32 characters).
   *
   * @throws IllegalArgumentException with a one-line reason naming the bad part
   */
  public static Magnet parse(String text) {
    Objects.requireNonNull(text, "text");
    String s = text.strip();
    if (s.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("magnet link longer than " + MAX_LENGTH + " characters");
    }
    if (!s.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      if (s.length() == 40 || s.length() == 32) {
        return new Magnet(parseInfoHash(s, text), "", List.of());
      }
      throw new IllegalArgumentException(
          "'" + abbreviate(text) + "' is not a magnet link (magnet:?xt=urn:btih:...) or an info-hash (40 hex digits)");
    }
    NodeId hash = null;
    String name = "";
    List<Endpoint> peers = new ArrayList<>();
    for (String param : s.substring(PREFIX.length()).split("&")) {
      int eq = param.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String key = param.substring(0, eq).toLowerCase(Locale.ROOT);
      String value = decode(param.substring(eq + 1), text);
      if ((key.equals("xt") || key.startsWith("xt.")) && value.regionMatches(true, 0, BTIH, 0, BTIH.length())) {
        if (hash == null) {
          hash = parseInfoHash(value.substring(BTIH.length()), text);
        }
      } else if (key.equals("dn")) {
        name = value;
      } else if (key.equals("x.pe") && peers.size() < MAX_PEERS) {
        try {
          peers.add(Endpoint.parse(value));
        } catch (IllegalArgumentException e) {
          // A host name or a malformed hint: ignore it, as clients do; the DHT still finds peers.
        }
      }
    }
    if (hash == null) {
      throw new IllegalArgumentException("magnet link has no xt=urn:btih:<info-hash>: '" + abbreviate(text) + "'");
    }
    return new Magnet(hash, name, peers);
  }

  private static NodeId parseInfoHash(String value, String original) {
    if (value.length() == 40) {
      try {
        return NodeId.parseHex(value.toLowerCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        // fall through to the error below
      }
    } else if (value.length() == 32) {
      byte[] bytes = base32(value.toUpperCase(Locale.ROOT));
      if (bytes != null) {
        return NodeId.of(bytes);
      }
    }
    throw new IllegalArgumentException(
        "bad info-hash '" + abbreviate(value) + "' in '" + abbreviate(original)
            + "': expected 40 hex digits or 32 base32 characters");
  }

  /** RFC 4648 base32 without padding, 32 characters to 20 bytes; null when invalid. */
  private static byte[] base32(String text) {
    byte[] out = new byte[20];
    long buffer = 0;
    int bits = 0;
    int at = 0;
    for (int i = 0; i < text.length(); i++) {
      int v = BASE32.indexOf(text.charAt(i));
      if (v < 0) {
        return null;
      }
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        out[at++] = (byte) (buffer >>> bits);
      }
    }
    return at == 20 ? out : null;
  }

  private static String decode(String value, String original) {
    try {
      return URLDecoder.decode(value, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad percent-encoding in magnet link '" + abbreviate(original) + "'");
    }
  }

  private static String abbreviate(String s) {
    String one = s.replaceAll("\\s+", " ");
    return one.length() <= 120 ? one : one.substring(0, 117) + "...";
  }

  public NodeId infoHash() {
    return infoHash;
  }

  /** The {@code dn} parameter: a suggested name, not trusted for file names (the metadata's name is used). */
  public Optional<String> displayName() {
    return displayName.isEmpty() ? Optional.empty() : Optional.of(displayName);
  }

  /** The {@code x.pe} peer hints: peers to try before (and besides) the DHT. */
  public List<Endpoint> peers() {
    return peers;
  }

  /** A copy with other peer hints. */
  public Magnet withPeers(List<Endpoint> hints) {
    return of(infoHash, displayName, hints);
  }

  /** The URI: {@code magnet:?xt=urn:btih:<40 hex>[&dn=<name>][&x.pe=<ip:port>...]}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(PREFIX).append("xt=").append(BTIH).append(infoHash);
    if (!displayName.isEmpty()) {
      sb.append("&dn=").append(encode(displayName));
    }
    for (Endpoint peer : peers) {
      sb.append("&x.pe=").append(peer); // IP:PORT and [v6]:PORT need no escaping for magnet readers
    }
    return sb.toString();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Magnet m
        && m.infoHash.equals(infoHash)
        && m.displayName.equals(displayName)
        && m.peers.equals(peers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(infoHash, displayName, peers);
  }
}
