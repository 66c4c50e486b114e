package io.dht.share;

import static io.dht.share.ShareFixtures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.TestSwarm;
import io.dht.id.Endpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interop with libtorrent-rasterbar 2.0.8 (Debian {@code python3-libtorrent}, driven by {@code share/lt-share.py}
 * under {@code /usr/bin/python3}) as a BitTorrent peer, both ways, with libtorrent's DHT bootstrapped through our
 * nodes (127.0.0.170 and .172):
 *
 * <ul>
 *   <li>libtorrent downloads a file we share, given nothing but our magnet link (no peer hint): it finds us through
 *       the DHT, gets the metadata from us (BEP 9) and the pieces;
 *   <li>our fetch downloads a file libtorrent seeds (its default v1+v2 hybrid torrent), given nothing but the
 *       info-hash: it finds libtorrent through the DHT and gets metadata and pieces from it.
 * </ul>
 *
 * Skipped when libtorrent cannot be imported, failed instead under {@code DHT_REQUIRE_PEERS=1}. The processes are
 * stopped through their {@link Process} handles; every wait is bounded.
 */
@Timeout(180)
class LibtorrentShareInteropTest {
  private static final String REQUIRE_ENV = "DHT_REQUIRE_PEERS";
  private static final long SIZE = 3L << 20;
  private static final Duration TRANSFER = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private static Path script;
  private static TestSwarm net;
  private static String skipReason;
  private final List<LtProcess> processes = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    skipReason = probe();
    if (skipReason != null) {
      return;
    }
    script = dir.resolve("lt-share.py");
    try (InputStream in = LibtorrentShareInteropTest.class.getResourceAsStream("/share/lt-share.py")) {
      assertThat(in).as("test resource /share/lt-share.py").isNotNull();
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    net = TestSwarm.start(3, 170); // libtorrent bootstraps through .170 and .172; .171 shares; .172 fetches
    net.bootstrapAll();
  }

  @BeforeEach
  void skipWithoutLibtorrent() {
    Assumptions.assumeTrue(skipReason == null, () -> skipReason);
  }

  @AfterAll
  static void tearDown() {
    if (net != null) {
      net.close();
    }
  }

  @org.junit.jupiter.api.AfterEach
  void stopProcesses() {
    for (LtProcess p : processes) {
      p.close();
    }
  }

  @Test
  void libtorrentDownloadsWhatWeShareFromTheMagnetLinkAlone() throws Exception {
    Path data = ShareFixtures.writeData(dir.resolve("ours/ours.bin"), SIZE, 21);
    try (Share share = Share.start(net.node(1), data, ShareOptions.defaults())) {
      String magnet = share.magnet();
      assertThat(magnet).doesNotContain("x.pe");
      ShareFixtures.awaitPeers(net.node(0), share.infoHash(), List.of(share.localEndpoint()), Duration.ofSeconds(20));
      Path save = Files.createDirectories(dir.resolve("lt-save"));
      long t0 = System.nanoTime();
      LtProcess lt = start("download", "127.0.0.175", "--magnet", magnet, "--save", save.toString(),
          "--timeout", Long.toString(TRANSFER.toSeconds()));
      String line = lt.awaitLine(l -> l.startsWith("done ") || l.startsWith("fail "), TRANSFER.plusSeconds(10));
      System.out.printf(Locale.ROOT, "[lt-download] %s after %d ms%n", line, (System.nanoTime() - t0) / 1_000_000);
      assertThat(line).as(lt.diagnostics()).startsWith("done ");
      assertThat(Files.mismatch(save.resolve("ours.bin"), data)).isEqualTo(-1);
      SwarmStats s = await(share.stats(), Duration.ofSeconds(10));
      System.out.println("[lt-download] our share: " + s);
      assertThat(s.metadataPiecesServed()).as("BEP 9 pieces served").isPositive();
      assertThat(s.bytesUploaded()).isGreaterThanOrEqualTo(SIZE);
      ShareFixtures.assertNoInternalErrors(s);
    }
  }

  @Test
  void weFetchWhatLibtorrentSeedsGivenOnlyTheInfoHash() throws Exception {
    Path seedFile = ShareFixtures.writeData(dir.resolve("theirs/theirs.bin"), SIZE, 22);
    LtProcess lt = start("seed", "127.0.0.176", "--file", seedFile.toString(), "--ttl", "170");
    String line = lt.awaitLine(l -> l.startsWith("infohash ") || l.startsWith("fail "), Duration.ofSeconds(30));
    assertThat(line).as(lt.diagnostics()).startsWith("infohash ");
    String infoHash = line.split(" ")[1];
    lt.awaitLine(l -> l.equals("seeding"), Duration.ofSeconds(30));
    Path out = dir.resolve("our-out");
    long t0 = System.nanoTime();
    try (Fetch fetch = Fetch.start(net.node(2), infoHash, out, FetchOptions.defaults().withNoSeed(true)
        .withLookupInterval(Duration.ofSeconds(2)))) {
      Path file;
      try {
        file = await(fetch.done(), TRANSFER);
      } catch (AssertionError | Exception e) {
        throw new AssertionError("fetch from libtorrent failed: " + e + "; progress " + fetch.progress()
            + "; stats " + fetch.stats().getNow(null) + "\n" + lt.diagnostics(), e);
      }
      SwarmStats s = await(fetch.stats(), Duration.ofSeconds(10));
      System.out.printf(Locale.ROOT, "[lt-seed] fetched in %d ms: %s%n", (System.nanoTime() - t0) / 1_000_000, s);
      assertThat(file).isEqualTo(out.resolve("theirs.bin"));
      assertThat(Files.mismatch(file, seedFile)).isEqualTo(-1);
      assertThat(s.piecesFailed()).isZero();
      ShareFixtures.assertNoInternalErrors(s);
    }
  }

  // ------------------------------------------------------------------ the libtorrent process

  private LtProcess start(String mode, String host, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(python(), "-u", script.toString(), mode, "--host", host,
        "--port", Integer.toString(freePort(host)), "--bootstrap",
        net.node(0).localEndpoint() + "," + net.node(2).localEndpoint()));
    Collections.addAll(command, args);
    LtProcess p = new LtProcess(command, dir.resolve("lt-" + mode + ".stderr.log"));
    processes.add(p);
    return p;
  }

  /** One run of lt-share.py: stdout lines are queued by a reader thread; stopped through its handle. */
  private static final class LtProcess implements AutoCloseable {
    private final Process process;
    private final Path stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
    private final Thread reader;

    LtProcess(List<String> command, Path stderr) throws IOException {
      this.stderr = stderr;
      this.process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
      this.reader = new Thread(this::read, "lt-share-stdout-" + process.pid());
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          seen.add(line);
          if (!line.startsWith("# ")) {
            lines.add(line);
          }
        }
      } catch (IOException e) {
        seen.add("(stdout: " + e + ")");
      }
      lines.add("fail process ended");
    }

    String awaitLine(java.util.function.Predicate<String> wanted, Duration bound) throws InterruptedException {
      long end = System.nanoTime() + bound.toNanos();
      while (true) {
        long left = end - System.nanoTime();
        String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
        if (line == null) {
          return Assertions.fail("no expected line from libtorrent within " + bound.toSeconds() + " s\n" + diagnostics());
        }
        if (wanted.test(line)) {
          return line;
        }
      }
    }

    String diagnostics() {
      List<String> copy;
      synchronized (seen) {
        // Progress lines repeat every second: keep the events and the last few progress lines.
        List<String> events = seen.stream().filter(l -> !l.contains(" state=")).collect(Collectors.toList());
        List<String> progress = seen.stream().filter(l -> l.contains(" state=")).collect(Collectors.toList());
        copy = new ArrayList<>(events.subList(Math.max(0, events.size() - 80), events.size()));
        copy.addAll(progress.subList(Math.max(0, progress.size() - 3), progress.size()));
      }
      String err;
      try {
        List<String> all = Files.exists(stderr) ? Files.readAllLines(stderr) : List.of();
        err = String.join("\n  ", all.subList(Math.max(0, all.size() - 20), all.size()));
      } catch (IOException e) {
        err = e.toString();
      }
      return "libtorrent pid " + process.pid() + (process.isAlive() ? " running" : " exited") + "; stdout:\n  "
          + copy.stream().collect(Collectors.joining("\n  ")) + "\nstderr:\n  " + err;
    }

    /** Asks it to quit (stdin), then destroy, then destroyForcibly; each wait bounded. */
    @Override
    public void close() {
      try (OutputStream in = process.getOutputStream()) {
        in.write("quit\n".getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        // already gone
      }
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroy();
          if (!process.waitFor(3, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(3, TimeUnit.SECONDS);
          }
        }
        reader.join(3000);
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String python() {
    return System.getProperty("dht.peers.python", "/usr/bin/python3");
  }

  /** Null when libtorrent imports; otherwise the reason to skip (or a failure under DHT_REQUIRE_PEERS=1). */
  private static String probe() throws Exception {
    String why = null;
    if (!Files.isExecutable(Path.of(python()))) {
      why = python() + " is not executable";
    } else {
      Process p = new ProcessBuilder(python(), "-c", "import libtorrent").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        why = "importing libtorrent took over 20 s";
      } else if (p.exitValue() != 0) {
        why = python() + " cannot import libtorrent (apt-get install -y python3-libtorrent)";
      }
    }
    if (why != null && ("1".equals(System.getenv(REQUIRE_ENV)) || "true".equalsIgnoreCase(System.getenv(REQUIRE_ENV)))) {
      Assertions.fail(why + " (" + REQUIRE_ENV + "=1 makes this a failure)");
    }
    return why;
  }

  /** A port free for both UDP (libtorrent's DHT) and TCP (its peers) on {@code host}. */
  private static int freePort(String host) {
    for (int tries = 0; tries < 50; tries++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
      InetSocketAddress at = new InetSocketAddress(Endpoint.parseAddress(host), port);
      try (DatagramSocket udp = new DatagramSocket(at);
          ServerSocket tcp = new ServerSocket()) {
        tcp.bind(at);
        return port;
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IllegalStateException("no free UDP+TCP port on " + host);
  }
}
