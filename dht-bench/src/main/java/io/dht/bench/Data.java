package io.dht.bench;

import java.util.SplittableRandom;

/** Deterministic test data shaped like stored BEP 44 items: 20-byte targets, ~300-byte serialized values. */
final class Data {
  static final int KEY_BYTES = 20;
  static final int VALUE_BYTES = 300;
  static final int ITEMS = 10_000;

  private Data() {}

  static byte[][] keys(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[][] keys = new byte[n][KEY_BYTES];
    for (byte[] k : keys) {
      random.nextBytes(k);
    }
    return keys;
  }

  static byte[][] values(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    byte[][] values = new byte[n][VALUE_BYTES];
    for (byte[] v : values) {
      random.nextBytes(v);
    }
    return values;
  }

  /** The value written for key number {@code i} by the crash check: recognisable after a restart. */
  static byte[] valueFor(int i) {
    byte[] v = new byte[VALUE_BYTES];
    SplittableRandom random = new SplittableRandom(i);
    random.nextBytes(v);
    return v;
  }

  static byte[] keyFor(int i) {
    byte[] k = new byte[KEY_BYTES];
    new SplittableRandom(~i).nextBytes(k);
    return k;
  }
}
