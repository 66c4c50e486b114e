package io.dht.bencode;

/** Canonical bencode writer: sizes a value exactly, then writes it into a caller-sized array. */
final class Encoder {

  /** Largest array the JVM reliably allocates. */
  private static final int MAX_LENGTH = Integer.MAX_VALUE - 8;

  private Encoder() {}

  /**
   * Exact number of bytes {@link #write} produces for {@code value}.
   *
   * @throws IllegalArgumentException if the encoding would not fit in a byte array
   */
  static int length(BValue value) {
    return (int) lengthOf(value);
  }

  /** Writes {@code value} at {@code pos}, which must have room for it; returns the end position. */
  static int write(BValue value, byte[] dst, int pos) {
    if (value instanceof BString s) {
      pos = writeDecimal(s.length(), dst, pos);
      dst[pos++] = ':';
      s.copyTo(dst, pos);
      return pos + s.length();
    }
    if (value instanceof BInteger i) {
      dst[pos++] = 'i';
      pos = writeDecimal(i.value(), dst, pos);
      dst[pos++] = 'e';
      return pos;
    }
    if (value instanceof BList l) {
      dst[pos++] = 'l';
      for (BValue item : l.values()) {
        pos = write(item, dst, pos);
      }
      dst[pos++] = 'e';
      return pos;
    }
    BDictionary d = (BDictionary) value;
    dst[pos++] = 'd';
    for (int k = 0; k < d.size(); k++) {
      pos = write(d.keyAt(k), dst, pos);
      pos = write(d.valueAt(k), dst, pos);
    }
    dst[pos++] = 'e';
    return pos;
  }

  /** Never exceeds {@link #MAX_LENGTH}: every partial sum is checked as it grows. */
  private static long lengthOf(BValue value) {
    if (value instanceof BString s) {
      return checked(decimalLength(s.length()) + 1L + s.length());
    }
    if (value instanceof BInteger i) {
      return 2L + decimalLength(i.value());
    }
    long total = 2;
    if (value instanceof BList l) {
      for (BValue item : l.values()) {
        total = checked(total + lengthOf(item));
      }
      return total;
    }
    BDictionary d = (BDictionary) value;
    for (int k = 0; k < d.size(); k++) {
      total = checked(total + lengthOf(d.keyAt(k)) + lengthOf(d.valueAt(k)));
    }
    return total;
  }

  private static long checked(long length) {
    if (length > MAX_LENGTH) {
      throw new IllegalArgumentException("encoded value exceeds " + MAX_LENGTH + " bytes");
    }
    return length;
  }

  private static int decimalLength(long v) {
    int n = v < 0 ? 2 : 1;
    for (long x = v < 0 ? v : -v; x <= -10; x /= 10) {
      n++;
    }
    return n;
  }

  private static int writeDecimal(long v, byte[] dst, int pos) {
    int end = pos + decimalLength(v);
    int i = end;
    // Work with the negative magnitude so that Long.MIN_VALUE needs no special case.
    long x = v < 0 ? v : -v;
    do {
      dst[--i] = (byte) ('0' - x % 10);
      x /= 10;
    } while (x != 0);
    if (v < 0) {
      dst[--i] = '-';
    }
    return end;
  }
}
