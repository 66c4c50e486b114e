package io.dht.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.id.NodeId;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class SipHashTest {
  private static final HexFormat HEX = HexFormat.of();

  /**
   * The reference outputs of SipHash-2-4 (the paper's Appendix A and its reference implementation) for the key 00 01
   * .. 0f and the messages 00 01 .. (i-1), i = 0..63; each output as its 8 little-endian bytes.
   */
  private static final String[] VECTORS = {
      "310e0edd47db6f72", "fd67dc93c539f874", "5a4fa9d909806c0d", "2d7efbd796666785",
      "b7877127e09427cf", "8da699cd64557618", "cee3fe586e46c9cb", "37d1018bf50002ab",
      "6224939a79f5f593", "b0e4a90bdf82009e", "f3b9dd94c5bb5d7a", "a7ad6b22462fb3f4",
      "fbe50e86bc8f1e75", "903d84c02756ea14", "eef27a8e90ca23f7", "e545be4961ca29a1",
      "db9bc2577fcc2a3f", "9447be2cf5e99a69", "9cd38d96f0b3c14b", "bd6179a71dc96dbb",
      "98eea21af25cd6be", "c7673b2eb0cbf2d0", "883ea3e395675393", "c8ce5ccd8c030ca8",
      "94af49f6c650adb8", "eab8858ade92e1bc", "f315bb5bb835d817", "adcf6b0763612e2f",
      "a5c91da7acaa4dde", "716595876650a2a6", "28ef495c53a387ad", "42c341d8fa92d832",
      "ce7cf2722f512771", "e37859f94623f3a7", "381205bb1ab0e012", "ae97a10fd434e015",
      "b4a31508beff4d31", "81396229f0907902", "4d0cf49ee5d4dcca", "5c73336a76d8bf9a",
      "d0a704536ba93e0e", "925958fcd6420cad", "a915c29bc8067318", "952b79f3bc0aa6d4",
      "f21df2e41d4535f9", "87577519048f53a9", "10a56cf5dfcd9adb", "eb75095ccd986cd0",
      "51a9cb9ecba312e6", "96afadfc2ce666c7", "72fe52975a4364ee", "5a1645b276d592a1",
      "b274cb8ebf87870a", "6f9bb4203de7b381", "eaecb2a30b22a87f", "9924a43cc1315724",
      "bd838d3aafbf8db7", "0b1a2a3265d51aea", "135079a3231ce660", "932b2846e4d70666",
      "e1915f5cb1eca46c", "f325965ca16d629f", "575ff28e60381be5", "724506eb4c328a95"
  };

  private static final byte[] KEY = sequence(16);
  private static final long K0 = SipHash.keyWord(KEY, 0);
  private static final long K1 = SipHash.keyWord(KEY, 8);

  private static byte[] sequence(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  private static String littleEndianHex(long h) {
    return HEX.formatHex(ByteBuffer.allocate(8).putLong(Long.reverseBytes(h)).array());
  }

  @Test
  void keyWordsAreReadLittleEndian() {
    assertThat(K0).isEqualTo(0x0706050403020100L);
    assertThat(K1).isEqualTo(0x0f0e0d0c0b0a0908L);
  }

  @Test
  void allSixtyFourReferenceVectors() {
    assertThat(VECTORS).hasSize(64);
    for (int i = 0; i < 64; i++) {
      assertThat(littleEndianHex(SipHash.hash(K0, K1, sequence(i)))).as("message of %d bytes", i).isEqualTo(VECTORS[i]);
    }
  }

  @Test
  void thePapersExampleAsANumber() {
    assertThat(SipHash.hash(K0, K1, sequence(15))).isEqualTo(0xa129ca6149be45e5L);
    assertThat(SipHash.hash(K0, K1, new byte[0])).isEqualTo(0x726fdb47dd0e0e31L);
  }

  @Test
  void offsetAndLengthSelectTheMessage() {
    byte[] padded = new byte[64 + 10];
    Arrays.fill(padded, (byte) 0xa5);
    System.arraycopy(sequence(64), 0, padded, 5, 64);
    for (int i = 0; i < 64; i++) {
      assertThat(littleEndianHex(SipHash.hash(K0, K1, padded, 5, i)))
          .as("message of %d bytes at offset 5", i)
          .isEqualTo(VECTORS[i]);
    }
    assertThatThrownBy(() -> SipHash.hash(K0, K1, padded, 70, 5)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Property(tries = 1000)
  void tokenIsTheHashOfTheDocumentedMessage(
      @ForAll long k0,
      @ForAll long k1,
      @ForAll long epoch,
      @ForAll @Size(min = 4, max = 4) byte[] ip4,
      @ForAll @Size(min = 16, max = 16) byte[] ip6,
      @ForAll boolean v6,
      @ForAll @Size(min = 20, max = 20) byte[] target) {
    byte[] ip = v6 ? ip6 : ip4;
    byte[] message = ByteBuffer.allocate(8 + ip.length + 20).putLong(epoch).put(ip).put(target).array();
    assertThat(message).hasSize(v6 ? 44 : 32);
    assertThat(SipHash.token(k0, k1, epoch, ip, NodeId.of(target))).isEqualTo(SipHash.hash(k0, k1, message));
  }

  @Test
  void tokenOfAKnownMessage() {
    // epoch 1, 192.0.2.1, target 00 01 .. 13 under the reference key
    byte[] ip = {(byte) 192, 0, 2, 1};
    byte[] message = ByteBuffer.allocate(32).putLong(1).put(ip).put(sequence(20)).array();
    assertThat(SipHash.token(K0, K1, 1, ip, NodeId.of(sequence(20)))).isEqualTo(SipHash.hash(K0, K1, message));
  }

  @Property(tries = 20)
  void tokenRejectsOtherAddressLengths(@ForAll @IntRange(min = 0, max = 40) int length) {
    if (length == 4 || length == 16) {
      return;
    }
    assertThatThrownBy(() -> SipHash.token(K0, K1, 0, new byte[length], NodeId.zero()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got " + length);
  }
}
