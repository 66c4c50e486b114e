package io.dht.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.dht.http.ApiSwarm;
import io.dht.http.HttpApi;
import io.dht.http.Json;
import io.dht.id.NodeId;
import io.dht.keys.SigningKeyPair;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator-facing flags: {@code --api URL} and {@code --json} on the client commands, {@code put --lines} with
 * its progress display, {@code dht completion}, {@code dht node --config/--http}, {@code dht swarm --dashboard}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorCliTest {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir static Path dir;

  private ApiSwarm swarm;
  private HttpApi daemon;
  private String api;
  private String seed;
  private SigningKeyPair key;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  private static void assertOneLineError(Run r, int code) {
    assertThat(r.code()).as("exit code (stderr %s)", r.err()).isEqualTo(code);
    assertThat(r.err().strip()).doesNotContain("\n").doesNotContain("Exception").doesNotContain("\tat ");
  }

  @BeforeAll
  void start() throws Exception {
    swarm = ApiSwarm.start(8, 100);
    Path keys = Files.createDirectories(dir.resolve("keys"));
    key = SigningKeyPair.generate();
    key.save(keys.resolve("blog.key"));
    daemon =
        HttpApi.builder(swarm.node(0))
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .keysDir(keys)
            .start();
    api = daemon.uri().toString();
    seed = swarm.node(1).localEndpoint().toString();
  }

  @AfterAll
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
    if (swarm != null) {
      swarm.close();
    }
  }

  // ------------------------------------------------------------------ --api and --json

  @Test
  void putAndGetThroughTheDaemon() {
    Run put = run("put", "through the daemon", "--api", api);
    assertThat(put.code()).as(put.err()).isZero();
    String target = put.out().strip();
    assertThat(target).matches("[0-9a-f]{40}");
    assertThat(put.err()).startsWith("dht put: stored on ");

    Run get = run("get", target, "--api", api);
    assertThat(get.code()).as(get.err()).isZero();
    assertThat(get.out()).isEqualTo("through the daemon");

    Run json = run("get", target, "--api", api, "--json");
    Map<String, Object> item = Json.parseObject(json.out().strip());
    assertThat(item.get("value")).isEqualTo("through the daemon");
    assertThat((Long) item.get("holders")).isPositive();
  }

  @Test
  void mutablePutsThroughTheDaemonNameAKeyOfItsKeysDirectory() {
    Run first = run("put", "--mutable", "--key", "blog", "--salt", "posts", "post one", "--api", api);
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.err()).contains("seq 1");
    Run second = run("put", "--mutable", "--key", "blog.key", "--salt", "posts", "post two", "--api", api, "--json");
    assertThat(second.code()).as(second.err()).isZero();
    assertThat(Json.parseObject(second.out().strip()).get("seq")).isEqualTo(2L);

    Run get = run("get", "--key", key.publicKeyHex(), "--salt", "posts", "--api", api, "-v");
    assertThat(get.out()).isEqualTo("post two");
    assertThat(get.err()).contains("seq 2").contains(key.publicKeyHex());

    Run stale = run("put", "--mutable", "--key", "blog", "--salt", "posts", "old", "--seq", "1", "--api", api);
    assertOneLineError(stale, 1);
    assertThat(stale.err()).contains("seq 1 is not newer than the stored seq 2");

    Run unknown = run("put", "--mutable", "--key", "nobody", "x", "--api", api);
    assertOneLineError(unknown, 2);
    assertThat(unknown.err()).contains("no key named 'nobody'");
  }

  @Test
  void announceAndPeersThroughTheDaemonAndLocally() {
    String infoHash = NodeId.random(new SplittableRandom(5)).toString();
    Run announce = run("announce", infoHash, "--port", "5555", "--api", api);
    assertThat(announce.code()).as(announce.err()).isZero();
    assertThat(announce.out()).startsWith("announced " + infoHash + " port 5555 on ");

    String expected = swarm.node(0).localEndpoint().address().getHostAddress() + ":5555";
    Run peers = run("peers", infoHash, "--api", api);
    assertThat(peers.out().lines()).contains(expected);

    Run local = run("peers", infoHash, "--bootstrap", seed, "--private", "--bind", "127.0.3.120", "--json");
    assertThat(local.code()).as(local.err()).isZero();
    Map<String, Object> found = Json.parseObject(local.out().strip());
    assertThat(found.get("peers").toString()).contains(expected);
    assertThat(found.get("infohash")).isEqualTo(infoHash);
    assertThat(((Number) found.get("firstPeersMillis")).doubleValue()).isPositive();
  }

  @Test
  void pingThroughTheDaemonAndLocallyAsJson() {
    String target = swarm.node(3).localEndpoint().toString();
    Run remote = run("ping", target, "--api", api);
    assertThat(remote.out()).startsWith("pong from " + target + ": id " + swarm.node(3).id());

    Run local = run("ping", target, "--json", "--bind", "127.0.3.121");
    Map<String, Object> pong = Json.parseObject(local.out().strip());
    assertThat(pong.get("id")).isEqualTo(swarm.node(3).id().toString());
    assertThat(pong).containsKeys("address", "rttMillis");
  }

  @Test
  void localPutAsJsonAndBulkPutsWithProgress() throws Exception {
    Run put = run("put", "json out", "--bootstrap", seed, "--private", "--bind", "127.0.3.122", "--json");
    assertThat(put.code()).as(put.err()).isZero();
    Map<String, Object> p = Json.parseObject(put.out().strip());
    assertThat((String) p.get("target")).hasSize(40);
    assertThat((Long) p.get("stored")).isPositive();
    assertThat(put.err()).isEmpty();

    Path lines = dir.resolve("lines.txt");
    Files.writeString(lines, "first line\r\nsecond line\n\nthird line\n");
    Run bulk = run("put", "--file", lines.toString(), "--lines", "--api", api, "--progress");
    assertThat(bulk.code()).as(bulk.err()).isZero();
    assertThat(bulk.out().lines()).hasSize(3).allMatch(l -> l.matches("[0-9a-f]{40}"));
    assertThat(bulk.err()).contains("\r").contains("put 1/3").contains("put 3/3");
    assertThat(bulk.err()).endsWith("dht put: 3 of 3 items stored on at least one node\n");

    Run local =
        run("put", "--file", lines.toString(), "--lines", "--bootstrap", seed, "--private", "--bind", "127.0.3.123", "--json");
    Map<String, Object> all = Json.parseObject(local.out().strip());
    assertThat(all.get("total")).isEqualTo(3L);
    assertThat(all.get("stored")).isEqualTo(3L);

    Path tooLong = dir.resolve("long.txt");
    Files.writeString(tooLong, "ok\n" + "x".repeat(997) + "\n");
    Run bad = run("put", "--file", tooLong.toString(), "--lines", "--api", api);
    assertOneLineError(bad, 2);
    assertThat(bad.err()).contains("line 2: value is 997 bytes");
  }

  @Test
  void progressIsDrawnOnStderrForLookups() {
    Run r = run("get", "ab".repeat(20), "--bootstrap", seed, "--private", "--bind", "127.0.3.124", "--progress", "--timeout", "20");
    assertOneLineError(new Run(r.code(), r.out(), r.err().substring(r.err().lastIndexOf('\r') + 1)), 1);
    assertThat(r.err()).contains("\r").contains("get " + "ab".repeat(20)).contains("not found: ");
  }

  @Test
  void apiErrorsMapToExitCodes() throws Exception {
    Run missing = run("get", NodeId.random(new SplittableRandom(8)).toString(), "--api", api);
    assertOneLineError(missing, 1);
    assertThat(missing.err()).startsWith("dht get: not found: ");

    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Run unreachable = run("peers", "ab".repeat(20), "--api", "http://127.0.0.1:" + closed);
    assertOneLineError(unreachable, 1);
    assertThat(unreachable.err()).contains("cannot reach the daemon at http://127.0.0.1:" + closed);

    assertOneLineError(run("ping", "127.0.0.1:1", "--api", "ftp://x"), 2);
    Run noBootstrap = run("peers", "ab".repeat(20));
    assertOneLineError(noBootstrap, 2);
    assertThat(noBootstrap.err()).contains("missing --bootstrap HOST:PORT").contains("--api URL");
  }

  @Test
  void completionPrintsABashScript() {
    Run r = run("completion");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("complete -F").contains("dht").contains("swarm").contains("--api").contains("--http");
  }

  // ------------------------------------------------------------------ dht node --config / --http

  @Test
  void configFileErrorsNameTheLine() throws Exception {
    Path bad = dir.resolve("bad.conf");
    Files.writeString(bad, "# a node\nport = 0\ncolour = blue\n");
    Run unknown = run("node", "--config", bad.toString());
    assertOneLineError(unknown, 2);
    assertThat(unknown.err()).contains("config " + bad + " line 3: unknown setting 'colour'");

    Files.writeString(bad, "port = lots\n");
    Run value = run("node", "--config", bad.toString());
    assertOneLineError(value, 2);
    assertThat(value.err()).contains("line 1: ").contains("lots");

    Files.writeString(bad, "private = maybe\n");
    assertThat(run("node", "--config", bad.toString()).err()).contains("'private' is a switch: true or false");
    Files.writeString(bad, "port 6881\n");
    assertThat(run("node", "--config", bad.toString()).err()).contains("line 1: expected 'name = value'");
    Files.writeString(bad, "port = 1\nport = 2\n");
    assertThat(run("node", "--config", bad.toString()).err()).contains("line 2: 'port' is already set on line 1");
    assertThat(run("node", "--config", dir.resolve("none.conf").toString()).err()).contains("no such file");

    Run open = run("node", "--port", "0", "--http", "0.0.0.0:8080");
    assertOneLineError(open, 2);
    assertThat(open.err()).contains("is not a loopback address: give --http-token");
    assertOneLineError(run("node", "--http", "127.0.0.1"), 2);
    assertOneLineError(run("node", "--log-level", "loud"), 2);
  }

  @Test
  void nodeReadsItsConfigFileAndServesTheApi() throws Exception {
    Path dataDir = dir.resolve("node-data");
    Path config = dir.resolve("node.conf");
    Files.writeString(
        config,
        String.join(
            "\n",
            "# dht node configuration",
            "bind = 127.0.3.130",
            "port = 0",
            "private = true",
            "bootstrap = " + seed + ", " + swarm.node(2).localEndpoint(),
            "data-dir = node-data",
            "http = 127.0.0.1:0",
            "handoff-timeout = 1",
            "log-level = warn",
            ""));
    Path output = dir.resolve("node.out");
    // --bind on the command line overrides the file
    Process child = java(output, "node", "--config", config.toString(), "--bind", "127.0.3.131");
    try {
      String url = awaitMatch(child, output, Pattern.compile("HTTP API, metrics and dashboard on (\\S+)"));
      awaitMatch(child, output, Pattern.compile("(bootstrapped in)"));
      Map<String, Object> node = Json.parseObject(get(url + "api/node"));
      @SuppressWarnings("unchecked")
      Map<String, Object> addresses = (Map<String, Object>) node.get("addresses");
      assertThat((String) addresses.get("udp")).startsWith("127.0.3.131:");
      assertThat(Files.readString(dataDir.resolve("node-id")).strip()).isEqualTo(node.get("id"));
      assertThat(get(url + "metrics")).contains("dht_routing_table_contacts ");
    } finally {
      child.destroy();
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
      }
    }
    assertThat(Files.readString(output)).contains("stopped; routing table saved in");
  }

  @Test
  void swarmServesItsDashboard() throws Exception {
    Path output = dir.resolve("swarm.out");
    Process child =
        java(output, "swarm", "--nodes", "6", "--lookups", "3", "--bind-base", "127.0.3.140", "--dashboard", "--http", "127.0.0.1:0");
    try {
      String url = awaitMatch(child, output, Pattern.compile("dashboard: (\\S+)"));
      assertThat(get(url)).contains("<title>dht node</title>");
      assertThat(Json.parseObject(get(url + "api/nodes")).get("nodes")).asList().hasSize(6);
      awaitMatch(child, output, Pattern.compile("(3 announce/get_peers round trips)"));
      List<?> lookups = (List<?>) Json.parseObject(get(url + "api/lookups")).get("lookups");
      assertThat(lookups).hasSizeGreaterThanOrEqualTo(3);
      assertThat(child.isAlive()).as("--dashboard keeps serving after --lookups").isTrue();
    } finally {
      child.destroy();
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private static Process java(Path output, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectOutput(output.toFile()).redirectErrorStream(true).start();
  }

  private static String awaitMatch(Process child, Path output, Pattern pattern) throws Exception {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (true) {
      String text = Files.readString(output, StandardCharsets.UTF_8);
      Matcher m = pattern.matcher(text);
      if (m.find()) {
        return m.group(1);
      }
      if (!child.isAlive()) {
        fail("exited with " + child.exitValue() + ": " + text);
      }
      if (System.nanoTime() > deadline) {
        fail("nothing matched " + pattern + " within " + BOUND + ": " + text);
      }
      Thread.sleep(50);
    }
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r =
        CLIENT.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s: %s", url, r.body()).isEqualTo(200);
    return r.body();
  }
}
