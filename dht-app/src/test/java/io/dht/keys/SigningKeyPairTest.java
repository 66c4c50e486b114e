package io.dht.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.item.Ed25519;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SigningKeyPairTest {
  private static final HexFormat HEX = HexFormat.of();
  // RFC 8032 section 7.1, TEST 1 (empty message).
  private static final String SEED1 = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  private static final String PUBLIC1 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  private static final String SIG1 =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
          + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
  // RFC 8032 section 7.1, TEST 2 (one byte 0x72).
  private static final String SEED2 = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
  private static final String PUBLIC2 = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";

  @TempDir Path dir;

  @Test
  void rfc8032VectorsDeriveThePublicKeyAndSign() {
    SigningKeyPair one = SigningKeyPair.fromSeed(HEX.parseHex(SEED1));
    assertThat(one.publicKeyHex()).isEqualTo(PUBLIC1);
    assertThat(HEX.formatHex(one.sign(new byte[0]))).isEqualTo(SIG1);

    SigningKeyPair two = SigningKeyPair.fromSeed(HEX.parseHex(SEED2));
    assertThat(two.publicKeyHex()).isEqualTo(PUBLIC2);
    assertThat(Ed25519.verify(two.publicKey(), new byte[] {0x72}, two.sign(new byte[] {0x72}))).isTrue();
  }

  @Test
  void generatedKeysAreFreshAndConsistentWithTheirSeed() {
    SigningKeyPair a = SigningKeyPair.generate();
    SigningKeyPair b = SigningKeyPair.generate();
    assertThat(a.seed()).hasSize(32);
    assertThat(a.publicKey()).hasSize(32);
    assertThat(a.seed()).isNotEqualTo(b.seed());
    assertThat(SigningKeyPair.fromSeed(a.seed())).isEqualTo(a);
    assertThat(SigningKeyPair.fromSeed(a.seed()).publicKey()).isEqualTo(a.publicKey());
    byte[] msg = "3:seqi1e1:v12:Hello World!".getBytes(StandardCharsets.US_ASCII);
    assertThat(Ed25519.verify(a.publicKey(), msg, a.sign(msg))).isTrue();
    assertThat(Ed25519.verify(b.publicKey(), msg, a.sign(msg))).isFalse();
  }

  @Test
  void accessorsReturnCopies() {
    SigningKeyPair k = SigningKeyPair.fromSeed(HEX.parseHex(SEED1));
    k.seed()[0] ^= 1;
    k.publicKey()[0] ^= 1;
    assertThat(HEX.formatHex(k.seed())).isEqualTo(SEED1);
    assertThat(k.publicKeyHex()).isEqualTo(PUBLIC1);
  }

  @Test
  void toStringNamesOnlyThePublicKey() {
    SigningKeyPair k = SigningKeyPair.fromSeed(HEX.parseHex(SEED1));
    assertThat(k.toString()).contains(PUBLIC1).doesNotContain(SEED1);
  }

  @Test
  void badSeedLengthIsRejected() {
    assertThatThrownBy(() -> SigningKeyPair.fromSeed(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32 bytes, got 31");
  }

  @Test
  void saveAndLoadRoundTripWithOwnerOnlyPermissions() throws Exception {
    SigningKeyPair k = SigningKeyPair.generate();
    Path file = dir.resolve("my.key");
    k.save(file);

    assertThat(SigningKeyPair.load(file)).isEqualTo(k);
    assertThat(SigningKeyPair.load(file).publicKey()).isEqualTo(k.publicKey());
    String text = Files.readString(file);
    assertThat(text).contains("ed25519-seed " + HEX.formatHex(k.seed()) + "\n");
    assertThat(text).contains("public " + k.publicKeyHex() + "\n");
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
  }

  @Test
  void saveRefusesToOverwriteUnlessAsked() throws Exception {
    Path file = dir.resolve("k");
    SigningKeyPair first = SigningKeyPair.generate();
    first.save(file);
    SigningKeyPair second = SigningKeyPair.generate();

    assertThatThrownBy(() -> second.save(file))
        .isInstanceOf(KeyFileException.class)
        .hasMessage("key file " + file + " already exists; not overwriting it");
    assertThat(SigningKeyPair.load(file)).isEqualTo(first);

    second.save(file, true);
    assertThat(SigningKeyPair.load(file)).isEqualTo(second);
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("k"); // no temporary left
    }
  }

  @Test
  void saveIntoAMissingDirectoryIsAOneLineError() {
    Path file = dir.resolve("missing").resolve("k");
    assertThatThrownBy(() -> SigningKeyPair.generate().save(file))
        .isInstanceOf(KeyFileException.class)
        .hasMessage("cannot write key file " + file + ": no such file");
  }

  @Test
  void loadAcceptsCommentsBlankLinesUppercaseHexAndNoPublicLine() throws Exception {
    Path file = dir.resolve("k");
    Files.writeString(file, "\n# mine\n\n  ed25519-seed   " + SEED1.toUpperCase() + "  \n");
    assertThat(SigningKeyPair.load(file).publicKeyHex()).isEqualTo(PUBLIC1);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "empty|''|is not a key file: no 'ed25519-seed <64 hex>' line",
        "comments only|'# nothing\\n'|is not a key file: no 'ed25519-seed <64 hex>' line",
        "short seed|'ed25519-seed 9d61\\n'|is not a key file: line 1: the seed must be 64 hex digits",
        "non-hex seed|'ed25519-seed " + "zz61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
            + "\\n'|is not a key file: line 1: the seed must be 64 hex digits",
        "no value|'ed25519-seed\\n'|is not a key file: line 1: expected 'ed25519-seed <64 hex digits>'",
        "two values|'ed25519-seed " + SEED1 + " x\\n'|line 1: expected 'ed25519-seed <64 hex digits>'",
        "unknown entry|'# k\\nprivate " + SEED1 + "\\n'|is not a key file: line 2: unknown entry 'private'",
        "two seeds|'ed25519-seed " + SEED1 + "\\ned25519-seed " + SEED1 + "\\n'|line 2: a second ed25519-seed",
        "bad public|'ed25519-seed " + SEED1 + "\\npublic abc\\n'|line 2: the public key must be 64 hex digits",
        "wrong public|'ed25519-seed " + SEED1 + "\\npublic " + PUBLIC2 + "\\n'|is damaged: its public key " + PUBLIC2
            + " does not belong to its seed (which gives " + PUBLIC1 + ")",
        "pem|'-----BEGIN PRIVATE KEY-----\\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v\\n'|line 1: unknown entry '-----BEGIN'",
        "bare seed|'" + SEED1 + "\\n'|line 1: unknown entry (unreadable)",
      })
  void malformedFilesGiveOneLineErrorsWithoutKeyMaterial(String name, String content, String expected)
      throws Exception {
    Path file = dir.resolve("k");
    Files.writeString(file, content.replace("\\n", "\n"));

    assertThatThrownBy(() -> SigningKeyPair.load(file))
        .isInstanceOf(KeyFileException.class)
        .hasMessageContaining(expected)
        .hasMessageStartingWith(file.toString())
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain(SEED1.substring(8)));
  }

  @Test
  void unreadableFilesGiveOneLineErrors() throws Exception {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> SigningKeyPair.load(missing))
        .isInstanceOf(KeyFileException.class)
        .hasMessage("cannot read key file " + missing + ": no such file");
    assertThatThrownBy(() -> SigningKeyPair.load(dir))
        .isInstanceOf(KeyFileException.class)
        .hasMessage("cannot read key file " + dir + ": it is a directory");

    Path binary = dir.resolve("bin");
    Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
    assertThatThrownBy(() -> SigningKeyPair.load(binary))
        .isInstanceOf(KeyFileException.class)
        .hasMessage(binary + " is not a key file: not UTF-8 text");

    Path big = dir.resolve("big");
    Files.write(big, new byte[100_000]);
    assertThatThrownBy(() -> SigningKeyPair.load(big))
        .isInstanceOf(KeyFileException.class)
        .hasMessageStartingWith(big + " is not a key file: 100000 bytes");

    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix") && !isRoot()) {
      Path locked = dir.resolve("locked");
      SigningKeyPair.generate().save(locked);
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
      assertThatThrownBy(() -> SigningKeyPair.load(locked))
          .isInstanceOf(KeyFileException.class)
          .hasMessage("cannot read key file " + locked + ": permission denied");
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }
}
