package io.dht.id;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** NodeId against a BigInteger reference: the id as an unsigned 160-bit big-endian number. */
class NodeIdTest {
  private static final BigInteger ALL_ONES = BigInteger.ONE.shiftLeft(160).subtract(BigInteger.ONE);
  private static final String HEX = "0123456789abcdef00112233445566778899aabb";

  static BigInteger big(NodeId id) {
    return new BigInteger(1, id.toBytes());
  }

  static NodeId fromBig(BigInteger value) {
    byte[] raw = value.toByteArray();
    byte[] out = new byte[NodeId.LENGTH];
    int n = Math.min(raw.length, NodeId.LENGTH);
    System.arraycopy(raw, raw.length - n, out, NodeId.LENGTH - n, n);
    return NodeId.of(out);
  }

  /** Bit index 0 is the most significant: BigInteger bit 159. */
  static int refBit(int index) {
    return NodeId.BITS - 1 - index;
  }

  // ------------------------------------------------------------------ examples

  @Test
  void hexRoundTripIsLowercase() {
    NodeId id = NodeId.parseHex(HEX);
    assertThat(id.toString()).isEqualTo(HEX);
    assertThat(NodeId.parseHex(HEX.toUpperCase())).isEqualTo(id);
    assertThat(id.toBytes()).isEqualTo(HexFormat.of().parseHex(HEX));
    assertThat(big(id)).isEqualTo(new BigInteger(HEX, 16));
  }

  @Test
  void ofAndToBytesRoundTripAndCopy() {
    byte[] bytes = new byte[20];
    for (int i = 0; i < 20; i++) {
      bytes[i] = (byte) (0xf0 - 7 * i);
    }
    NodeId id = NodeId.of(bytes);
    assertThat(id.toBytes()).isEqualTo(bytes);
    bytes[0] = 0;
    assertThat(id.toBytes()[0]).isEqualTo((byte) 0xf0); // no aliasing of the input
    byte[] out = id.toBytes();
    out[19] ^= 1;
    assertThat(id.toBytes()).isNotEqualTo(out); // no aliasing of the output
  }

  @Test
  void ofWithOffsetAndWriteTo() {
    byte[] buffer = new byte[30];
    NodeId id = NodeId.parseHex(HEX);
    id.writeTo(buffer, 7);
    assertThat(buffer[6]).isZero();
    assertThat(buffer[27]).isZero();
    assertThat(NodeId.of(buffer, 7)).isEqualTo(id);
    assertThatThrownBy(() -> NodeId.of(buffer, 11))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("11");
    assertThatThrownBy(() -> NodeId.of(buffer, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 19, 21, 40})
  void ofRejectsWrongLengthNamingIt(int length) {
    assertThatThrownBy(() -> NodeId.of(new byte[length]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(length));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "0123",
        "0123456789abcdef00112233445566778899aab",
        "0123456789abcdef00112233445566778899aabbc",
        "0123456789abcdef00112233445566778899aabg",
        "0x23456789abcdef00112233445566778899aabb",
        " 123456789abcdef00112233445566778899aabb",
        "0123456789abcdef00112233445566778899aa\u00e9b"
      })
  void parseHexRejectsBadInputNamingIt(String bad) {
    assertThatThrownBy(() -> NodeId.parseHex(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + bad + "'");
  }

  @Test
  void zeroAndMax() {
    assertThat(big(NodeId.zero())).isEqualTo(BigInteger.ZERO);
    assertThat(big(NodeId.max())).isEqualTo(ALL_ONES);
    assertThat(NodeId.zero().commonPrefixLength(NodeId.max())).isZero();
    assertThat(NodeId.zero().distanceBits(NodeId.max())).isEqualTo(160);
    assertThat(NodeId.max().commonPrefixLength(NodeId.max())).isEqualTo(160);
    assertThat(NodeId.zero().compareTo(NodeId.max())).isNegative();
  }

  @Test
  void bitIndexOutOfRangeIsRejected() {
    NodeId id = NodeId.parseHex(HEX);
    assertThatThrownBy(() -> id.bit(160)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> id.withBit(160, true)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> id.withBit(-1, true)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> id.withLowBitsFrom(id, 161)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> id.withLowBitsFrom(id, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void negativeBitIndexIsRejected() {
    NodeId id = NodeId.max();
    assertThatThrownBy(() -> id.bit(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void randomWithPrefixKeepsThePrefixAndRandomisesTheRest() {
    SplittableRandom random = new SplittableRandom(7);
    NodeId prefix = NodeId.parseHex(HEX);
    for (int bits : new int[] {0, 1, 10, 63, 64, 65, 127, 128, 129, 159}) {
      Set<NodeId> seen = new HashSet<>();
      for (int i = 0; i < 16; i++) {
        NodeId r = NodeId.randomWithPrefix(prefix, bits, random);
        assertThat(r.commonPrefixLength(prefix)).isGreaterThanOrEqualTo(bits);
        seen.add(r);
      }
      // 160 - bits >= 1 random bits: 16 draws are not all the same id
      assertThat(seen).hasSizeGreaterThan(1);
    }
    assertThat(NodeId.randomWithPrefix(prefix, 160, random)).isEqualTo(prefix);
  }

  // ------------------------------------------------------------------ properties

  @Provide
  Arbitrary<NodeId> ids() {
    return Arbitraries.bytes().array(byte[].class).ofSize(NodeId.LENGTH).map(NodeId::of);
  }

  /** A target and three ids sharing random-length prefixes with it, so distances tie on long prefixes. */
  @Provide
  Arbitrary<List<NodeId>> related() {
    return Combinators.combine(
            ids(), ids().list().ofSize(3), Arbitraries.integers().between(0, 160).list().ofSize(3))
        .as(
            (base, others, prefixes) -> {
              List<NodeId> out = new ArrayList<>();
              out.add(base);
              for (int i = 0; i < 3; i++) {
                out.add(base.withLowBitsFrom(others.get(i), prefixes.get(i)));
              }
              return out;
            });
  }

  @Property(tries = 500)
  void hexAndBytesRoundTrip(@ForAll("ids") NodeId id) {
    String hex = id.toString();
    assertThat(hex).hasSize(40).matches("[0-9a-f]{40}");
    assertThat(NodeId.parseHex(hex)).isEqualTo(id);
    assertThat(NodeId.of(id.toBytes())).isEqualTo(id).hasSameHashCodeAs(id);
    assertThat(hex).isEqualTo(HexFormat.of().formatHex(id.toBytes()));
  }

  @Property(tries = 500)
  void wordAccessorsAreTheBigEndianBytes(@ForAll("ids") NodeId id) {
    ByteBuffer bytes = ByteBuffer.wrap(id.toBytes());
    assertThat(id.hi()).isEqualTo(bytes.getLong(0));
    assertThat(id.mid()).isEqualTo(bytes.getLong(8));
    assertThat(id.lo()).isEqualTo(bytes.getInt(16));
  }

  @Test
  void wordAccessorsOfAKnownId() {
    NodeId id = NodeId.parseHex(HEX);
    assertThat(id.hi()).isEqualTo(0x0123456789abcdefL);
    assertThat(id.mid()).isEqualTo(0x0011223344556677L);
    assertThat(id.lo()).isEqualTo(0x8899aabb);
  }

  @Property(tries = 500)
  void distanceToItselfIsTheSmallest(@ForAll("related") List<NodeId> ids) {
    NodeId t = ids.get(0);
    assertThat(t.xor(t)).isEqualTo(NodeId.zero());
    for (NodeId a : ids) {
      assertThat(t.compareDistance(t, a)).isLessThanOrEqualTo(0);
      assertThat(t.compareDistance(a, t)).isGreaterThanOrEqualTo(0);
      assertThat(t.compareDistance(t, a) == 0).isEqualTo(a.equals(t));
    }
  }

  @Property(tries = 500)
  void xorIsSymmetricAndMatchesBigInteger(@ForAll("ids") NodeId a, @ForAll("ids") NodeId b) {
    assertThat(a.xor(b)).isEqualTo(b.xor(a));
    assertThat(big(a.xor(b))).isEqualTo(big(a).xor(big(b)));
    assertThat(a.xor(b).xor(b)).isEqualTo(a);
  }

  @Property(tries = 1000)
  void compareDistanceIsAntisymmetricAndMatchesBigInteger(@ForAll("related") List<NodeId> ids) {
    NodeId t = ids.get(0);
    for (NodeId a : ids) {
      for (NodeId b : ids) {
        int c = t.compareDistance(a, b);
        assertThat(Integer.signum(c)).isEqualTo(-Integer.signum(t.compareDistance(b, a)));
        int reference = big(t).xor(big(a)).compareTo(big(t).xor(big(b)));
        assertThat(Integer.signum(c)).as("%s vs %s to %s", a, b, t).isEqualTo(Integer.signum(reference));
        assertThat(c == 0).isEqualTo(a.equals(b));
      }
    }
  }

  @Property(tries = 1000)
  void compareDistanceIsTransitive(@ForAll("related") List<NodeId> ids) {
    NodeId t = ids.get(0);
    NodeId a = ids.get(1);
    NodeId b = ids.get(2);
    NodeId c = ids.get(3);
    for (NodeId[] p :
        new NodeId[][] {{a, b, c}, {a, c, b}, {b, a, c}, {b, c, a}, {c, a, b}, {c, b, a}}) {
      if (t.compareDistance(p[0], p[1]) <= 0 && t.compareDistance(p[1], p[2]) <= 0) {
        assertThat(t.compareDistance(p[0], p[2])).isLessThanOrEqualTo(0);
      }
    }
  }

  @Property(tries = 1000)
  void commonPrefixLengthMatchesBigInteger(@ForAll("related") List<NodeId> ids) {
    NodeId t = ids.get(0);
    for (NodeId a : ids) {
      int expected = 160 - big(t).xor(big(a)).bitLength();
      assertThat(t.commonPrefixLength(a)).isEqualTo(expected);
      assertThat(a.commonPrefixLength(t)).isEqualTo(expected);
      assertThat(t.distanceBits(a)).isEqualTo(160 - expected);
    }
  }

  @Property(tries = 300)
  void bitMatchesBigInteger(@ForAll("ids") NodeId id) {
    BigInteger ref = big(id);
    for (int i = 0; i < NodeId.BITS; i++) {
      assertThat(id.bit(i)).as("bit %d", i).isEqualTo(ref.testBit(refBit(i)));
    }
  }

  @Property(tries = 1000)
  void withBitMatchesBigInteger(
      @ForAll("ids") NodeId id, @ForAll @IntRange(min = 0, max = 159) int index, @ForAll boolean value) {
    BigInteger ref = big(id);
    BigInteger expected = value ? ref.setBit(refBit(index)) : ref.clearBit(refBit(index));
    NodeId changed = id.withBit(index, value);
    assertThat(big(changed)).isEqualTo(expected);
    assertThat(changed.bit(index)).isEqualTo(value);
  }

  @Property(tries = 1000)
  void withLowBitsFromMatchesBigInteger(
      @ForAll("ids") NodeId a, @ForAll("ids") NodeId b, @ForAll @IntRange(min = 0, max = 160) int prefixBits) {
    BigInteger low = BigInteger.ONE.shiftLeft(160 - prefixBits).subtract(BigInteger.ONE);
    BigInteger high = ALL_ONES.xor(low);
    BigInteger expected = big(a).and(high).or(big(b).and(low));
    NodeId result = a.withLowBitsFrom(b, prefixBits);
    assertThat(big(result)).isEqualTo(expected);
    assertThat(fromBig(expected)).isEqualTo(result);
    assertThat(result.commonPrefixLength(a)).isGreaterThanOrEqualTo(prefixBits);
  }

  @Property(tries = 300)
  void randomWithPrefixKeepsAnyPrefix(
      @ForAll("ids") NodeId prefix, @ForAll @IntRange(min = 0, max = 160) int bits, @ForAll long seed) {
    NodeId r = NodeId.randomWithPrefix(prefix, bits, new SplittableRandom(seed));
    assertThat(r.commonPrefixLength(prefix)).isGreaterThanOrEqualTo(bits);
  }

  @Property(tries = 500)
  void compareToIsUnsignedBigEndianOrder(@ForAll("ids") NodeId a, @ForAll("ids") NodeId b) {
    assertThat(Integer.signum(a.compareTo(b))).isEqualTo(big(a).compareTo(big(b)));
    assertThat(a.compareTo(b) == 0).isEqualTo(a.equals(b));
  }
}
