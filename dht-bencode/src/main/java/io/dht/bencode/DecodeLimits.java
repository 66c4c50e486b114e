package io.dht.bencode;

/**
 * Limits applied while decoding untrusted input.
 *
 * @param maxInputLength longest input accepted, in bytes
 * @param maxDepth deepest nesting of lists and dictionaries accepted (a top-level container has
 *     depth 1)
 * @param maxStringLength longest byte string accepted
 * @param maxElements most values (strings, integers, lists and dictionaries, dictionary keys
 *     included) accepted in one input
 */
public record DecodeLimits(int maxInputLength, int maxDepth, int maxStringLength, int maxElements) {

  private static final DecodeLimits KRPC = new DecodeLimits(65_536, 16, 65_536, 4_096);
  private static final DecodeLimits DEFAULTS =
      new DecodeLimits(64 << 20, 64, 64 << 20, 4_000_000);

  /** @throws IllegalArgumentException if any limit is not positive */
  public DecodeLimits {
    requirePositive("maxInputLength", maxInputLength);
    requirePositive("maxDepth", maxDepth);
    requirePositive("maxStringLength", maxStringLength);
    requirePositive("maxElements", maxElements);
  }

  /** Limits for a single UDP datagram carrying a KRPC message. */
  public static DecodeLimits krpc() {
    return KRPC;
  }

  /** Generous limits for local files such as torrents or saved routing tables. */
  public static DecodeLimits defaults() {
    return DEFAULTS;
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
