package io.dht.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.TestSwarm;
import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.id.NodeId;
import io.dht.item.MutableItem;
import io.dht.item.Sha1;
import io.dht.keys.SigningKeyPair;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code dht keygen}, {@code dht put} and {@code dht get} in-process: outputs, exit codes, one-line errors. */
class ItemsCliTest {
  private static final String HASH = "0123456789abcdef0123456789abcdef01234567";
  private static final String BOOT = "127.0.0.1:6881"; // never contacted: these runs fail before starting a node

  @TempDir static Path dir;
  private static TestSwarm swarm;
  private static String seed;
  private static Path key;
  private static Path badKey;
  private static Path bigFile;

  @BeforeAll
  static void setUp() throws Exception {
    swarm = TestSwarm.start(10, 170);
    swarm.bootstrapAll();
    seed = swarm.node(0).localEndpoint().toString();
    key = dir.resolve("test.key");
    SigningKeyPair.generate().save(key);
    badKey = dir.resolve("bad.key");
    Files.writeString(badKey, "ed25519-seed 1234\n");
    bigFile = dir.resolve("big.bin");
    Files.write(bigFile, new byte[997]);
  }

  @AfterAll
  static void tearDown() {
    if (swarm != null) {
      swarm.close();
    }
  }

  private record Run(int code, String out, byte[] raw, String err) {
    String rawText() {
      return new String(raw, StandardCharsets.UTF_8);
    }
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    int code = Main.run(raw, new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), raw.toByteArray(), err.toString());
  }

  /** A run against the live swarm: adds --bootstrap, --private and --bind. */
  private static Run live(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--bootstrap", seed, "--private", "--bind", "127.0.0.1", "--timeout", "20"));
    return run(all.toArray(String[]::new));
  }

  private static void assertOneLineError(Run r) {
    assertThat(r.err()).as("stderr").endsWith("\n");
    assertThat(r.err().strip()).as("stderr").doesNotContain("\n").doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(r.err()).startsWith("dht");
  }

  private static String sub(String line) {
    return line.replace("KEY", key.toString())
        .replace("BADKEY", badKey.toString())
        .replace("BIG", bigFile.toString())
        .replace("DIR", dir.toString())
        .replace("MISSING", dir.resolve("missing").toString());
  }

  // ------------------------------------------------------------------ bad arguments: exit 2

  @ParameterizedTest
  @ValueSource(
      strings = {
        "put --bootstrap " + BOOT,
        "put hello",
        "put hello --file BIG --bootstrap " + BOOT,
        "put --file BIG --bootstrap " + BOOT,
        "put --file MISSING --bootstrap " + BOOT,
        "put --file DIR --bootstrap " + BOOT,
        "put hello --key KEY --bootstrap " + BOOT,
        "put hello --salt s --bootstrap " + BOOT,
        "put hello --seq 3 --bootstrap " + BOOT,
        "put --mutable hello --bootstrap " + BOOT,
        "put --mutable --key MISSING hello --bootstrap " + BOOT,
        "put --mutable --key BADKEY hello --bootstrap " + BOOT,
        "put --mutable --key DIR hello --bootstrap " + BOOT,
        "put --mutable --key KEY --seq -1 hello --bootstrap " + BOOT,
        "put --mutable --key KEY --seq x hello --bootstrap " + BOOT,
        "put --mutable --key KEY --cas -1 hello --bootstrap " + BOOT,
        "put --mutable --key KEY --salt 0123456789012345678901234567890123456789012345678901234567890123456789"
            + " hello --bootstrap " + BOOT,
        "get --bootstrap " + BOOT,
        "get " + HASH,
        "get nothex --bootstrap " + BOOT,
        "get 0123 --bootstrap " + BOOT,
        "get " + HASH + " --key " + HASH + "0123456789abcdef01234567" + " --bootstrap " + BOOT,
        "get --key 12zz --bootstrap " + BOOT,
        "get --key MISSING --bootstrap " + BOOT,
        "get --key BADKEY --bootstrap " + BOOT,
        "keygen --out KEY",
        "keygen --out DIR --force",
        "keygen --frobnicate",
        "node --handoff-timeout -1",
      })
  void badArgumentsExitWithTwoAndOneLineOnStderr(String line) {
    Run r = run(sub(line).split(" "));

    assertThat(r.code()).as("exit code of '%s' (stderr %s)", line, r.err()).isEqualTo(2);
    assertOneLineError(r);
    assertThat(r.out()).isEmpty();
    assertThat(r.raw()).isEmpty();
  }

  @Test
  void oversizeValueNamesTheLimit() {
    Run r = run("put", "x".repeat(1200), "--bootstrap", BOOT);
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "dht put: value is 1200 bytes; BEP 44 allows at most 1000 bytes bencoded, that is 996 bytes of data"
                + " (see 'dht put --help')\n");

    Run f = run("put", "--file", bigFile.toString(), "--bootstrap", BOOT);
    assertThat(f.err()).contains("--file " + bigFile + ": value is 997 bytes; BEP 44 allows at most 1000 bytes");
  }

  @Test
  void keyErrorsNameTheFileButNeverTheSeed() throws Exception {
    Run missing = run("put", "--mutable", "--key", dir.resolve("nokey").toString(), "v", "--bootstrap", BOOT);
    assertThat(missing.err()).contains("cannot read key file " + dir.resolve("nokey") + ": no such file");

    Run bad = run("put", "--mutable", "--key", badKey.toString(), "v", "--bootstrap", BOOT);
    assertThat(bad.err()).contains(badKey + " is not a key file: line 1: the seed must be 64 hex digits");

    Run hex = run("get", "--key", "12zz", "--bootstrap", BOOT);
    assertThat(hex.err()).contains("--key '12zz' is neither a public key (64 hex digits) nor an existing key file");

    Run target = run("get", "nothex", "--bootstrap", BOOT);
    assertThat(target.err()).contains("'nothex' is not a target (40 hex digits)");
  }

  // ------------------------------------------------------------------ keygen

  @Test
  void keygenWritesAKeyFilePrintsThePublicKeyAndRefusesToOverwrite() throws Exception {
    Path file = dir.resolve("new.key");
    Run r = run("keygen", "--out", file.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).matches("[0-9a-f]{64}\n");
    SigningKeyPair loaded = SigningKeyPair.load(file);
    assertThat(r.out().strip()).isEqualTo(loaded.publicKeyHex());
    assertThat(r.out() + r.err()).doesNotContain(HexFormat.of().formatHex(loaded.seed()));
    assertThat(r.err()).contains("key saved to " + file);

    Run again = run("keygen", "--out", file.toString());
    assertThat(again.code()).isEqualTo(2);
    assertOneLineError(again);
    assertThat(again.err()).contains("key file " + file + " already exists; use --force");
    assertThat(SigningKeyPair.load(file)).isEqualTo(loaded);

    Run forced = run("keygen", "--out", file.toString(), "--force");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(SigningKeyPair.load(file)).isNotEqualTo(loaded);
    assertThat(forced.out().strip()).isEqualTo(SigningKeyPair.load(file).publicKeyHex());
  }

  @Test
  void keygenIntoAMissingDirectoryIsAnOperationalFailure() {
    Path file = dir.resolve("no-such-dir").resolve("k");
    Run r = run("keygen", "--out", file.toString());
    assertThat(r.code()).isEqualTo(1);
    assertOneLineError(r);
    assertThat(r.err()).isEqualTo("dht keygen: cannot write key file " + file + ": no such file\n");
  }

  // ------------------------------------------------------------------ against a live swarm

  @Test
  void immutablePutPrintsTheTargetAndGetPrintsTheRawValue() {
    String value = "hello, world " + System.nanoTime();
    Run put = live("put", value);
    assertThat(put.code()).as(put.err()).isZero();
    String target = Sha1.of(Bencode.encode(BString.utf8(value))).toString();
    assertThat(put.out()).isEqualTo(target + "\n");
    assertThat(put.err()).isEqualTo("dht put: stored on 8 nodes\n");

    Run get = live("get", target);
    assertThat(get.code()).as(get.err()).isZero();
    assertThat(get.rawText()).isEqualTo(value);
    assertThat(get.out()).isEmpty();
    assertThat(get.err()).isEmpty();

    Run verbose = live("get", target, "--verbose");
    assertThat(verbose.err()).startsWith("dht get: " + target + ": " + value.length() + " bytes from ");
  }

  @Test
  void binaryFileRoundTripsByteForByte() throws Exception {
    byte[] bytes = new byte[996];
    new SplittableRandom(7).nextBytes(bytes);
    bytes[0] = (byte) 0xff;
    bytes[1] = 0;
    Path file = dir.resolve("value.bin");
    Files.write(file, bytes);

    Run put = live("put", "--file", file.toString(), "-v");
    assertThat(put.code()).as(put.err()).isZero();
    assertThat(put.err().lines()).hasSize(9); // the count line and the 8 nodes
    Run get = live("get", put.out().strip());
    assertThat(get.code()).as(get.err()).isZero();
    assertThat(get.raw()).isEqualTo(bytes);
  }

  @Test
  void mutablePutGetAndUpdateWithTheNextSeq() throws Exception {
    Path k = dir.resolve("mutable.key");
    Run gen = run("keygen", "--out", k.toString());
    String pub = gen.out().strip();
    byte[] salt = "blog".getBytes(StandardCharsets.UTF_8);
    String target = MutableItem.target(HexFormat.of().parseHex(pub), salt).toString();

    Run first = live("put", "--mutable", "--key", k.toString(), "--salt", "blog", "first post");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).isEqualTo(target + "\n");
    assertThat(first.err()).isEqualTo("dht put: stored on 8 nodes, seq 1\n");

    Run got = live("get", "--key", pub, "--salt", "blog", "--verbose");
    assertThat(got.code()).as(got.err()).isZero();
    assertThat(got.rawText()).isEqualTo("first post");
    assertThat(got.err()).contains(", seq 1, public key " + pub);

    Run second = live("put", "--mutable", "--key", k.toString(), "--salt", "blog", "second post");
    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.err()).isEqualTo("dht put: stored on 8 nodes, seq 2\n");

    // By key file instead of hex, and by target with the salt.
    assertThat(live("get", "--key", k.toString(), "--salt", "blog").rawText()).isEqualTo("second post");
    assertThat(live("get", target, "--salt", "blog").rawText()).isEqualTo("second post");

    Run stale = live("put", "--mutable", "--key", k.toString(), "--salt", "blog", "--seq", "1", "old");
    assertThat(stale.code()).isEqualTo(1);
    assertOneLineError(stale);
    assertThat(stale.err())
        .isEqualTo(
            "dht put: put " + target + ": seq 1 is not newer than the stored seq 2; use --seq 3 or leave --seq out\n");

    Run refresh = live("put", "--mutable", "--key", k.toString(), "--salt", "blog", "--seq", "2", "second post");
    assertThat(refresh.code()).as("same seq, same value: a refresh").isZero();

    Run jump = live("put", "--mutable", "--key", k.toString(), "--salt", "blog", "--seq", "10", "tenth");
    assertThat(jump.code()).as(jump.err()).isZero();
    assertThat(live("get", "--key", pub, "--salt", "blog", "-v").err()).contains(", seq 10,");

    Run casWrong = live("put", "--mutable", "--key", k.toString(), "--salt", "blog", "--cas", "3", "eleventh");
    assertThat(casWrong.code()).isEqualTo(1);
    assertOneLineError(casWrong);
    assertThat(casWrong.err()).contains("(seq 11): no node stored it (nodes holding the item refuse it unless");
    // and the nodes' own answers, grouped: every holder of seq 10 refused with BEP 44's 301
    assertThat(casWrong.err()).containsPattern("; refused: 301 cas mismatch: stored seq is 10 \\([0-9] nodes?\\)\n$");
  }

  @Test
  void missingItemIsNotFoundWithExitOne() {
    String nowhere = NodeId.random(new SplittableRandom(3)).toString();
    Run r = live("get", nowhere);
    assertThat(r.code()).isEqualTo(1);
    assertOneLineError(r);
    assertThat(r.err()).startsWith("dht get: not found: " + nowhere + " (");
    assertThat(r.raw()).isEmpty();

    String pub = SigningKeyPair.generate().publicKeyHex();
    Run m = live("get", "--key", pub, "--salt", "x");
    assertThat(m.code()).isEqualTo(1);
    assertThat(m.err())
        .startsWith(
            "dht get: not found: " + MutableItem.target(HexFormat.of().parseHex(pub), new byte[] {'x'}) + " (");
  }

  @Test
  void putWithNobodyAnsweringIsAnOperationalFailure() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(TestSwarm.host(1), 0))) {
      Run r =
          run("put", "v", "--bootstrap", "127.0.0.1:" + silent.getLocalPort(), "--bind", "127.0.0.1", "--timeout",
              "10");
      assertThat(r.code()).isEqualTo(1);
      assertOneLineError(r);
      assertThat(r.err()).contains("bootstrap");
    }
  }

  @Test
  void withoutARawStreamTheValueIsPrintedAsText() {
    String value = "text path " + System.nanoTime();
    String target = live("put", value).out().strip();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "get", target, "--bootstrap", seed,
            "--private", "--bind", "127.0.0.1");
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).isEqualTo(value);
  }

  @Test
  void helpListsTheNewCommands() {
    assertThat(run("--help").out()).contains("keygen").contains("put").contains("get");
    assertThat(run("put", "--help").out()).contains("--mutable").contains("--seq").contains("--file");
    assertThat(run("get", "--help").out()).contains("--key").contains("--salt");
  }
}
