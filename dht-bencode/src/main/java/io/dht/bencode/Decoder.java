package io.dht.bencode;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Strict, bounded bencode parser over one byte range. It is iterative, keeping open lists and
 * dictionaries on an explicit stack, so no input and no limit can exhaust the call stack.
 */
final class Decoder {

  private final byte[] data;
  private final int start;
  private final int end;
  private final DecodeLimits limits;
  private final ArrayDeque<Container> open = new ArrayDeque<>();
  private int pos;
  private int elements;

  private Decoder(byte[] data, int start, int end, DecodeLimits limits) {
    this.data = data;
    this.start = start;
    this.end = end;
    this.limits = limits;
    this.pos = start;
  }

  /** Decodes the single value filling {@code data[offset, offset + length)}. */
  static BValue decode(byte[] data, int offset, int length, DecodeLimits limits)
      throws DecodeException {
    if (length > limits.maxInputLength()) {
      throw new DecodeException(
          0, "input length " + length + " exceeds limit " + limits.maxInputLength());
    }
    if (length == 0) {
      throw new DecodeException(0, "empty input");
    }
    return new Decoder(data, offset, offset + length, limits).run();
  }

  private BValue run() throws DecodeException {
    while (true) {
      Container top = open.peek();
      if (top != null) {
        if (pos >= end) {
          throw error(pos, "unexpected end of input in " + top.kind());
        }
        if (top.awaitsValue()) {
          if (data[pos] == 'e') {
            throw error(pos, "missing value for dictionary key");
          }
        } else if (data[pos] == 'e') {
          pos++;
          open.pop();
          BValue closed = top.build();
          if (open.isEmpty()) {
            return finish(closed);
          }
          open.peek().add(closed);
          continue;
        } else if (top.isDictionary()) {
          top.key(key());
          continue;
        }
      }
      BValue scalar = valueOrOpen();
      if (scalar == null) {
        continue;
      }
      if (top == null) {
        return finish(scalar);
      }
      top.add(scalar);
    }
  }

  private BValue finish(BValue value) throws DecodeException {
    if (pos != end) {
      throw error(pos, "trailing data");
    }
    return value;
  }

  /** Parses a string or integer and returns it, or opens a list or dictionary and returns null. */
  private BValue valueOrOpen() throws DecodeException {
    if (pos >= end) {
      throw error(pos, "unexpected end of input");
    }
    byte b = data[pos];
    if (isDigit(b)) {
      return string();
    }
    switch (b) {
      case 'i':
        return integer();
      case 'l':
        openContainer(false);
        return null;
      case 'd':
        openContainer(true);
        return null;
      default:
        throw error(pos, "unexpected byte " + describe(b));
    }
  }

  private void openContainer(boolean dictionary) throws DecodeException {
    if (open.size() >= limits.maxDepth()) {
      throw error(pos, "nesting depth exceeds limit " + limits.maxDepth());
    }
    countElement(pos);
    open.push(new Container(dictionary));
    pos++;
  }

  private BString key() throws DecodeException {
    int at = pos;
    byte b = data[pos];
    if (!isDigit(b)) {
      throw error(at, "dictionary key must be a string, found " + describe(b));
    }
    BString key = string();
    if (!open.peek().acceptsKey(key)) {
      throw error(at, "unsorted or duplicate dictionary key");
    }
    return key;
  }

  private BInteger integer() throws DecodeException {
    countElement(pos);
    pos++;
    boolean negative = pos < end && data[pos] == '-';
    if (negative) {
      pos++;
    }
    int digitsStart = pos;
    // Accumulate negatively so that Long.MIN_VALUE is representable.
    long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
    long multiplyMin = limit / 10;
    long result = 0;
    while (true) {
      if (pos >= end) {
        throw error(pos, "unexpected end of input in integer");
      }
      byte b = data[pos];
      if (b == 'e') {
        break;
      }
      if (!isDigit(b)) {
        throw error(pos, "unexpected byte " + describe(b) + " in integer");
      }
      if (b == '0' && pos == digitsStart) {
        if (pos + 1 < end && isDigit(data[pos + 1])) {
          throw error(pos, "leading zero in integer");
        }
        if (negative) {
          throw error(pos, "negative zero in integer");
        }
      }
      int digit = b - '0';
      if (result < multiplyMin || result * 10 < limit + digit) {
        throw error(pos, "integer overflows a signed 64-bit value");
      }
      result = result * 10 - digit;
      pos++;
    }
    if (pos == digitsStart) {
      throw error(pos, "integer has no digits");
    }
    pos++;
    return new BInteger(negative ? result : -result);
  }

  private BString string() throws DecodeException {
    int at = pos;
    countElement(at);
    if (data[pos] == '0' && pos + 1 < end && isDigit(data[pos + 1])) {
      throw error(at, "leading zero in string length");
    }
    long length = 0;
    int digits = 0;
    while (pos < end && isDigit(data[pos])) {
      if (digits < 18) {
        length = length * 10 + (data[pos] - '0');
      }
      digits++;
      pos++;
    }
    if (pos >= end) {
      throw error(pos, "unexpected end of input in string length");
    }
    if (data[pos] != ':') {
      throw error(pos, "expected ':' after string length, found " + describe(data[pos]));
    }
    pos++;
    if (digits > 18) {
      throw error(at, "string length of " + digits + " digits exceeds limit "
          + limits.maxStringLength());
    }
    if (length > limits.maxStringLength()) {
      throw error(at, "string length " + length + " exceeds limit " + limits.maxStringLength());
    }
    int remaining = end - pos;
    if (length > remaining) {
      throw error(at, "string length " + length + " exceeds remaining " + remaining + " bytes");
    }
    BString s = BString.of(data, pos, (int) length);
    pos += (int) length;
    return s;
  }

  private void countElement(int at) throws DecodeException {
    if (++elements > limits.maxElements()) {
      throw error(at, "number of elements exceeds limit " + limits.maxElements());
    }
  }

  private DecodeException error(int absolutePosition, String reason) {
    return new DecodeException(absolutePosition - start, reason);
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static String describe(byte b) {
    int u = b & 0xff;
    return u > 0x20 && u < 0x7f ? "'" + (char) u + "'" : String.format("0x%02x", u);
  }

  /** A list or dictionary whose closing {@code e} has not been read yet. */
  private static final class Container {

    private final boolean dictionary;
    private final List<BValue> values = new ArrayList<>();
    private final List<BString> keys;
    private BString pendingKey;

    Container(boolean dictionary) {
      this.dictionary = dictionary;
      this.keys = dictionary ? new ArrayList<>() : List.of();
    }

    String kind() {
      return dictionary ? "dictionary" : "list";
    }

    boolean isDictionary() {
      return dictionary;
    }

    /** Whether a dictionary key has been read and its value must come next. */
    boolean awaitsValue() {
      return pendingKey != null;
    }

    boolean acceptsKey(BString key) {
      return keys.isEmpty() || keys.get(keys.size() - 1).compareTo(key) < 0;
    }

    void key(BString key) {
      pendingKey = key;
    }

    void add(BValue value) {
      if (dictionary) {
        keys.add(pendingKey);
        pendingKey = null;
      }
      values.add(value);
    }

    BValue build() {
      if (!dictionary) {
        return new BList(values);
      }
      if (keys.isEmpty()) {
        return BDictionary.empty();
      }
      return new BDictionary(keys.toArray(new BString[0]), values.toArray(new BValue[0]));
    }
  }
}
