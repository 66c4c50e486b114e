package io.dht.item;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.bencode.BString;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.interfaces.EdECPrivateKey;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** BEP 44's published test vectors, checked with the public key (the published private key is expanded). */
class Bep44VectorsTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] PUBLIC_KEY =
      HEX.parseHex("77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548");
  private static final BString VALUE = BString.utf8("12:Hello World!");

  @Test
  void mutableWithoutSalt() {
    MutableItem item =
        new MutableItem(
            BString.of(PUBLIC_KEY),
            BString.of(new byte[0]),
            1,
            VALUE,
            BString.of(
                HEX.parseHex(
                    "305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff"
                        + "1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01")));
    assertThat(new String(MutableItem.signedBuffer(item.salt(), 1, VALUE), StandardCharsets.US_ASCII))
        .isEqualTo("3:seqi1e1:v12:Hello World!");
    assertThat(item.target().toString()).isEqualTo("4a533d47ec9c7d95b1ad75f576cffc641853b750");
    assertThat(item.verify()).isTrue();
    assertThat(new String(item.data(), StandardCharsets.UTF_8)).isEqualTo("Hello World!");
  }

  @Test
  void mutableWithSalt() {
    MutableItem item =
        new MutableItem(
            BString.of(PUBLIC_KEY),
            BString.utf8("foobar"),
            1,
            VALUE,
            BString.of(
                HEX.parseHex(
                    "6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17d"
                        + "df9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08")));
    assertThat(new String(MutableItem.signedBuffer(item.salt(), 1, VALUE), StandardCharsets.US_ASCII))
        .isEqualTo("4:salt6:foobar3:seqi1e1:v12:Hello World!");
    assertThat(item.target().toString()).isEqualTo("411eba73b6f087ca51a3795d9c8c938d365e32c1");
    assertThat(item.verify()).isTrue();
    // a different seq or value breaks the signature
    assertThat(new MutableItem(item.publicKey(), item.salt(), 2, VALUE, item.signature()).verify()).isFalse();
  }

  @Test
  void immutable() {
    ImmutableItem item = new ImmutableItem(VALUE);
    assertThat(item.target().toString()).isEqualTo("e5f96f6f38320f0f33959cb4d3d656452117aadb");
    assertThat(ImmutableItem.ofBytes("Hello World!".getBytes(StandardCharsets.UTF_8))).isEqualTo(item);
  }

  @Test
  void signAndVerifyWithAFreshKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
    byte[] seed = ((EdECPrivateKey) g.generateKeyPair().getPrivate()).getBytes().orElseThrow();
    // derive the public key by signing-independent means: verify a signature against candidate encodings
    var pair = g.generateKeyPair();
    byte[] seed2 = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow();
    byte[] spki = pair.getPublic().getEncoded();
    byte[] pub = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    MutableItem item = MutableItem.sign(seed2, pub, "s".getBytes(StandardCharsets.UTF_8), 7, new byte[] {1, 2});
    assertThat(item.verify()).isTrue();
    MutableItem forged = MutableItem.sign(seed, pub, "s".getBytes(StandardCharsets.UTF_8), 7, new byte[] {1, 2});
    assertThat(forged.verify()).isFalse();
  }
}
