package io.dht.fuzz;

import io.dht.item.MutableItem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Mutable BEP 44 items signed once, up front, with a fixed test key: the JDK's Ed25519 takes milliseconds per
 * signature, far too slow to sign per fuzz input. Same key, three salts (three targets), several seqs and values,
 * so that puts can hit every outcome: stored, seq too low, same seq with another value, cas mismatch.
 */
final class SignedItems {
  /** A throwaway Ed25519 key (RFC 8032 seed and public key) used only by these tests. */
  static final byte[] SEED = HexFormat.of().parseHex("404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f");

  static final byte[] PUBLIC_KEY =
      HexFormat.of().parseHex("2543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d");

  static final List<MutableItem> ALL = sign();

  private SignedItems() {}

  private static List<MutableItem> sign() {
    byte[] longSalt = new byte[64];
    Arrays.fill(longSalt, (byte) 's');
    byte[][] salts = {new byte[0], {'s'}, longSalt};
    byte[] big = new byte[995]; // "995:" + 995 bytes = 999 bytes bencoded, just under BEP 44's 1000
    Arrays.fill(big, (byte) 'v');
    byte[][] values = {"Hello World!".getBytes(java.nio.charset.StandardCharsets.US_ASCII), big};
    long[] seqs = {0, 1, 2, Long.MAX_VALUE};
    List<MutableItem> out = new ArrayList<>();
    for (byte[] salt : salts) {
      for (long seq : seqs) {
        for (byte[] value : values) {
          out.add(MutableItem.sign(SEED, PUBLIC_KEY, salt, seq, value));
        }
      }
    }
    return List.copyOf(out);
  }
}
