package io.dht.bencode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable bencoded byte string ({@code <length>:<bytes>}). Equality is by content; the
 * natural order is unsigned lexicographic byte order, the order of keys in a canonical
 * dictionary.
 */
public final class BString implements BValue, Comparable<BString> {

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private final byte[] bytes;
  private int hash;

  private BString(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Returns a byte string holding a copy of {@code bytes}. */
  public static BString of(byte[] bytes) {
    return new BString(bytes.clone());
  }

  /**
   * Returns a byte string holding a copy of {@code len} bytes of {@code bytes} starting at
   * {@code off}.
   *
   * @throws IndexOutOfBoundsException if the slice is not inside {@code bytes}
   */
  public static BString of(byte[] bytes, int off, int len) {
    Objects.checkFromIndexSize(off, len, bytes.length);
    return new BString(Arrays.copyOfRange(bytes, off, off + len));
  }

  /** Returns the UTF-8 encoding of {@code s}. */
  public static BString utf8(String s) {
    return new BString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Number of bytes. */
  public int length() {
    return bytes.length;
  }

  /** The byte at {@code index}. */
  public byte byteAt(int index) {
    return bytes[index];
  }

  /** Returns a fresh copy of the bytes. */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  /**
   * Copies all bytes into {@code dst} starting at {@code dstOffset}.
   *
   * @throws IndexOutOfBoundsException if they do not fit
   */
  public void copyTo(byte[] dst, int dstOffset) {
    System.arraycopy(bytes, 0, dst, dstOffset, bytes.length);
  }

  /** Decodes the bytes as UTF-8, replacing malformed sequences with U+FFFD. */
  public String asUtf8() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Whether this string holds exactly the bytes of {@code other}. */
  public boolean contentEquals(byte[] other) {
    return Arrays.equals(bytes, other);
  }

  /**
   * Compares to the ASCII string {@code key} without allocating; keys containing a non-ASCII
   * character must be rejected by the caller.
   */
  int compareToAscii(String key) {
    int n = Math.min(bytes.length, key.length());
    for (int i = 0; i < n; i++) {
      int diff = (bytes[i] & 0xff) - key.charAt(i);
      if (diff != 0) {
        return diff;
      }
    }
    return bytes.length - key.length();
  }

  @Override
  public int compareTo(BString other) {
    return Arrays.compareUnsigned(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BString other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Arrays.hashCode(bytes);
      hash = h;
    }
    return h;
  }

  /** The text if every byte is printable ASCII, otherwise {@code 0x} followed by lowercase hex. */
  @Override
  public String toString() {
    if (isPrintableAscii()) {
      return new String(bytes, StandardCharsets.US_ASCII);
    }
    byte[] hex = new byte[2 + 2 * bytes.length];
    hex[0] = '0';
    hex[1] = 'x';
    for (int i = 0; i < bytes.length; i++) {
      hex[2 + 2 * i] = HEX[(bytes[i] >> 4) & 0xf];
      hex[3 + 2 * i] = HEX[bytes[i] & 0xf];
    }
    return new String(hex, StandardCharsets.US_ASCII);
  }

  private boolean isPrintableAscii() {
    for (byte b : bytes) {
      if (b < 0x20 || b > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
