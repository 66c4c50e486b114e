package io.dht.interop;

import io.dht.id.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Test fixture: a cluster of webtorrent {@code bittorrent-dht} nodes (JavaScript, run by {@code node}) on
 * 127.0.0.&lt;hostBase+i&gt;:&lt;port+i&gt;, driven through {@code interop/js-cluster.mjs} by JSON lines on its
 * stdin. Installs {@code bittorrent-dht@}{@value #PACKAGE_VERSION} with npm into {@code target/js-peers/} on first
 * use. The executables are {@code node} and {@code npm} from the PATH, or the system properties
 * {@code dht.peers.node} and {@code dht.peers.npm} (a bad path there shows the skip/fail behaviour).
 *
 * <p>Threads and stop: see {@link ScriptPeer}. Every wait here is bounded; the process is stopped through its
 * {@link Process} handle, never by name. The script also exits by itself on stdin EOF (this JVM died) and after
 * its TTL.
 */
final class JsDhtCluster extends ScriptPeer<JsonLine> {
  static final String PACKAGE = "bittorrent-dht";
  static final String PACKAGE_VERSION = "11.0.12";

  private static final String SCRIPT = "js-cluster.mjs";
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
  private static final int TTL_SECONDS = 300;
  private static final int KEPT_LINES = 200;

  /** One JS node as {@code info} reports it. */
  record Node(int index, Endpoint endpoint, String id, int tableSize, List<String> contacts) {}

  /** A JS lookup: peers found ("ip:port") and where each came from ("peer&lt;-ip:port" or "peer&lt;-local"). */
  record Lookup(List<String> peers, List<String> sources) {}

  private final List<Endpoint> endpoints;

  private JsDhtCluster(Process process, Path stderrLog, List<Endpoint> endpoints) {
    super(process, stderrLog, "js-cluster", "{\"op\":\"quit\"}", KEPT_LINES);
    this.endpoints = List.copyOf(endpoints);
    startReader();
  }

  // ------------------------------------------------------------------ availability and install

  /** The folder holding node_modules and the script: {@code <module>/target/js-peers}. */
  static Path workDir() {
    return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target").resolve("js-peers");
  }

  private static String nodeCommand() {
    return System.getProperty("dht.peers.node", "node");
  }

  private static String npmCommand() {
    return System.getProperty("dht.peers.npm", "npm");
  }

  /**
   * What to do about an unavailable peer (no node or npm, or the install failed): returns the reason to skip with
   * ({@code Assumptions}), or fails right here when {@value #REQUIRE_ENV}=1.
   */
  static String skipReasonOrFail(UnavailableException e) {
    return skipOrFail("JavaScript DHT peer unavailable: " + e.getMessage());
  }

  /**
   * Makes sure node runs, {@value #PACKAGE}@{@value #PACKAGE_VERSION} is installed in {@link #workDir()} (if not,
   * installs it with npm, bounded by 5 minutes), and the cluster script sits next to node_modules. Returns the
   * folder.
   */
  static Path install() throws UnavailableException {
    Path dir = workDir();
    String nodeVersion = probe(nodeCommand(), "--version");
    try {
      Files.createDirectories(dir);
      if (!PACKAGE_VERSION.equals(installedVersion(dir))) {
        String npmVersion = probe(npmCommand(), "--version");
        Path manifest = dir.resolve("package.json");
        if (!Files.exists(manifest)) {
          // Anchors npm here: without a package.json it installs into the nearest parent that has one.
          Files.writeString(manifest, "{\"name\":\"dht-interop-peers\",\"private\":true}\n");
        }
        Path log = dir.resolve("npm-install.log");
        ProcessBuilder pb =
            new ProcessBuilder(
                    npmCommand(), "install", "--no-audit", "--no-fund", "--loglevel=error", // not --silent:
                    PACKAGE + "@" + PACKAGE_VERSION) // its errors are the reason we report
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("npm_config_update_notifier", "false");
        long start = System.nanoTime();
        int exit = runBounded(pb, INSTALL_TIMEOUT, "npm install");
        String version = installedVersion(dir);
        if (exit != 0 || !PACKAGE_VERSION.equals(version)) {
          throw new UnavailableException(
              "npm " + npmVersion + " install of " + PACKAGE + "@" + PACKAGE_VERSION + " failed (exit " + exit
                  + ", installed " + version + "): " + head(log, 4) + " (full log: " + log + ")");
        }
        System.out.printf(
            "[js-peers] installed %s@%s with npm %s in %d ms into %s%n",
            PACKAGE, PACKAGE_VERSION, npmVersion, (System.nanoTime() - start) / 1_000_000, dir);
      }
      copyScript(SCRIPT, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dir, e);
    }
    System.out.printf("[js-peers] node %s, %s@%s in %s%n", nodeVersion, PACKAGE, PACKAGE_VERSION, dir);
    return dir;
  }

  /** The installed version, or "none". */
  private static String installedVersion(Path dir) {
    Path manifest = dir.resolve("node_modules").resolve(PACKAGE).resolve("package.json");
    try {
      return JsonLine.parse(Files.readString(manifest)).string("version").orElse("none");
    } catch (IOException | IllegalArgumentException e) {
      return "none";
    }
  }

  /** Runs {@code command arg} and returns its first output line; unavailable when it cannot run. */
  private static String probe(String command, String arg) throws UnavailableException {
    try {
      Path out = Files.createTempFile("js-peers-probe", ".txt");
      try {
        ProcessBuilder pb =
            new ProcessBuilder(command, arg).redirectErrorStream(true).redirectOutput(out.toFile());
        int exit = runBounded(pb, PROBE_TIMEOUT, command + " " + arg);
        String text = Files.readString(out).trim();
        if (exit != 0) {
          throw new UnavailableException("'" + command + " " + arg + "' exited " + exit + ": " + text);
        }
        return text.lines().findFirst().orElse("?");
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UnavailableException("cannot run '" + command + "': " + e.getMessage());
    }
  }

  /** Starts and waits for a process with a bound; on timeout stops it and reports exit -1. */
  private static int runBounded(ProcessBuilder pb, Duration timeout, String what)
      throws IOException, UnavailableException {
    Process p = pb.start();
    try {
      if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return p.exitValue();
      }
      stop(p);
      throw new UnavailableException(what + " did not finish within " + timeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop(p);
      throw new UnavailableException(what + " interrupted");
    }
  }

  /** The first non-blank lines of a file, on one line. */
  private static String head(Path file, int lineCount) {
    try (var all = Files.lines(file)) {
      return all.filter(l -> !l.isBlank()).limit(lineCount).collect(Collectors.joining(" | "));
    } catch (IOException | UncheckedIOException e) {
      return "(no " + file.getFileName() + ")";
    }
  }

  // ------------------------------------------------------------------ start and stop

  /**
   * Starts {@code n} nodes on 127.0.0.&lt;hostBase..hostBase+n-1&gt; at a random free port range in 20000-40000
   * (retried on a clash) and waits for them to be ready. Node 0 bootstraps from {@code bootstrap} only (none:
   * standalone), node i from nodes 0..i-1 plus {@code bootstrap}.
   */
  static JsDhtCluster start(Path dir, int n, int hostBase, List<Endpoint> bootstrap) {
    if (n < 1 || hostBase < 1 || hostBase + n > 255) {
      throw new IllegalArgumentException("bad cluster shape: n=" + n + " hostBase=" + hostBase);
    }
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePortRange(n, hostBase);
      try {
        return startAt(dir, n, hostBase, port, bootstrap);
      } catch (IllegalStateException e) {
        last = e; // most likely someone took a port between our check and node's bind
        System.out.println("[js-peers] start attempt " + (attempt + 1) + " failed: " + e.getMessage());
      }
    }
    throw last;
  }

  private static JsDhtCluster startAt(Path dir, int n, int hostBase, int port, List<Endpoint> bootstrap) {
    List<String> command = new ArrayList<>(List.of(nodeCommand(), SCRIPT, "--n", Integer.toString(n),
        "--host-base", Integer.toString(hostBase), "--port", Integer.toString(port),
        "--ttl", Integer.toString(TTL_SECONDS)));
    if (!bootstrap.isEmpty()) {
      command.add("--bootstrap");
      command.add(bootstrap.stream().map(Endpoint::toString).collect(Collectors.joining(",")));
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      endpoints.add(Endpoint.parse("127.0.0." + (hostBase + i) + ":" + (port + i)));
    }
    Path stderr = dir.resolve("cluster-" + port + ".stderr.log");
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectError(stderr.toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command + ": " + e.getMessage(), e);
    }
    JsDhtCluster cluster = new JsDhtCluster(process, stderr, endpoints);
    try {
      JsonLine line = cluster.ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      System.out.println("[js-peers] ready (pid " + process.pid() + "): " + line);
      return cluster;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cluster.close();
      throw new IllegalStateException("interrupted while starting the JS cluster", e);
    } catch (ExecutionException | TimeoutException e) {
      String why = e instanceof TimeoutException ? "not ready within " + READY_TIMEOUT.toSeconds() + " s"
          : String.valueOf(e.getCause().getMessage());
      cluster.close();
      throw new IllegalStateException(
          "JS cluster " + String.join(" ", command) + ": " + why + "\n" + cluster.diagnostics());
    }
  }

  /** A port p such that 127.0.0.&lt;hostBase+i&gt;:&lt;p+i&gt; is free for UDP for every i. */
  private static int freePortRange(int n, int hostBase) {
    for (int tries = 0; tries < 50; tries++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 40_000 - n);
      boolean free = true;
      for (int i = 0; i < n && free; i++) {
        try (DatagramSocket s =
            new DatagramSocket(new InetSocketAddress(Endpoint.parseAddress("127.0.0." + (hostBase + i)), port + i))) {
          free = s.isBound();
        } catch (SocketException e) {
          free = false;
        }
      }
      if (free) {
        return port;
      }
    }
    throw new IllegalStateException("no free UDP port range on 127.0.0." + hostBase + "+");
  }

  // ------------------------------------------------------------------ requests

  @Override
  void onLine(String text) {
    JsonLine line;
    try {
      line = JsonLine.parse(text);
    } catch (IllegalArgumentException e) {
      return; // not ours (a stray console.log); kept in the recent lines
    }
    if (line.string("event").filter("ready"::equals).isPresent()) {
      ready.complete(line);
    } else if (line.string("event").filter("fatal"::equals).isPresent()) {
      ready.completeExceptionally(new IllegalStateException("fatal: " + line));
    } else if (line.has("tag")) {
      complete(Long.toString(line.number("tag")), line);
    }
  }

  /**
   * Sends one command (a JSON object; a {@code tag} is added) and waits for its reply, which may have
   * {@code "ok":false}. Throws {@link IllegalStateException} on timeout or when the process is gone.
   */
  JsonLine request(String json, Duration timeout) {
    if (!json.startsWith("{") || json.length() < 3) {
      throw new IllegalArgumentException("expected a non-empty JSON object: " + json);
    }
    return exchange(json, timeout, tag -> "{\"tag\":" + tag + "," + json.substring(1));
  }

  /** {@link #request} with the default bound; fails unless the reply says ok. */
  private JsonLine ok(String json) {
    JsonLine reply = request(json, REQUEST_TIMEOUT);
    if (!reply.bool("ok")) {
      throw new IllegalStateException("js-cluster: " + json + " failed: " + reply);
    }
    return reply;
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String hostPort(Endpoint e) {
    return "\"host\":" + quote(e.address().getHostAddress()) + ",\"port\":" + e.port();
  }

  /** Endpoints of the JS nodes, by index. */
  List<Endpoint> endpoints() {
    return endpoints;
  }

  List<Node> info() {
    List<Node> nodes = new ArrayList<>();
    for (JsonLine n : ok("{\"op\":\"info\"}").objects("nodes")) {
      nodes.add(
          new Node(
              (int) n.number("node"),
              Endpoint.parse(n.string("addr").orElseThrow()),
              n.string("id").orElseThrow(),
              (int) n.number("table"),
              n.strings("contacts")));
    }
    return nodes;
  }

  /** JS node {@code node} sends one ping to {@code target}; the reply (id, keys, rkeys), or ok=false. */
  JsonLine ping(int node, Endpoint target) {
    return request("{\"op\":\"ping\",\"node\":" + node + "," + hostPort(target) + "}", REQUEST_TIMEOUT);
  }

  /** bittorrent-dht's own addNode: it pings the endpoint and adds it to its table when it answers. */
  void addNode(int node, Endpoint target) {
    ok("{\"op\":\"addnode\",\"node\":" + node + "," + hostPort(target) + "}");
  }

  /** Lookup, then announce_peer to the closest nodes that gave a token; returns how many acknowledged. */
  int announce(int node, String infoHashHex, int port) {
    return (int)
        ok("{\"op\":\"announce\",\"node\":" + node + ",\"ih\":" + quote(infoHashHex) + ",\"port\":" + port + "}")
            .number("hits");
  }

  Lookup lookup(int node, String infoHashHex) {
    JsonLine r = ok("{\"op\":\"lookup\",\"node\":" + node + ",\"ih\":" + quote(infoHashHex) + "}");
    return new Lookup(r.strings("peers"), r.strings("sources"));
  }

  /** One get_peers query from JS node {@code node} to {@code target}: id, token, values, nodes (count). */
  JsonLine getPeers(int node, Endpoint target, String infoHashHex) {
    return ok(
        "{\"op\":\"getpeers\",\"node\":" + node + "," + hostPort(target) + ",\"ih\":" + quote(infoHashHex) + "}");
  }

  // ------------------------------------------------------------------ BEP 44

  /** A JS put: the target it computed, how many nodes acknowledged, and (mutable) the public key. */
  record JsPut(String target, int hits, String publicKeyHex) {}

  /** An item as a JS get returned it (after its own checks: hash, or target and signature). */
  record JsItem(byte[] value, OptionalLong seq, String publicKeyHex) {}

  private static final HexFormat HEX = HexFormat.of();

  /** Immutable put of {@code value} (stored as a byte string) by JS node {@code node}. */
  JsPut put(int node, byte[] value) {
    JsonLine r = ok("{\"op\":\"put\",\"node\":" + node + ",\"vhex\":" + quote(HEX.formatHex(value)) + "}");
    return new JsPut(r.string("target").orElseThrow(), (int) r.number("hits"), null);
  }

  /**
   * Mutable put by JS node {@code node}, signed with the key of the 32-byte {@code seed} (Node's crypto); {@code salt}
   * may be null; {@code cas} negative for none.
   */
  JsPut mput(int node, byte[] seed, String salt, long seq, byte[] value, long cas) {
    StringBuilder json = new StringBuilder("{\"op\":\"mput\",\"node\":" + node);
    json.append(",\"seed\":").append(quote(HEX.formatHex(seed)));
    if (salt != null) {
      json.append(",\"salt\":").append(quote(salt));
    }
    json.append(",\"seq\":").append(seq).append(",\"vhex\":").append(quote(HEX.formatHex(value)));
    if (cas >= 0) {
      json.append(",\"cas\":").append(cas);
    }
    JsonLine r = ok(json.append('}').toString());
    return new JsPut(r.string("target").orElseThrow(), (int) r.number("hits"), r.string("pubkey").orElseThrow());
  }

  /** A get lookup by JS node {@code node} (cache off); {@code salt} null for none. Empty when not found. */
  Optional<JsItem> get(int node, String targetHex, String salt) {
    String json = "{\"op\":\"get\",\"node\":" + node + ",\"target\":" + quote(targetHex)
        + (salt == null ? "" : ",\"salt\":" + quote(salt)) + "}";
    JsonLine r = ok(json);
    if (!r.bool("found")) {
      return Optional.empty();
    }
    return Optional.of(
        new JsItem(
            HEX.parseHex(r.string("vhex").orElseThrow()),
            r.has("seq") ? OptionalLong.of(r.number("seq")) : OptionalLong.empty(),
            r.string("k").orElse(null)));
  }

  /**
   * One get query from JS node {@code node} to {@code target} (no lookup): rkeys, vhex (the bencoded v), k, seq,
   * sig, token; or ok=false.
   */
  JsonLine getQuery(int node, Endpoint target, String targetHex, OptionalLong seq) {
    return request(
        "{\"op\":\"getq\",\"node\":" + node + "," + hostPort(target) + ",\"target\":" + quote(targetHex)
            + (seq.isPresent() ? ",\"seq\":" + seq.getAsLong() : "") + "}",
        REQUEST_TIMEOUT);
  }

  /**
   * One get (for a token) and one immutable put of {@code value} from JS node {@code node} to {@code target}, no
   * lookup: the reply (rkeys), or ok=false with the error's {@code code} and text.
   */
  JsonLine putQuery(int node, Endpoint target, byte[] value) {
    return request(
        "{\"op\":\"putq\",\"node\":" + node + "," + hostPort(target) + ",\"vhex\":" + quote(HEX.formatHex(value))
            + "}",
        REQUEST_TIMEOUT);
  }

  /** The JS nodes that keep an item under {@code targetHex}: node, seq, vhex (the value's contents). */
  List<JsonLine> stored(String targetHex) {
    return ok("{\"op\":\"stored\",\"target\":" + quote(targetHex) + "}").objects("holders");
  }

  /**
   * The recent lines that are warning or error events: k-rpc-socket warns on datagrams it cannot decode, unknown
   * message types, and replies whose transaction id or source address match no query of its own.
   */
  List<String> warningsAndErrors() {
    return recentLines().stream()
        .filter(l -> l.contains("\"event\":\"warning\"") || l.contains("\"event\":\"error\""))
        .toList();
  }

  /** Process state, recent stdout lines and the stderr tail, for failure messages. */
  String diagnostics() {
    return "js-cluster " + processDiagnostics();
  }
}
