package io.dht.interop;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Test fixture: one libtorrent-rasterbar DHT node (Debian {@code python3-libtorrent}, run by {@code /usr/bin/python3})
 * on a loopback address, driven through {@code interop/lt-peer.py} by line commands on its stdin ("{@code <tag>
 * <command> args}") with one reply line each on its stdout ("{@code <tag> ok key=value ...}" or "{@code <tag> err
 * text}"). See the script's docstring for the commands.
 *
 * <p>Threads and stop: see {@link ScriptPeer}. Every wait is bounded; the process is stopped through its {@link
 * Process} handle (destroy, then destroyForcibly), never by name. The script also exits by itself on stdin EOF
 * (this JVM died) and after its TTL.
 */
final class LibtorrentPeer extends ScriptPeer<LibtorrentPeer.Reply> {
  private static final String SCRIPT = "lt-peer.py";
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
  /** Added to a command's own timeout (which the script enforces) for the reply to come back. */
  private static final Duration REPLY_SLACK = Duration.ofSeconds(5);
  private static final int TTL_SECONDS = 300;
  private static final int KEPT_LINES = 400;

  /** One reply line: {@code ok} with its fields, or an error text. */
  record Reply(boolean ok, Map<String, String> fields, String line) {
    String field(String key) {
      String v = fields.get(key);
      if (v == null) {
        throw new IllegalStateException("no '" + key + "' in libtorrent reply: " + line);
      }
      return v;
    }

    /** A comma-separated list field; empty when the value is empty. */
    List<String> list(String key) {
      String v = field(key);
      return v.isEmpty() ? List.of() : Arrays.asList(v.split(","));
    }

    List<Endpoint> endpoints(String key) {
      return list(key).stream().map(Endpoint::parse).toList();
    }
  }

  /** A node in libtorrent's routing table. */
  record LiveNode(NodeId id, Endpoint endpoint) {}

  /** libtorrent's routing table: counts from dht_stats, live entries from dht_live_nodes. */
  record Table(int nodes, int replacements, List<LiveNode> live) {
    List<Endpoint> endpoints() {
      return live.stream().map(LiveNode::endpoint).toList();
    }
  }

  /** libtorrent's query to a node (made by add_dht_node) and that node's reply. */
  record Ping(NodeId id, String method, long rttMillis) {}

  /** The announce_peer queries libtorrent sent for a magnet torrent, and which nodes acknowledged them. */
  record Announce(List<Endpoint> sentTo, List<Endpoint> ackedBy, List<String> errors) {}

  private final Endpoint endpoint;
  private volatile NodeId id;

  private LibtorrentPeer(Process process, Path stderrLog, Endpoint endpoint) {
    super(process, stderrLog, "lt-peer", "0 quit", KEPT_LINES);
    this.endpoint = endpoint;
    startReader();
  }

  // ------------------------------------------------------------------ availability

  /** The interpreter the Debian binding is built for; override with {@code -Ddht.peers.python=...}. */
  static String python() {
    return System.getProperty("dht.peers.python", "/usr/bin/python3");
  }

  /** The folder for the script copy, logs and the magnet torrents' save path: {@code <module>/target/lt-peer}. */
  static Path workDir() {
    return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target").resolve("lt-peer");
  }

  /**
   * What to do about an unavailable peer (no {@code /usr/bin/python3}, or it cannot import libtorrent): returns the
   * reason to skip with ({@code Assumptions}), or fails right here when {@value #REQUIRE_ENV}=1.
   */
  static String skipReasonOrFail(UnavailableException e) {
    return skipOrFail("libtorrent DHT peer unavailable: " + e.getMessage()
        + " (install it with: apt-get install -y python3-libtorrent)");
  }

  /**
   * Checks that {@link #python()} imports libtorrent, copies the script into {@link #workDir()}, and returns the
   * libtorrent version.
   */
  static String probe() throws UnavailableException {
    String python = python();
    if (!Files.isExecutable(Path.of(python))) {
      throw new UnavailableException(python + " is not an executable file");
    }
    try {
      Files.createDirectories(workDir());
      Path out = Files.createTempFile(workDir(), "probe", ".txt");
      try {
        Process p =
            new ProcessBuilder(python, "-c", "import libtorrent; print(libtorrent.__version__)")
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        boolean done;
        try {
          done = p.waitFor(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stop(p);
          throw new UnavailableException("interrupted while probing " + python);
        }
        if (!done) {
          stop(p);
          throw new UnavailableException(
              "'" + python + " -c \"import libtorrent\"' did not finish within " + PROBE_TIMEOUT.toSeconds() + " s");
        }
        String text = Files.readString(out).trim();
        if (p.exitValue() != 0) {
          List<String> all = text.lines().toList();
          throw new UnavailableException(
              "'" + python + " -c \"import libtorrent\"' exited " + p.exitValue() + ": "
                  + (all.isEmpty() ? "" : all.get(all.size() - 1)));
        }
        copyScript(SCRIPT, workDir());
        return text.lines().reduce((a, b) -> b).orElse("?");
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UnavailableException("cannot run " + python + ": " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------ start and stop

  /**
   * Starts libtorrent on {@code host} at a random free port and waits until it listens and has a DHT node id.
   * {@code routers} become its {@code dht_bootstrap_nodes} (queried while bootstrapping, never kept in its routing
   * table); {@code nodes} are handed to {@code add_dht_node}. A failed start is retried on the next address
   * (127.0.0.x+1): the nodes it reached may already keep the failed instance, and nodes that allow one entry per IP
   * would not take its successor at the same address. Call {@link #probe()} first.
   */
  static LibtorrentPeer start(String host, List<Endpoint> routers, List<Endpoint> nodes) {
    byte[] address = Endpoint.parseAddress(host).getAddress();
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      String at = (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "."
          + ((address[3] & 0xff) + attempt);
      try {
        return startAt(Endpoint.parse(at + ":" + freePort(at)), routers, nodes);
      } catch (IllegalStateException e) {
        last = e; // e.g. someone took the port between our check and libtorrent's bind
        System.out.println("[lt-peer] start attempt " + (attempt + 1) + " failed: " + e.getMessage());
      }
    }
    throw last;
  }

  private static LibtorrentPeer startAt(Endpoint at, List<Endpoint> routers, List<Endpoint> nodes) {
    Path dir = workDir();
    Path saveDir = dir.resolve("save-" + at.port());
    List<String> command =
        new ArrayList<>(
            List.of(python(), "-u", dir.resolve(SCRIPT).toString(),
                "--host", at.address().getHostAddress(), "--port", Integer.toString(at.port()),
                "--ttl", Integer.toString(TTL_SECONDS), "--save-dir", saveDir.toString(),
                "--log-file", dir.resolve("lt-peer-" + at.port() + ".dht.log").toString()));
    if (!routers.isEmpty()) {
      command.add("--bootstrap");
      command.add(routers.stream().map(Endpoint::toString).collect(Collectors.joining(",")));
    }
    if (!nodes.isEmpty()) {
      command.add("--nodes");
      command.add(nodes.stream().map(Endpoint::toString).collect(Collectors.joining(",")));
    }
    Path stderr = dir.resolve("lt-peer-" + at.port() + ".stderr.log");
    Process process;
    try {
      Files.createDirectories(saveDir);
      process = new ProcessBuilder(command).directory(dir.toFile()).redirectError(stderr.toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command + ": " + e.getMessage(), e);
    }
    LibtorrentPeer peer = new LibtorrentPeer(process, stderr, at);
    try {
      Reply line = peer.ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      peer.id = NodeId.parseHex(line.field("id"));
      System.out.println("[lt-peer] ready (pid " + process.pid() + "): " + line.line());
      return peer;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      peer.close();
      throw new IllegalStateException("interrupted while starting libtorrent", e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      String why = e instanceof TimeoutException ? "not ready within " + READY_TIMEOUT.toSeconds() + " s"
          : e instanceof ExecutionException ? String.valueOf(e.getCause().getMessage()) : e.toString();
      peer.close();
      throw new IllegalStateException("libtorrent " + String.join(" ", command) + ": " + why + "\n"
          + peer.diagnostics());
    }
  }

  /** A port free for both UDP (DHT) and TCP (libtorrent listens on both) on {@code host}. */
  private static int freePort(String host) {
    InetAddress address = Endpoint.parseAddress(host);
    for (int tries = 0; tries < 50; tries++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
      try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(address, port));
          ServerSocket tcp = new ServerSocket()) {
        tcp.bind(new InetSocketAddress(address, port));
        return port;
      } catch (IOException e) {
        // taken, try another
      }
    }
    throw new IllegalStateException("no free UDP+TCP port on " + host);
  }

  // ------------------------------------------------------------------ protocol

  @Override
  void onLine(String text) {
    if (text.startsWith("#")) {
      return;
    }
    if (text.startsWith("ready ")) {
      ready.complete(new Reply(true, fields(text.substring(6)), text));
    } else if (text.startsWith("fatal")) {
      ready.completeExceptionally(new IllegalStateException(text));
    } else {
      String[] parts = text.split(" ", 3);
      if (parts.length >= 2) {
        String rest = parts.length == 3 ? parts[2] : "";
        boolean ok = parts[1].equals("ok");
        complete(parts[0], new Reply(ok, ok ? fields(rest) : Map.of(), text));
      }
    }
  }

  private static Map<String, String> fields(String text) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String token : text.trim().split("\\s+")) {
      int eq = token.indexOf('=');
      if (eq > 0) {
        map.put(token.substring(0, eq), token.substring(eq + 1));
      }
    }
    return map;
  }

  /**
   * Sends one command and waits for its reply (ok or err) for {@code timeout} plus a slack; throws {@link
   * IllegalStateException} when none comes or the process is gone.
   */
  Reply request(String command, Duration timeout) {
    return exchange("'" + command + "'", timeout.plus(REPLY_SLACK), tag -> tag + " " + command);
  }

  /** {@link #request}; fails unless the reply is ok. */
  private Reply ok(String command, Duration timeout) {
    Reply reply = request(command, timeout);
    if (!reply.ok()) {
      throw new IllegalStateException("lt-peer: '" + command + "' failed: " + reply.line());
    }
    return reply;
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
  }

  private static String hostPort(Endpoint e) {
    return e.address().getHostAddress() + " " + e.port();
  }

  // ------------------------------------------------------------------ commands

  /** Where libtorrent listens (UDP for the DHT, TCP for peers). */
  Endpoint endpoint() {
    return endpoint;
  }

  /** libtorrent's DHT node id, as of the last {@link #refreshId()} (or start). */
  NodeId id() {
    return id;
  }

  NodeId refreshId() {
    id = NodeId.parseHex(ok("id", Duration.ofSeconds(5)).field("id"));
    return id;
  }

  /** Waits for libtorrent's dht_bootstrap_alert; returns ms from the session start. */
  long awaitBootstrap(Duration timeout) {
    return Long.parseLong(ok("bootstrap " + seconds(timeout), timeout).field("elapsed_ms"));
  }

  /** libtorrent queries {@code target} (add_dht_node; it sends a get_peers) and reports the reply. */
  Ping ping(Endpoint target, Duration timeout) {
    Reply r = ok("ping " + hostPort(target) + " " + seconds(timeout), timeout);
    return new Ping(NodeId.parseHex(r.field("id")), r.field("q"), Long.parseLong(r.field("rtt_ms")));
  }

  Table table() {
    Reply r = ok("table 5", Duration.ofSeconds(5));
    List<LiveNode> live = new ArrayList<>();
    for (String entry : r.list("live")) {
      int at = entry.indexOf('@');
      live.add(new LiveNode(NodeId.parseHex(entry.substring(0, at)), Endpoint.parse(entry.substring(at + 1))));
    }
    return new Table(Integer.parseInt(r.field("nodes")), Integer.parseInt(r.field("replacements")), live);
  }

  /**
   * One dht_get_peers lookup: the peers of every dht_get_peers_reply_alert for {@code infoHash} until {@code
   * expected} is among them or {@code timeout} passes.
   */
  List<Endpoint> getPeers(NodeId infoHash, Endpoint expected, Duration timeout) {
    Reply r = ok("get_peers " + infoHash + " " + seconds(timeout) + " " + expected, timeout);
    return r.endpoints("peers");
  }

  /** Adds a magnet torrent for {@code infoHash}; libtorrent announces its listen port; waits for an ack. */
  Announce announce(NodeId infoHash, Duration timeout) {
    Reply r = ok("announce " + infoHash + " " + seconds(timeout), timeout);
    return new Announce(r.endpoints("sent"), r.endpoints("acked"), r.list("errors"));
  }

  /** The announce_peer queries libtorrent accepted, as "infohash@ip:port". */
  List<String> announcesReceived() {
    return ok("announces", Duration.ofSeconds(5)).list("got");
  }

  /** KRPC error messages libtorrent received or sent, as "in|out/host:port/[code, msg]". */
  List<String> krpcErrors() {
    return ok("errors", Duration.ofSeconds(5)).list("detail");
  }

  /** The last {@code n} raw packets exchanged with {@code with}, as the script logs them ("+1.234s ==> ..."). */
  List<String> packets(Endpoint with, int n) {
    Reply r = request("packets " + hostPort(with) + " " + n, Duration.ofSeconds(5));
    int count = r.ok() ? Integer.parseInt(r.field("count")) : 0;
    // The script logs the packets just before its reply, and the reader keeps them before completing the reply.
    List<String> dumped =
        recentLines().stream()
            .filter(l -> l.startsWith("# ") && (l.contains("==> " + with + " ") || l.contains("<== " + with + " ")))
            .map(l -> l.substring(2))
            .toList();
    return dumped.subList(Math.max(0, dumped.size() - count), dumped.size());
  }

  // ------------------------------------------------------------------ BEP 44

  /** A libtorrent put: the target it reports (zero for mutable puts), the seq it used, and its success count. */
  record LtPut(String target, long seq, int numSuccess) {}

  /** A mutable item as libtorrent's authoritative dht_mutable_item_alert gave it. */
  record LtItem(long seq, byte[] value, String signatureHex) {}

  private static final HexFormat HEX = HexFormat.of();

  private static String hexOrDash(byte[] bytes) {
    return bytes.length == 0 ? "-" : HEX.formatHex(bytes);
  }

  /**
   * libtorrent's form of an Ed25519 secret, which {@code dht_put_mutable_item} takes: the 64-byte expanded key of
   * the orlp/ref10 code, SHA-512(seed) with the first half clamped (the scalar) followed by the second half (the
   * nonce prefix). Not the RFC 8032 seed, nor seed ‖ public key.
   */
  static byte[] expandedSecret(byte[] seed) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-512").digest(seed);
      h[0] &= (byte) 248;
      h[31] &= 63;
      h[31] |= 64;
      return h;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** dht_put_immutable_item of {@code value} as a string entry; waits for its dht_put_alert. */
  LtPut putImmutable(byte[] value, Duration timeout) {
    Reply r = ok("put_immutable " + hexOrDash(value) + " " + seconds(timeout), timeout);
    return new LtPut(r.field("target"), -1, Integer.parseInt(r.field("num_success")));
  }

  /** dht_get_immutable_item; the value's bytes, or empty when libtorrent found nothing. */
  Optional<byte[]> getImmutable(NodeId target, Duration timeout) {
    Reply r = ok("get_immutable " + target + " " + seconds(timeout), timeout);
    return r.field("found").equals("1") ? Optional.of(HEX.parseHex(r.field("vhex"))) : Optional.empty();
  }

  /**
   * dht_put_mutable_item with the key of {@code seed} (passed as {@link #expandedSecret}): libtorrent gets the item,
   * puts {@code value} with seq = the seq it found + 1, and reports that seq.
   */
  LtPut putMutable(byte[] seed, byte[] publicKey, byte[] salt, byte[] value, Duration timeout) {
    Reply r =
        ok("put_mutable " + HEX.formatHex(expandedSecret(seed)) + " " + HEX.formatHex(publicKey) + " "
            + hexOrDash(salt) + " " + hexOrDash(value) + " " + seconds(timeout), timeout);
    return new LtPut(r.field("target"), Long.parseLong(r.field("seq")), Integer.parseInt(r.field("num_success")));
  }

  /** dht_get_mutable_item; the authoritative result, empty when libtorrent found no valid item. */
  Optional<LtItem> getMutable(byte[] publicKey, byte[] salt, Duration timeout) {
    Reply r = ok("get_mutable " + HEX.formatHex(publicKey) + " " + hexOrDash(salt) + " " + seconds(timeout), timeout);
    if (!r.field("found").equals("1")) {
      return Optional.empty();
    }
    return Optional.of(new LtItem(Long.parseLong(r.field("seq")), HEX.parseHex(r.field("vhex")), r.field("sig")));
  }

  /** Process state, recent stdout lines and the stderr tail, for failure messages. */
  String diagnostics() {
    return "lt-peer " + endpoint + " " + processDiagnostics()
        + "\nlibtorrent's DHT log and packets: " + workDir().resolve("lt-peer-" + endpoint.port() + ".dht.log");
  }

  @Override
  public String toString() {
    return "libtorrent(" + id + " at " + endpoint + ")";
  }
}
