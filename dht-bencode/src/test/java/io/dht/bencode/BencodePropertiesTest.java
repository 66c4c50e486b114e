package io.dht.bencode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/** Round-trip, canonicity and robustness properties of the codec. */
class BencodePropertiesTest {

  @Property
  void decodeInvertsEncode(@ForAll("values") BValue value) throws DecodeException {
    assertThat(Bencode.decode(Bencode.encode(value))).isEqualTo(value);
  }

  @Property
  void encodingIsCanonical(@ForAll("values") BValue value) throws DecodeException {
    byte[] encoded = Bencode.encode(value);

    assertThat(Bencode.encode(Bencode.decode(encoded))).isEqualTo(encoded);
  }

  @Property
  void encodedLengthIsExact(@ForAll("values") BValue value) {
    byte[] encoded = Bencode.encode(value);

    assertThat(Bencode.encodedLength(value)).isEqualTo(encoded.length);
    byte[] padded = new byte[encoded.length + 3];
    assertThat(Bencode.encode(value, padded, 3)).isEqualTo(encoded.length);
    assertThat(Arrays.copyOfRange(padded, 3, padded.length)).isEqualTo(encoded);
  }

  @Property(tries = 5000)
  void decodingArbitraryBytesEitherReproducesThemOrThrowsDecodeException(
      @ForAll("fuzzInputs") byte[] input) {
    for (DecodeLimits limits : List.of(DecodeLimits.defaults(), DecodeLimits.krpc())) {
      String outcome;
      try {
        BValue value = Bencode.decode(input, 0, input.length, limits);
        assertThat(Bencode.encode(value)).isEqualTo(input);
        outcome = "decoded";
      } catch (DecodeException e) {
        assertThat(e.offset()).isBetween(0, input.length);
        outcome = "rejected";
      } catch (Throwable t) {
        throw new AssertionError("decoding " + Arrays.toString(input) + " threw " + t, t);
      }
      Statistics.label("outcome").collect(outcome);
    }
    Statistics.label("outcome")
        .coverage(coverage -> coverage.check("decoded").percentage(p -> p > 5.0));
  }

  @Provide
  Arbitrary<BValue> values() {
    return value(4);
  }

  /** Random bytes, bytes over the bencode alphabet, and slightly damaged valid encodings. */
  @Provide
  Arbitrary<byte[]> fuzzInputs() {
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    Arbitrary<byte[]> alphabet =
        Arbitraries.of(bytes("0123456789ilde:-"))
            .array(byte[].class)
            .ofMaxSize(32);
    Arbitrary<byte[]> valid = value(3).map(Bencode::encode);
    Arbitrary<byte[]> damaged =
        Combinators.combine(
                valid,
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.bytes())
            .as(BencodePropertiesTest::damage);
    return Arbitraries.frequencyOf(
        List.of(
            Tuple.of(1, random), Tuple.of(2, alphabet), Tuple.of(2, valid), Tuple.of(4, damaged)));
  }

  private static Arbitrary<BValue> value(int depth) {
    Arbitrary<BValue> leaf = Arbitraries.oneOf(byteStrings(), integers());
    if (depth == 0) {
      return leaf;
    }
    Arbitrary<BValue> child = value(depth - 1);
    return Arbitraries.frequencyOf(
        List.of(Tuple.of(3, leaf), Tuple.of(1, lists(child)), Tuple.of(1, dictionaries(child))));
  }

  private static Arbitrary<BValue> byteStrings() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(24).map(BString::of);
  }

  private static Arbitrary<BValue> integers() {
    return Arbitraries.oneOf(
        Arbitraries.longs().map(BInteger::new),
        Arbitraries.longs().between(-20, 20).map(BInteger::new));
  }

  private static Arbitrary<BValue> lists(Arbitrary<BValue> child) {
    return child.list().ofMaxSize(4).map(BList::new);
  }

  /** Keys over a tiny alphabet collide often, exercising replacement in the builder. */
  private static Arbitrary<BValue> dictionaries(Arbitrary<BValue> child) {
    Arbitrary<BString> keys =
        Arbitraries.oneOf(
            Arbitraries.of(bytes("ab\u0000\u00ff"))
                .array(byte[].class)
                .ofMaxSize(2)
                .map(BString::of),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(8).map(BString::of));
    return Combinators.combine(keys, child)
        .as(Map::entry)
        .list()
        .ofMaxSize(4)
        .map(
            entries -> {
              BDictionary.Builder builder = BDictionary.builder();
              entries.forEach(e -> builder.put(e.getKey(), e.getValue()));
              return builder.build();
            });
  }

  /** Applies one of: nothing, truncation, overwriting a byte, inserting a byte. */
  private static byte[] damage(byte[] encoded, int kind, int position, byte b) {
    int at = position % (encoded.length + 1);
    switch (kind) {
      case 1:
        return Arrays.copyOf(encoded, at);
      case 2:
        if (at == encoded.length) {
          return encoded;
        }
        byte[] overwritten = encoded.clone();
        overwritten[at] = b;
        return overwritten;
      case 3:
        byte[] inserted = new byte[encoded.length + 1];
        System.arraycopy(encoded, 0, inserted, 0, at);
        inserted[at] = b;
        System.arraycopy(encoded, at, inserted, at + 1, encoded.length - at);
        return inserted;
      default:
        return encoded;
    }
  }

  private static Byte[] bytes(String alphabet) {
    Byte[] result = new Byte[alphabet.length()];
    for (int i = 0; i < result.length; i++) {
      result[i] = (byte) alphabet.charAt(i);
    }
    return result;
  }
}
