package io.dht.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.RawKrpc;
import io.dht.TestSwarm;
import io.dht.bencode.BDictionary;
import io.dht.bencode.BInteger;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.DhtConfig;
import io.dht.transport.EventLoop;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code dht node} and {@code dht swarm} flags: dual stack, BEP 43 read-only, and the rate limits. */
class NodeOptionsTest {
  private static final Pattern LISTENING =
      Pattern.compile("node ([0-9a-f]{40}) listening on (\\S+)(?: and (\\S+))?( \\(read-only\\))?");

  @TempDir Path dir;

  private static <T> T parsed(Class<T> type, String... args) {
    CommandLine cl = Main.commandLine(null, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    CommandLine.ParseResult result = cl.parseArgs(args);
    return type.cast(result.subcommand().commandSpec().userObject());
  }

  private static DhtConfig node(String... flags) {
    String[] args = new String[flags.length + 1];
    args[0] = "node";
    System.arraycopy(flags, 0, args, 1, flags.length);
    return parsed(NodeCommand.class, args).config();
  }

  private static DhtConfig swarm(String... flags) {
    String[] args = new String[flags.length + 1];
    args[0] = "swarm";
    System.arraycopy(flags, 0, args, 1, flags.length);
    return parsed(SwarmCommand.class, args).config();
  }

  @Test
  void helpConstantsAreTheConfigDefaults() {
    DhtConfig d = DhtConfig.defaults();
    assertThat(NodeCommand.DEFAULT_RATE_LIMIT).isEqualTo(d.queryRatePerIp());
    assertThat(NodeCommand.DEFAULT_RATE_BURST).isEqualTo(d.queryBurstPerIp());
    assertThat(NodeCommand.DEFAULT_REPLY_BYTES_PER_SECOND).isEqualTo(d.maxReplyBytesPerSecond());
    assertThat(NodeCommand.DEFAULT_LOOKUP_ALPHA).isEqualTo(d.alpha());
    assertThat(NodeCommand.DEFAULT_LOOKUP_IN_FLIGHT).isEqualTo(d.lookupMaxInFlight());
    assertThat(node()).isEqualTo(d);
  }

  @Test
  void helpDocumentsTheFlagsAndTheirDefaults() {
    StringWriter out = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "node", "--help");
    assertThat(code).isZero();
    String help = out.toString().replaceAll("\\s+", " ");
    assertThat(help)
        .contains("--read-only", "ro=1", "--rate-limit", "--rate-burst", "--reply-bytes-per-second", "--bind6",
            "--port6")
        .contains("default: 20,", "default: 100", "default: 64000")
        .contains("0 turns off the per-IP throttle AND the reply-bytes cap");
    StringWriter swarmOut = new StringWriter();
    Main.run(new PrintWriter(swarmOut, true), new PrintWriter(new StringWriter(), true), "swarm", "--help");
    assertThat(swarmOut.toString()).contains("--rate-limit", "--reply-bytes-per-second");
    assertThat(help).contains("(jittered +-50 %)", "24-42 % sooner", "--lookup-alpha", "--lookup-in-flight");
  }

  /** picocli reads descriptions as format strings: a lone % makes it warn on stderr and print the raw text. */
  @Test
  void everyCommandsHelpFormatsWithoutPicocliWarnings() {
    java.io.PrintStream stderr = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (String command : List.of("node", "swarm", "put", "get", "peers", "announce", "ping", "share", "fetch",
          "keygen", "sim", "completion")) {
        Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true), command,
            "--help");
      }
    } finally {
      System.setErr(stderr);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
  }

  @Test
  void readOnlyAndRateFlagsShapeTheConfig() {
    assertThat(node("--read-only").readOnly()).isTrue();
    assertThat(node().readOnly()).isFalse();

    DhtConfig off = node("--rate-limit", "0");
    assertThat(off.queryRatePerIp()).isZero();
    assertThat(off.maxReplyBytesPerSecond()).as("--rate-limit 0 also lifts the reply cap").isZero();
    assertThat(off).isEqualTo(DhtConfig.defaults().withoutRateLimits());

    DhtConfig offButCapped = node("--rate-limit", "0", "--reply-bytes-per-second", "5000");
    assertThat(offButCapped.queryRatePerIp()).isZero();
    assertThat(offButCapped.maxReplyBytesPerSecond()).isEqualTo(5000);

    DhtConfig custom = node("--rate-limit", "50", "--rate-burst", "200", "--reply-bytes-per-second", "100000");
    assertThat(custom.queryRatePerIp()).isEqualTo(50);
    assertThat(custom.queryBurstPerIp()).isEqualTo(200);
    assertThat(custom.maxReplyBytesPerSecond()).isEqualTo(100_000);

    DhtConfig durability = node("--item-check-minutes", "5", "--handoffs-per-second", "0");
    assertThat(durability.itemCheckInterval()).isEqualTo(java.time.Duration.ofMinutes(5));
    assertThat(durability.handoffsPerSecond()).isZero();
    assertThat(DhtConfig.defaults().itemCheckInterval())
        .isEqualTo(java.time.Duration.ofMinutes(NodeCommand.DEFAULT_ITEM_CHECK_MINUTES));
    assertThat(DhtConfig.defaults().handoffsPerSecond()).isEqualTo(NodeCommand.DEFAULT_HANDOFFS_PER_SECOND);

    assertThat(node("--private")).isEqualTo(DhtConfig.privateNetwork());

    DhtConfig wide = node("--lookup-alpha", "8", "--lookup-in-flight", "24");
    assertThat(wide.alpha()).isEqualTo(8);
    assertThat(wide.lookupMaxInFlight()).isEqualTo(24);
    assertThat(node("--lookup-alpha", "12").lookupMaxInFlight()).as("the cap follows a larger alpha").isEqualTo(12);
    assertThat(node("--lookup-alpha", "2").lookupMaxInFlight()).isEqualTo(NodeCommand.DEFAULT_LOOKUP_IN_FLIGHT);
    assertThat(node("--private", "--rate-limit", "10").queryRatePerIp()).isEqualTo(10);
    assertThat(node("--private", "--read-only").readOnly()).isTrue();

    assertThat(swarm()).isEqualTo(DhtConfig.privateNetwork());
    assertThat(swarm("--rate-limit", "5").queryRatePerIp()).isEqualTo(5);
    assertThat(swarm("--reply-bytes-per-second", "9000").maxReplyBytesPerSecond()).isEqualTo(9000);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "node --rate-limit -1",
        "node --rate-limit many",
        "node --rate-burst 0",
        "node --reply-bytes-per-second -5",
        "node --item-check-minutes 0",
        "node --handoffs-per-second -1",
        "node --lookup-alpha 0",
        "node --lookup-in-flight 0",
        "node --lookup-alpha 8 --lookup-in-flight 4",
        "node --lookup-in-flight 2",
        "node --bind6 127.0.0.1",
        "node --bind ::1 --bind6 ::1",
        "node --port6 5",
        "node --bind6 ::1 --port6 70000",
        "swarm --rate-limit -1",
      })
  void badFlagsExitWithTwoAndOneLine(String line) {
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), line.split(" "));
    assertThat(code).as("exit code of '%s' (stderr %s)", line, err).isEqualTo(2);
    assertThat(err.toString().strip()).doesNotContain("\n").doesNotContain("Exception").startsWith("dht");
  }

  // ------------------------------------------------------------------ dht node in a child JVM

  private Process startNode(Path output, String... flags) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "node"));
    command.addAll(List.of(flags));
    return new ProcessBuilder(command).redirectOutput(output.toFile()).redirectErrorStream(true).start();
  }

  private static Matcher listening(Process child, Path output) throws Exception {
    NodeShutdownTest.awaitLine(child, output, l -> LISTENING.matcher(l).find());
    Matcher m = LISTENING.matcher(Files.readString(output, StandardCharsets.UTF_8));
    assertThat(m.find()).isTrue();
    return m;
  }

  private static void stop(Process child) throws InterruptedException {
    child.destroy();
    if (!child.waitFor(30, TimeUnit.SECONDS)) {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The datagram I/O a node reports at start: NIO in a JVM without the options of batched I/O (and {@code
   * -Ddht.io=native} there is a one-line start failure), recvmmsg/sendmmsg with them (Linux x86-64/aarch64, JDK 17).
   */
  @Test
  void theNodeSaysWhichDatagramIoItUsesAndNativeWithoutItsOptionsIsAOneLineError() throws Exception {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    List<String> node = List.of(Main.class.getName(), "node", "--bind", "127.0.0.1", "--port", "0", "--private");

    Path refused = dir.resolve("native-refused.out");
    List<String> nativeWithout = new ArrayList<>(List.of(java, "-Ddht.io=native", "-cp", cp));
    nativeWithout.addAll(node);
    Process p = new ProcessBuilder(nativeWithout).redirectOutput(refused.toFile()).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(Files.readString(refused, StandardCharsets.UTF_8).strip())
        .isEqualTo(
            "dht node: datagram I/O 'native' asked for, but it is unavailable: module jdk.incubator.foreign not"
                + " added (--add-modules jdk.incubator.foreign)");

    Path plain = dir.resolve("nio.out");
    List<String> without = new ArrayList<>(List.of(java, "-cp", cp));
    without.addAll(node);
    Process nio = new ProcessBuilder(without).redirectOutput(plain.toFile()).redirectErrorStream(true).start();
    try {
      NodeShutdownTest.awaitLine(nio, plain, l -> l.startsWith("datagram I/O"));
      assertThat(Files.readString(plain, StandardCharsets.UTF_8))
          .contains(
              "datagram I/O: NIO, one system call per datagram (batched I/O unavailable: module"
                  + " jdk.incubator.foreign not added (--add-modules jdk.incubator.foreign))");
    } finally {
      stop(nio);
    }

    if (EventLoop.nativeIoUnavailableReason() == null) { // this JVM has the options: so will the child
      Path batched = dir.resolve("batched.out");
      List<String> with = new ArrayList<>(List.of(java));
      with.addAll(List.of(
          "--add-modules", "jdk.incubator.foreign", "--enable-native-access=ALL-UNNAMED",
          "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-cp", cp));
      with.addAll(node);
      Process b = new ProcessBuilder(with).redirectOutput(batched.toFile()).redirectErrorStream(true).start();
      try {
        NodeShutdownTest.awaitLine(b, batched, l -> l.startsWith("datagram I/O"));
        assertThat(Files.readString(batched, StandardCharsets.UTF_8))
            .contains("datagram I/O: recvmmsg/sendmmsg, up to 32 datagrams read and 64 sent per call");
      } finally {
        stop(b);
      }
    }
  }

  @Test
  void aDualStackNodeAnswersOnBothFamilies() throws Exception {
    InetAddress v6 = Endpoint.parseAddress("::1");
    Path output = dir.resolve("dual.out");
    Process child =
        startNode(output, "--bind", "127.0.0.171", "--bind6", "::1", "--port", "0", "--rate-limit", "0",
            "--handoff-timeout", "0");
    try {
      Matcher m = listening(child, output);
      NodeId id = NodeId.parseHex(m.group(1));
      Endpoint at4 = Endpoint.parse(m.group(2));
      Endpoint at6 = Endpoint.parse(m.group(3));
      assertThat(at4.isIpv4()).isTrue();
      assertThat(at6.isIpv6()).isTrue();
      try (RawKrpc c4 = RawKrpc.open(TestSwarm.host(172), NodeId.random(new SplittableRandom(1)));
          RawKrpc c6 = RawKrpc.open(v6, NodeId.random(new SplittableRandom(2)))) {
        for (RawKrpc c : List.of(c4, c6)) {
          byte[] tid = {'d', 's'};
          Optional<RawKrpc.Datagram> pong =
              c.ask(c == c4 ? at4 : at6, tid, c.query("find_node", tid, BDictionary.builder()
                  .put("target", id.toBytes()).put("want", RawKrpc.strings("n4", "n6"))), Duration.ofSeconds(10));
          assertThat(pong).isPresent();
          assertThat(pong.get().body().getString("id").toByteArray()).isEqualTo(id.toBytes());
          assertThat(pong.get().body().containsKey("nodes")).isTrue();
          assertThat(pong.get().body().containsKey("nodes6")).isTrue();
        }
      }
    } finally {
      stop(child);
    }
  }

  @Test
  void aReadOnlyNodeSendsRoAndAnswersNothing() throws Exception {
    try (RawKrpc peer = RawKrpc.open(TestSwarm.host(173), NodeId.random(new SplittableRandom(3)))) {
      Path output = dir.resolve("ro.out");
      Process child =
          startNode(output, "--bind", "127.0.0.174", "--port", "0", "--read-only", "--private",
              "--bootstrap", peer.endpoint().toString(), "--handoff-timeout", "0");
      try {
        Matcher m = listening(child, output);
        assertThat(m.group(4)).isEqualTo(" (read-only)");
        Endpoint at = Endpoint.parse(m.group(2));
        // its bootstrap query reaches us, marked ro=1
        RawKrpc.Datagram q = peer.receive(Duration.ofSeconds(20)).orElseThrow();
        assertThat(q.type()).isEqualTo("q");
        assertThat(q.dict().getInteger("ro")).isEqualTo(new BInteger(1));
        // and it answers none of ours
        byte[] tid = {'r', 'o'};
        peer.send(at, peer.query("ping", tid, BDictionary.builder()));
        List<RawKrpc.Datagram> heard = peer.drain(Duration.ofMillis(1500), 100);
        assertThat(heard).noneMatch(d -> !d.type().equals("q"));
      } finally {
        stop(child);
      }
    }
  }
}
