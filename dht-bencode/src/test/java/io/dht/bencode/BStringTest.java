package io.dht.bencode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class BStringTest {

  @Test
  void ofCopiesItsInput() {
    byte[] bytes = {1, 2, 3};
    BString s = BString.of(bytes);
    bytes[0] = 9;

    assertThat(s.byteAt(0)).isEqualTo((byte) 1);
    assertThat(s.contentEquals(new byte[] {1, 2, 3})).isTrue();
  }

  @Test
  void ofSliceCopiesOnlyTheSlice() {
    byte[] bytes = {1, 2, 3, 4, 5};
    BString s = BString.of(bytes, 1, 3);
    bytes[2] = 9;

    assertThat(s.toByteArray()).containsExactly(2, 3, 4);
    assertThat(s.length()).isEqualTo(3);
    assertThatThrownBy(() -> BString.of(bytes, 3, 3))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void toByteArrayReturnsACopy() {
    BString s = BString.utf8("abc");
    s.toByteArray()[0] = 'z';

    assertThat(s.asUtf8()).isEqualTo("abc");
  }

  @Test
  void copyToWritesAtTheOffset() {
    byte[] dst = new byte[5];
    BString.utf8("ab").copyTo(dst, 2);

    assertThat(dst).containsExactly(0, 0, 'a', 'b', 0);
    assertThatThrownBy(() -> BString.utf8("ab").copyTo(dst, 4))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void utf8RoundTripsAndDecodesLeniently() {
    assertThat(BString.utf8("häßlich").length()).isEqualTo(9);
    assertThat(BString.utf8("häßlich").asUtf8()).isEqualTo("häßlich");
    assertThat(BString.of(new byte[] {'a', (byte) 0xff}).asUtf8()).isEqualTo("a\uFFFD");
  }

  @Test
  void toStringIsTextWhenPrintableElseHex() {
    assertThat(BString.utf8("ping")).hasToString("ping");
    assertThat(BString.utf8("a b~")).hasToString("a b~");
    assertThat(BString.of(new byte[0])).hasToString("");
    assertThat(BString.of(new byte[] {0, 0x1f, (byte) 0xab, 'a'})).hasToString("0x001fab61");
    assertThat(BString.utf8("line\n")).hasToString("0x6c696e650a");
    assertThat(BString.of(new byte[] {0x7f})).hasToString("0x7f");
  }

  @Test
  void equalityIsByContent() {
    assertThat(BString.utf8("ab")).isEqualTo(BString.of(new byte[] {'a', 'b'}));
    assertThat(BString.utf8("ab")).hasSameHashCodeAs(BString.of(new byte[] {'a', 'b'}));
    assertThat(BString.utf8("ab")).isNotEqualTo(BString.utf8("abc"));
    assertThat(BString.utf8("ab").contentEquals(new byte[] {'a'})).isFalse();
  }

  @Test
  void ordersBytesAsUnsigned() {
    BString high = BString.of(new byte[] {(byte) 0x80});
    BString low = BString.of(new byte[] {0x7f});

    assertThat(high).isGreaterThan(low);
    assertThat(BString.utf8("a")).isLessThan(BString.utf8("aa"));
    assertThat(BString.of(new byte[0])).isLessThan(BString.of(new byte[] {0}));
  }

  @Property
  void compareToIsUnsignedLexicographicAndConsistentWithEquals(
      @ForAll("byteStrings") byte[] a, @ForAll("byteStrings") byte[] b) {
    BString x = BString.of(a);
    BString y = BString.of(b);

    assertThat(Integer.signum(x.compareTo(y))).isEqualTo(Integer.signum(referenceCompare(a, b)));
    assertThat(Integer.signum(y.compareTo(x))).isEqualTo(-Integer.signum(x.compareTo(y)));
    assertThat(x.compareTo(y) == 0).isEqualTo(x.equals(y));
    if (x.equals(y)) {
      assertThat(x.hashCode()).isEqualTo(y.hashCode());
    }
  }

  @Property
  void compareToIsTransitive(
      @ForAll("byteStrings") byte[] a,
      @ForAll("byteStrings") byte[] b,
      @ForAll("byteStrings") byte[] c) {
    BString x = BString.of(a);
    BString y = BString.of(b);
    BString z = BString.of(c);

    if (x.compareTo(y) <= 0 && y.compareTo(z) <= 0) {
      assertThat(x.compareTo(z)).isLessThanOrEqualTo(0);
    }
  }

  /** Short strings over a few boundary bytes, so that equal strings and prefixes are common. */
  @Provide
  Arbitrary<byte[]> byteStrings() {
    Arbitrary<byte[]> boundaryBytes =
        Arbitraries.of((byte) 0, (byte) 1, (byte) 'a', (byte) 0x7f, (byte) 0x80, (byte) 0xff)
            .array(byte[].class)
            .ofMaxSize(4);
    Arbitrary<byte[]> anyBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(16);
    return Arbitraries.oneOf(boundaryBytes, anyBytes);
  }

  private static int referenceCompare(byte[] a, byte[] b) {
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      int diff = (a[i] & 0xff) - (b[i] & 0xff);
      if (diff != 0) {
        return diff;
      }
    }
    return a.length - b.length;
  }
}
