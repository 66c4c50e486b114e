package io.dht.bencode;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EncodeTest {

  @Test
  void encodesIntegers() {
    assertEncodes(new BInteger(0), "i0e");
    assertEncodes(new BInteger(7), "i7e");
    assertEncodes(new BInteger(-7), "i-7e");
    assertEncodes(new BInteger(10), "i10e");
    assertEncodes(new BInteger(-10), "i-10e");
    assertEncodes(new BInteger(Long.MAX_VALUE), "i9223372036854775807e");
    assertEncodes(new BInteger(Long.MIN_VALUE), "i-9223372036854775808e");
  }

  @Test
  void encodesStrings() {
    assertEncodes(BString.of(new byte[0]), "0:");
    assertEncodes(BString.utf8("spam"), "4:spam");
    assertEncodes(BString.of(new byte[] {0, (byte) 0xff}), "2:\u0000\u00ff");
    assertEncodes(BString.utf8("x".repeat(10)), "10:" + "x".repeat(10));
  }

  @Test
  void encodesContainers() {
    assertEncodes(BList.of(), "le");
    assertEncodes(BList.of(BString.utf8("spam"), new BInteger(42)), "l4:spami42ee");
    assertEncodes(BDictionary.empty(), "de");
    assertEncodes(
        BDictionary.builder().put("spam", BList.of(BString.utf8("a"))).put("cow", 1).build(),
        "d3:cowi1e4:spaml1:aee");
  }

  @Test
  void encodesIntoAnArrayAtAnOffset() {
    BValue value = BList.of(new BInteger(1));
    byte[] dst = new byte[8];

    int written = Bencode.encode(value, dst, 2);

    assertThat(written).isEqualTo(5);
    assertThat(new String(dst, ISO_8859_1)).isEqualTo("\0\0li1ee\0");
  }

  @Test
  void encodingIntoTooSmallAnArrayThrowsAndWritesNothing() {
    BValue value = BString.utf8("abc");
    byte[] dst = new byte[5];

    assertThatThrownBy(() -> Bencode.encode(value, dst, 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Bencode.encode(value, dst, -1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThat(dst).containsOnly(0);
    assertThat(Bencode.encode(value, dst, 0)).isEqualTo(5);
  }

  @Test
  void refusesValuesLargerThanAnArray() {
    BString megabyte = BString.of(new byte[1 << 20]);
    List<BValue> values = new ArrayList<>();
    for (int i = 0; i < 2048; i++) {
      values.add(megabyte);
    }
    BList twoGigabytes = new BList(values);

    assertThatThrownBy(() -> Bencode.encodedLength(twoGigabytes))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void listCopiesItsInput() {
    List<BValue> values = new ArrayList<>(List.of(new BInteger(1)));
    BList list = new BList(values);
    values.add(new BInteger(2));

    assertThat(list.values()).containsExactly(new BInteger(1));
    assertThatThrownBy(() -> list.values().add(new BInteger(3)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  private static void assertEncodes(BValue value, String expected) {
    byte[] bytes = expected.getBytes(ISO_8859_1);
    assertThat(Bencode.encode(value)).isEqualTo(bytes);
    assertThat(Bencode.encodedLength(value)).isEqualTo(bytes.length);
  }
}
