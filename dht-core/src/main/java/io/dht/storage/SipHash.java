package io.dht.storage;

import io.dht.id.NodeId;
import java.util.Objects;

/**
 * SipHash-2-4 (Jean-Philippe Aumasson and Daniel J. Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed
 * pseudorandom function with a 128-bit key and a 64-bit output, designed for short messages. Two compression
 * rounds per 8-byte message word, four finalization rounds.
 *
 * <p>Conventions are the paper's: the key is two 64-bit words {@code k0}, {@code k1} read little-endian from 16
 * key bytes ({@link #keyWord}); the message is read as little-endian 64-bit words; the last word carries the
 * message length modulo 256 in its top byte; the output is a 64-bit number, which the paper writes out as 8 bytes
 * little-endian.
 *
 * <p>Stateless and allocation-free; safe to call from any thread.
 */
final class SipHash {
  private SipHash() {}

  /** The little-endian 64-bit key word at {@code key[offset..offset+8)}: {@code k0} at 0, {@code k1} at 8. */
  static long keyWord(byte[] key, int offset) {
    long w = 0;
    for (int i = 7; i >= 0; i--) {
      w = (w << 8) | (key[offset + i] & 0xffL);
    }
    return w;
  }

  /** SipHash-2-4 under key ({@code k0}, {@code k1}) of the {@code length} bytes at {@code message[offset]}. */
  static long hash(long k0, long k1, byte[] message, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, message.length);
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;
    int end = offset + length;
    int fullEnd = end - (length & 7);
    // All full words, then the last word: the 0..7 remaining bytes and the length in the top byte.
    for (int at = offset; ; at += 8) {
      long m;
      if (at < fullEnd) {
        m = 0;
        for (int i = 7; i >= 0; i--) {
          m = (m << 8) | (message[at + i] & 0xffL);
        }
      } else {
        m = (long) length << 56;
        for (int i = end - 1; i >= at; i--) {
          m |= (message[i] & 0xffL) << (8 * (i - at));
        }
      }
      v3 ^= m;
      for (int r = 0; r < 2; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
      if (at >= fullEnd) {
        return finish(v0, v1, v2, v3);
      }
    }
  }

  /** SipHash-2-4 of all of {@code message}. */
  static long hash(long k0, long k1, byte[] message) {
    return hash(k0, k1, message, 0, message.length);
  }

  /**
   * SipHash-2-4 under key ({@code k0}, {@code k1}) of the write-token message, computed without allocating. The
   * message is the byte string
   *
   * <pre>
   *   epoch (8 bytes, big-endian, two's complement) ‖ ip (its 4 or 16 bytes, network order) ‖ target (20 bytes)
   * </pre>
   *
   * <p>32 bytes for an IPv4 requester, 44 for IPv6; the result equals {@link #hash(long, long, byte[])} of those
   * bytes.
   *
   * @throws IllegalArgumentException if {@code ip} has neither 4 nor 16 bytes
   */
  static long token(long k0, long k1, long epoch, byte[] ip, NodeId target) {
    // The message as big-endian 64-bit words w0.., then each reversed into SipHash's little-endian words.
    long hi = target.hi();
    long mid = target.mid();
    int lo = target.lo();
    long w1;
    long w2;
    long w3;
    long w4;
    long w5;
    int words;
    if (ip.length == 4) {
      // epoch | ip, target[0..4) | target[4..12) | target[12..20) ; then the empty last block of length 32
      long ip4 = readInt(ip, 0) & 0xffffffffL;
      w1 = (ip4 << 32) | (hi >>> 32);
      w2 = (hi << 32) | (mid >>> 32);
      w3 = (mid << 32) | (lo & 0xffffffffL);
      w4 = 32; // read little-endian: 32 in the top byte
      w5 = 0;
      words = 5;
    } else if (ip.length == 16) {
      // epoch | ip[0..8) | ip[8..16) | target[0..8) | target[8..16) ; then target[16..20) with length 44
      w1 = ((long) readInt(ip, 0) << 32) | (readInt(ip, 4) & 0xffffffffL);
      w2 = ((long) readInt(ip, 8) << 32) | (readInt(ip, 12) & 0xffffffffL);
      w3 = hi;
      w4 = mid;
      w5 = ((long) lo << 32) | 44; // read little-endian: target[16..20), then 44 in the top byte
      words = 6;
    } else {
      throw badAddress(ip);
    }
    return hashWords(k0, k1, epoch, w1, w2, w3, w4, w5, words);
  }

  private static IllegalArgumentException badAddress(byte[] ip) {
    return new IllegalArgumentException("an IP address has 4 or 16 bytes, got " + ip.length);
  }

  /**
   * SipHash-2-4 of the message whose little-endian words are the byte reversals of {@code w0 .. w(words-1)}, the
   * last of them already holding the length byte. Kept apart from {@link #token} so that {@code token} stays small
   * enough for the JIT to inline into its caller, where the address array it reads is then never materialized.
   */
  private static long hashWords(
      long k0, long k1, long w0, long w1, long w2, long w3, long w4, long w5, int words) {
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;
    for (int i = 0; i < words; i++) {
      long m = Long.reverseBytes(w0);
      w0 = w1;
      w1 = w2;
      w2 = w3;
      w3 = w4;
      w4 = w5;
      v3 ^= m;
      for (int r = 0; r < 2; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    return finish(v0, v1, v2, v3);
  }

  /** The four finalization rounds and the output word. */
  private static long finish(long v0, long v1, long v2, long v3) {
    v2 ^= 0xff;
    for (int r = 0; r < 4; r++) {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13);
      v1 ^= v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16);
      v3 ^= v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21);
      v3 ^= v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17);
      v1 ^= v2;
      v2 = Long.rotateLeft(v2, 32);
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }

  private static int readInt(byte[] b, int o) {
    return (b[o] & 0xff) << 24 | (b[o + 1] & 0xff) << 16 | (b[o + 2] & 0xff) << 8 | (b[o + 3] & 0xff);
  }
}
