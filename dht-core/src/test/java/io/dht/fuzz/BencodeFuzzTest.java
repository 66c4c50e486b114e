package io.dht.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import io.dht.bencode.DecodeLimits;

/**
 * Fuzzes {@link Bencode#decode(byte[], int, int, DecodeLimits)} with raw bytes.
 *
 * <p>Oracle, for every input: the decoder throws nothing but {@link DecodeException}, whose offset lies inside
 * the input; a decoded value re-encodes to exactly the input bytes (the decoder accepts only canonical bencode);
 * decoding the same bytes at an offset inside a larger array gives the same outcome; and limits are monotone:
 * what tight limits accept, the KRPC limits accept as the same value, and what those accept, the defaults accept.
 */
class BencodeFuzzTest {
  /** Limits small enough that the fuzzer hits every one of them. */
  private static final DecodeLimits TIGHT = new DecodeLimits(256, 4, 32, 64);

  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({
    "d", "l", "e", "i", "i-", "i0e", "i-1e", "0:", "1:", "2:", "20:", ":", "-", "de", "le",
    "9223372036854775807", "-9223372036854775808", "9223372036854775808", "4294967296:"
  })
  void decode(byte[] input) {
    Outcome direct = Outcome.of(input, 0, input.length, DecodeLimits.krpc());
    Outcome framed = Outcome.framed(input, DecodeLimits.krpc());
    assertThat(framed).as("decoding at an offset inside a larger array").isEqualTo(direct);

    if (direct.value != null) {
      assertThat(Bencode.encode(direct.value)).as("re-encoding").isEqualTo(input);
      assertThat(Bencode.encodedLength(direct.value)).isEqualTo(input.length);
      assertThat(Outcome.of(input, 0, input.length, DecodeLimits.defaults()).value)
          .as("default limits accept what KRPC limits accept")
          .isEqualTo(direct.value);
    } else {
      assertThat(direct.error.offset()).isBetween(0, input.length);
    }

    Outcome tight = Outcome.of(input, 0, input.length, TIGHT);
    if (tight.value != null) {
      assertThat(direct.value).as("KRPC limits accept what tight limits accept").isEqualTo(tight.value);
    } else {
      assertThat(tight.error.offset()).isBetween(0, input.length);
    }
  }

  /** A decoded value, or the decode error (compared by offset and reason). */
  private static final class Outcome {
    private static final byte[] PREFIX = "d1:x".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX = "9:e".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    final BValue value;
    final DecodeException error;

    private Outcome(BValue value, DecodeException error) {
      this.value = value;
      this.error = error;
    }

    static Outcome of(byte[] data, int offset, int length, DecodeLimits limits) {
      try {
        return new Outcome(Bencode.decode(data, offset, length, limits), null);
      } catch (DecodeException e) {
        return new Outcome(null, e);
      }
    }

    /** Decodes {@code input} placed between bencode-looking bytes that must not be read. */
    static Outcome framed(byte[] input, DecodeLimits limits) {
      byte[] buffer = new byte[PREFIX.length + input.length + SUFFIX.length];
      System.arraycopy(PREFIX, 0, buffer, 0, PREFIX.length);
      System.arraycopy(input, 0, buffer, PREFIX.length, input.length);
      System.arraycopy(SUFFIX, 0, buffer, PREFIX.length + input.length, SUFFIX.length);
      return of(buffer, PREFIX.length, input.length, limits);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Outcome other)) {
        return false;
      }
      if (value != null || other.value != null) {
        return value != null && value.equals(other.value);
      }
      return error.offset() == other.error.offset() && error.reason().equals(other.error.reason());
    }

    @Override
    public int hashCode() {
      return value != null ? value.hashCode() : error.offset();
    }

    @Override
    public String toString() {
      return value != null ? "value " + value : "error '" + error.getMessage() + "'";
    }
  }
}
