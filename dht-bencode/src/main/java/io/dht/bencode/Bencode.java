package io.dht.bencode;

import java.util.Objects;

/**
 * Entry point of the codec: strict, bounded decoding of untrusted bytes and canonical encoding.
 *
 * <p>The decoder accepts exactly the canonical encoding of one value and reports anything else as
 * a {@link DecodeException}; it never throws another exception because of the input bytes.
 */
public final class Bencode {

  private Bencode() {}

  /** Decodes all of {@code data} under {@link DecodeLimits#defaults()}. */
  public static BValue decode(byte[] data) throws DecodeException {
    return decode(data, 0, data.length, DecodeLimits.defaults());
  }

  /**
   * Decodes the single value filling {@code data[offset, offset + length)}. Offsets reported by a
   * {@link DecodeException} are relative to {@code offset}.
   *
   * @throws IndexOutOfBoundsException if the range is not inside {@code data}
   */
  public static BValue decode(byte[] data, int offset, int length, DecodeLimits limits)
      throws DecodeException {
    Objects.checkFromIndexSize(offset, length, data.length);
    Objects.requireNonNull(limits, "limits");
    return Decoder.decode(data, offset, length, limits);
  }

  /** Returns the canonical encoding of {@code value} in an array of exactly the right size. */
  public static byte[] encode(BValue value) {
    byte[] out = new byte[encodedLength(value)];
    Encoder.write(value, out, 0);
    return out;
  }

  /**
   * Exact number of bytes {@link #encode(BValue)} produces for {@code value}.
   *
   * @throws IllegalArgumentException if the encoding would not fit in a byte array
   */
  public static int encodedLength(BValue value) {
    return Encoder.length(Objects.requireNonNull(value, "value"));
  }

  /**
   * Writes the canonical encoding of {@code value} into {@code dst} at {@code dstOffset}.
   *
   * @return the number of bytes written
   * @throws IndexOutOfBoundsException if the encoding does not fit; {@code dst} is then untouched
   */
  public static int encode(BValue value, byte[] dst, int dstOffset) {
    int length = encodedLength(value);
    Objects.checkFromIndexSize(dstOffset, length, dst.length);
    Encoder.write(value, dst, dstOffset);
    return length;
  }
}
