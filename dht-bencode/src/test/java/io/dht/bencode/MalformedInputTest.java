package io.dht.bencode;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every malformed input is a {@link DecodeException} with the right offset and reason. */
class MalformedInputTest {

  private static final DecodeLimits DEFAULTS = DecodeLimits.defaults();
  private static final DecodeLimits KRPC = DecodeLimits.krpc();

  static Stream<Arguments> malformedInputs() {
    return Stream.of(
        // integers
        arguments("i-0e", DEFAULTS, 2, "negative zero in integer"),
        arguments("i03e", DEFAULTS, 1, "leading zero in integer"),
        arguments("i-03e", DEFAULTS, 2, "leading zero in integer"),
        arguments("i00e", DEFAULTS, 1, "leading zero in integer"),
        arguments("ie", DEFAULTS, 1, "integer has no digits"),
        arguments("i-e", DEFAULTS, 2, "integer has no digits"),
        arguments("i+1e", DEFAULTS, 1, "unexpected byte '+' in integer"),
        arguments("i1.5e", DEFAULTS, 2, "unexpected byte '.' in integer"),
        arguments("i--1e", DEFAULTS, 2, "unexpected byte '-' in integer"),
        arguments("i 1e", DEFAULTS, 1, "unexpected byte 0x20 in integer"),
        arguments("i12", DEFAULTS, 3, "unexpected end of input in integer"),
        arguments("i", DEFAULTS, 1, "unexpected end of input in integer"),
        arguments("i9223372036854775808e", DEFAULTS, 19, "integer overflows"),
        arguments("i-9223372036854775809e", DEFAULTS, 20, "integer overflows"),
        arguments("i99999999999999999999999e", DEFAULTS, 19, "integer overflows"),
        // strings
        arguments("03:abc", DEFAULTS, 0, "leading zero in string length"),
        arguments("00:", DEFAULTS, 0, "leading zero in string length"),
        arguments("5:abc", DEFAULTS, 0, "string length 5 exceeds remaining 3 bytes"),
        arguments("1:", DEFAULTS, 0, "string length 1 exceeds remaining 0 bytes"),
        arguments("999999999999:x", DEFAULTS, 0, "string length 999999999999 exceeds limit"),
        arguments("2147483648:x", DEFAULTS, 0, "string length 2147483648 exceeds limit 67108864"),
        arguments("99999999999999999999999:x", DEFAULTS, 0, "string length of 23 digits"),
        arguments("65537:x", KRPC, 0, "string length 65537 exceeds limit 65536"),
        arguments("3abc", DEFAULTS, 1, "expected ':' after string length, found 'a'"),
        arguments("3", DEFAULTS, 1, "unexpected end of input in string length"),
        arguments("-1:a", DEFAULTS, 0, "unexpected byte '-'"),
        // dictionaries
        arguments("d1:bi1e1:ai2ee", DEFAULTS, 7, "unsorted or duplicate dictionary key"),
        arguments("d1:ai1e1:ai2ee", DEFAULTS, 7, "unsorted or duplicate dictionary key"),
        arguments("d0:i1e0:i2ee", DEFAULTS, 6, "unsorted or duplicate dictionary key"),
        arguments("d2:abi1e1:ai2ee", DEFAULTS, 8, "unsorted or duplicate dictionary key"),
        arguments("d1:\u00ffi1e1:ai2ee", DEFAULTS, 7, "unsorted or duplicate dictionary key"),
        arguments("di1ei2ee", DEFAULTS, 1, "dictionary key must be a string, found 'i'"),
        arguments("dlei1ee", DEFAULTS, 1, "dictionary key must be a string, found 'l'"),
        arguments("d1:ae", DEFAULTS, 4, "missing value for dictionary key"),
        arguments("d1:a", DEFAULTS, 4, "unexpected end of input in dictionary"),
        arguments("d1:ai1e", DEFAULTS, 7, "unexpected end of input in dictionary"),
        // lists and nesting
        arguments("li1e", DEFAULTS, 4, "unexpected end of input in list"),
        arguments("l".repeat(17) + "e".repeat(17), KRPC, 16, "nesting depth exceeds limit 16"),
        arguments("d1:a" + "l".repeat(16) + "e".repeat(16) + "e", KRPC, 19, "nesting depth"),
        arguments(
            "l" + "i0e".repeat(4096) + "e",
            KRPC,
            1 + 4095 * 3,
            "number of elements exceeds limit 4096"),
        arguments(
            "li1ei2ei3ee",
            new DecodeLimits(100, 4, 100, 3),
            7,
            "number of elements exceeds limit 3"),
        arguments("d1:ai1ee", new DecodeLimits(100, 4, 100, 2), 4, "number of elements"),
        // whole input
        arguments("", DEFAULTS, 0, "empty input"),
        arguments("i1ei2e", DEFAULTS, 3, "trailing data"),
        arguments("0:x", DEFAULTS, 2, "trailing data"),
        arguments("lee", DEFAULTS, 2, "trailing data"),
        arguments("de\n", DEFAULTS, 2, "trailing data"),
        arguments("i1e".repeat(10), new DecodeLimits(20, 1, 1, 1), 0, "input length 30 exceeds"),
        // garbage
        arguments("\u00ff", DEFAULTS, 0, "unexpected byte 0xff"),
        arguments("\u0000", DEFAULTS, 0, "unexpected byte 0x00"),
        arguments("l", DEFAULTS, 1, "unexpected end of input in list"),
        arguments("d", DEFAULTS, 1, "unexpected end of input in dictionary"),
        arguments("e", DEFAULTS, 0, "unexpected byte 'e'"),
        arguments(":", DEFAULTS, 0, "unexpected byte ':'"),
        arguments(" i1e", DEFAULTS, 0, "unexpected byte 0x20"),
        arguments("lxe", DEFAULTS, 1, "unexpected byte 'x'"),
        arguments("d1:a\u0080e", DEFAULTS, 4, "unexpected byte 0x80"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("malformedInputs")
  void isRejected(String input, DecodeLimits limits, int offset, String reason) {
    byte[] bytes = input.getBytes(ISO_8859_1);

    assertThatExceptionOfType(DecodeException.class)
        .isThrownBy(() -> Bencode.decode(bytes, 0, bytes.length, limits))
        .satisfies(
            e -> {
              assertThat(e.offset()).isEqualTo(offset);
              assertThat(e.reason()).contains(reason);
              assertThat(e.getMessage()).isEqualTo(e.reason() + " at offset " + offset);
            });
  }

  static Stream<Arguments> properPrefixesOfGoldenMessages() {
    List<Arguments> prefixes = new ArrayList<>();
    for (String message : GoldenMessagesTest.messages()) {
      for (int length = 0; length < message.length(); length++) {
        prefixes.add(arguments(message.substring(0, length)));
      }
    }
    return prefixes.stream();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("properPrefixesOfGoldenMessages")
  void everyProperPrefixOfAGoldenMessageIsRejected(String prefix) {
    byte[] bytes = prefix.getBytes(ISO_8859_1);

    assertThatExceptionOfType(DecodeException.class)
        .isThrownBy(() -> Bencode.decode(bytes, 0, bytes.length, KRPC))
        .satisfies(e -> assertThat(e.offset()).isBetween(0, bytes.length));
  }

  @Test
  void truncationInsideAStringPointsAtItsLength() {
    byte[] bytes = "d1:ad2:id20:abcdefghij".getBytes(ISO_8859_1);

    assertThatExceptionOfType(DecodeException.class)
        .isThrownBy(() -> Bencode.decode(bytes))
        .satisfies(
            e -> {
              assertThat(e.offset()).isEqualTo(9);
              assertThat(e.reason()).isEqualTo("string length 20 exceeds remaining 10 bytes");
            });
  }

  @Test
  void offsetsAreRelativeToTheDecodedRange() {
    byte[] bytes = "xxxxi03exxxx".getBytes(ISO_8859_1);

    assertThatExceptionOfType(DecodeException.class)
        .isThrownBy(() -> Bencode.decode(bytes, 4, 4, DEFAULTS))
        .satisfies(e -> assertThat(e.offset()).isEqualTo(1));
  }

  @Test
  void bytesOutsideTheRangeAreIgnored() throws DecodeException {
    byte[] bytes = "xxi42exx".getBytes(ISO_8859_1);

    assertThat(Bencode.decode(bytes, 2, 4, DEFAULTS)).isEqualTo(new BInteger(42));
  }

  @Test
  void acceptsTheBoundaryValuesOfTheRules() throws DecodeException {
    assertThat(decode("i0e")).isEqualTo(new BInteger(0));
    assertThat(decode("i-1e")).isEqualTo(new BInteger(-1));
    assertThat(decode("i9223372036854775807e")).isEqualTo(new BInteger(Long.MAX_VALUE));
    assertThat(decode("i-9223372036854775808e")).isEqualTo(new BInteger(Long.MIN_VALUE));
    assertThat(decode("0:")).isEqualTo(BString.of(new byte[0]));
    assertThat(decode("10:0123456789")).isEqualTo(BString.utf8("0123456789"));
    assertThat(decode("le")).isEqualTo(BList.of());
    assertThat(decode("de")).isEqualTo(BDictionary.empty());
    assertThat(decode("d0:i1e1:ai2ee")).isInstanceOf(BDictionary.class);
    assertThat(decode("d1:a0:2:aa0:1:\u00ff0:e")).isInstanceOf(BDictionary.class);
  }

  @Test
  void acceptsNestingUpToTheDepthLimit() throws DecodeException {
    byte[] bytes = ("l".repeat(16) + "e".repeat(16)).getBytes(ISO_8859_1);

    BValue value = Bencode.decode(bytes, 0, bytes.length, KRPC);

    assertThat(Bencode.encode(value)).isEqualTo(bytes);
  }

  @Test
  void acceptsElementsUpToTheLimit() throws DecodeException {
    byte[] bytes = ("l" + "i0e".repeat(4095) + "e").getBytes(ISO_8859_1);

    BValue value = Bencode.decode(bytes, 0, bytes.length, KRPC);

    assertThat(((BList) value).values()).hasSize(4095);
  }

  private static BValue decode(String input) throws DecodeException {
    return Bencode.decode(input.getBytes(ISO_8859_1));
  }
}
