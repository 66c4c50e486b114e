package io.dht.http;

import static io.dht.http.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.dht.id.NodeId;
import io.dht.keys.SigningKeyPair;
import io.dht.node.DhtConfig;
import java.io.IOException;
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
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard end to end in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}), driven over
 * the W3C WebDriver protocol with {@code java.net.http}: loads the page of a running daemon, sees the routing table,
 * runs a lookup from the page and sees it drawn. Saves a screenshot to {@code target/dashboard.png} (and to {@code
 * docs/dashboard.png} when {@code DHT_UPDATE_SCREENSHOT=1}). Skipped when Chromium is missing, unless {@code
 * DHT_REQUIRE_PEERS=1}.
 */
class DashboardBrowserTest {
  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;

  static Optional<Path> executable(String... names) {
    for (String name : names) {
      for (String p : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
        Path candidate = Path.of(p, name);
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  @Test
  void theDashboardShowsTheRoutingTableAndDrawsALookup() throws Exception {
    Optional<Path> chromium = executable("chromium", "chromium-browser");
    Optional<Path> driver = executable("chromedriver");
    if (chromium.isEmpty() || driver.isEmpty()) {
      String why = "headless Chromium is not installed (apt-get install -y chromium chromium-driver)";
      if ("1".equals(System.getenv("DHT_REQUIRE_PEERS"))) {
        fail(why + ", and DHT_REQUIRE_PEERS=1");
      }
      Assumptions.abort(why);
    }
    Path keys = Files.createDirectories(dir.resolve("keys"));
    SigningKeyPair.generate().save(keys.resolve("demo.key"));
    // replica checks every 2 s (instead of minutes), so the stored items show their copies
    DhtConfig config = DhtConfig.privateNetwork().toBuilder().itemCheckInterval(Duration.ofSeconds(2)).build();
    try (ApiSwarm swarm = ApiSwarm.start(48, 150, config);
        HttpApi api =
            HttpApi.builder(swarm.nodes)
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .keysDir(keys)
                .start()) {
      Http http = new Http(api.uri());
      // items whose targets are close to node 0 (the page's default), put by node 3: node 0 holds them
      for (String value : valuesHeldBy(swarm, 0, 6)) {
        assertThat(http.post("/api/items?node=3", "{\"value\": \"" + value + "\"}").status()).isEqualTo(200);
      }
      http.post("/api/items?node=3", "{\"value\": \"status: green\", \"key\": \"demo\", \"salt\": \"status\"}");
      http.post("/api/announce", "{\"infohash\": \"" + "c0ffee".repeat(6) + "c0ff" + "\", \"port\": 6881}");
      Map<String, Object> table = http.get("/api/routing-table").json();
      long contacts = (Long) table.get("size");

      try (WebDriver browser = WebDriver.start(driver.get(), chromium.get(), dir.resolve("profile"))) {
        browser.navigate(api.uri().toString());
        // the routing table: one row per bucket, one square per contact
        browser.waitFor("routing table rows", "return document.querySelectorAll('#routing-table .bucket').length", n -> ((Long) n) > 0);
        long buckets = (Long) browser.script("return document.querySelectorAll('#routing-table .bucket').length");
        assertThat(buckets).isEqualTo((Long) table.get("depth"));
        Object squares = browser.script("return document.querySelectorAll('#routing-table .cell.contact').length");
        assertThat((Long) squares).isEqualTo(contacts);
        // the latest recorded lookup (the announce) is drawn at once
        browser.waitFor("a drawn lookup", "return Number(document.getElementById('lookup-svg').dataset.points || 0)", n -> ((Long) n) > 0);
        // run a lookup from the page for node 9's id: drawn with the target itself at distance 0
        String target = swarm.node(9).id().toString();
        browser.script("document.getElementById('lookup-target').value = arguments[0];", target);
        browser.click("#lookup-run");
        browser.waitFor(
            "the new lookup drawn", "return document.getElementById('lookup-summary').textContent",
            s -> ((String) s).contains("find_node of " + target));
        long points = (Long) browser.script("return Number(document.getElementById('lookup-svg').dataset.points)");
        assertThat(points).isGreaterThanOrEqualTo(2);
        assertThat((Long) browser.script("return document.querySelectorAll('#lookup-svg circle.start').length")).isPositive();
        assertThat((Long) browser.script("return document.querySelectorAll('#lookup-svg circle.answered').length")).isPositive();
        // a thin line per contact learned from another node's reply (learnedFrom), as many as the JSON names
        Object drawnId = browser.script("return document.getElementById('lookup-svg').dataset.lookupId");
        long learned = 0;
        for (Object step : (List<?>) http.get("/api/lookups/" + drawnId).json().get("steps")) {
          for (Object c : (List<?>) ((Map<?, ?>) step).get("contacts")) {
            Object from = ((Map<?, ?>) c).get("learnedFrom");
            if (from != null && from != Json.NULL) {
              learned++;
            }
          }
        }
        assertThat((Long) browser.script("return document.querySelectorAll('#lookup-svg line.learned').length"))
            .isEqualTo(learned)
            .isEqualTo((Long) browser.script("return Number(document.getElementById('lookup-svg').dataset.edges)"));
        // the stored items and message rates panels filled in, and nothing failed
        browser.waitFor("stored items summary", "return document.getElementById('items-summary').textContent", s -> ((String) s).contains("held"));
        browser.waitFor("rates", "return document.querySelectorAll('#rates-table tbody tr').length", n -> ((Long) n) > 5);
        // some traffic for the rates chart: lookups by random nodes for a few seconds
        SplittableRandom random = new SplittableRandom(1);
        long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        while (System.nanoTime() < until) {
          swarm.node(random.nextInt(swarm.nodes.size())).findNode(NodeId.random(random)).get(20, TimeUnit.SECONDS);
          Thread.sleep(150);
        }
        browser.waitFor(
            "replica counts", "return document.getElementById('items-table').textContent", s -> ((String) s).contains(" / 8"));
        browser.waitFor("a second rate sample", "return document.querySelector('#rates-table tbody td.num').textContent", s -> ((String) s).endsWith("/s"));
        assertThat((String) browser.script("return document.getElementById('status').className")).contains("ok");
        // a lookup of a random target last, for the picture
        browser.script("document.getElementById('lookup-target').value = '';");
        String before = (String) browser.script("return document.getElementById('lookup-summary').textContent");
        browser.click("#lookup-run");
        browser.waitFor(
            "the random lookup drawn", "return document.getElementById('lookup-summary').textContent",
            s -> !s.equals(before));
        browser.waitFor("the lookup button enabled again", "return !document.getElementById('lookup-run').disabled", b -> (Boolean) b);
        browser.waitFor(
            "the lookup list updated", "return document.getElementById('lookup-select').value",
            v -> ((String) browser.scriptUnchecked("return document.getElementById('lookup-summary').textContent"))
                .startsWith("#" + v + " "));

        byte[] png = browser.screenshot();
        assertThat(png).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        Path module = Path.of(System.getProperty("user.dir"));
        Files.createDirectories(module.resolve("target"));
        Files.write(module.resolve("target/dashboard.png"), png);
        if ("1".equals(System.getenv("DHT_UPDATE_SCREENSHOT"))) {
          Files.write(module.resolve("../docs/dashboard.png").normalize(), png);
        }
      }
    }
  }

  /** {@code n} values whose targets have node {@code holder} among their 4 closest nodes. */
  static List<String> valuesHeldBy(ApiSwarm swarm, int holder, int n) {
    List<String> out = new java.util.ArrayList<>();
    NodeId self = swarm.node(holder).id();
    for (int i = 0; out.size() < n && i < 1_000_000; i++) {
      String v = "dashboard item " + i;
      NodeId target = io.dht.item.ImmutableItem.ofBytes(v.getBytes(StandardCharsets.UTF_8)).target();
      long closer = swarm.nodes.stream().filter(d -> target.compareDistance(d.id(), self) < 0).count();
      if (closer < 4) {
        out.add(v);
      }
    }
    return out;
  }

  /** A minimal W3C WebDriver client for one chromedriver process and one session. */
  static final class WebDriver implements AutoCloseable {
    private final Process process;
    private final URI base;
    private String session;

    private WebDriver(Process process, URI base) {
      this.process = process;
      this.base = base;
    }

    static WebDriver start(Path driver, Path chromium, Path profile) throws Exception {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      Files.createDirectories(profile);
      Path log = profile.resolveSibling("chromedriver.log");
      Process p =
          new ProcessBuilder(driver.toString(), "--port=" + port, "--log-path=" + log)
              .redirectErrorStream(true)
              .redirectOutput(profile.resolveSibling("chromedriver.out").toFile())
              .start();
      WebDriver d = new WebDriver(p, URI.create("http://127.0.0.1:" + port + "/"));
      try {
        d.awaitReady();
        Map<String, Object> options =
            obj(
                "binary", chromium.toString(),
                "args",
                    List.of(
                        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", "--window-size=1400,1480", "--user-data-dir=" + profile));
        Map<String, Object> caps =
            obj("capabilities", obj("alwaysMatch", obj("browserName", "chrome", "goog:chromeOptions", options)));
        Map<String, Object> value = d.call("POST", "session", caps);
        d.session = (String) value.get("sessionId");
        d.call("POST", "session/" + d.session + "/timeouts", obj("script", 20_000, "pageLoad", 30_000, "implicit", 0));
        return d;
      } catch (Exception | AssertionError e) {
        d.close();
        throw e;
      }
    }

    private void awaitReady() throws Exception {
      long deadline = System.nanoTime() + BOUND.toNanos();
      while (true) {
        try {
          Map<String, Object> v = call("GET", "status", null);
          if (Boolean.TRUE.equals(v.get("ready"))) {
            return;
          }
        } catch (IOException e) {
          // not listening yet
        }
        if (!process.isAlive()) {
          fail("chromedriver exited with " + process.exitValue());
        }
        if (System.nanoTime() > deadline) {
          fail("chromedriver not ready within " + BOUND);
        }
        Thread.sleep(100);
      }
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> call(String method, String path, Map<String, Object> body) throws Exception {
      HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(BOUND);
      if (body != null) {
        b.header("Content-Type", "application/json; charset=utf-8");
      }
      b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(Json.write(body)));
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      Map<String, Object> json = Json.parseObject(r.body());
      Object value = json.get("value");
      if (r.statusCode() != 200) {
        fail("WebDriver " + method + " " + path + ": HTTP " + r.statusCode() + " " + r.body());
      }
      if (value instanceof Map) {
        return (Map<String, Object>) value;
      }
      return obj("value", value);
    }

    void navigate(String url) throws Exception {
      call("POST", "session/" + session + "/url", obj("url", url));
    }

    Object script(String script, Object... args) throws Exception {
      Object v = call("POST", "session/" + session + "/execute/sync", obj("script", script, "args", List.of(args)));
      return v instanceof Map<?, ?> m && m.size() == 1 && m.containsKey("value") ? m.get("value") : v;
    }

    Object scriptUnchecked(String script) {
      try {
        return script(script);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }

    void click(String css) throws Exception {
      Map<String, Object> el = call("POST", "session/" + session + "/element", obj("using", "css selector", "value", css));
      String id = (String) el.values().iterator().next();
      call("POST", "session/" + session + "/element/" + id + "/click", obj());
    }

    byte[] screenshot() throws Exception {
      Object v = call("GET", "session/" + session + "/screenshot", null).get("value");
      return Base64.getDecoder().decode((String) v);
    }

    void waitFor(String what, String script, Predicate<Object> done) throws Exception {
      long deadline = System.nanoTime() + BOUND.toNanos();
      Object last = null;
      while (System.nanoTime() < deadline) {
        last = script(script);
        if (last != null && last != Json.NULL && done.test(last)) {
          return;
        }
        Thread.sleep(200);
      }
      fail("the dashboard did not show " + what + " within " + BOUND + " (last: " + last + "; status: "
          + script("return document.getElementById('status').textContent") + ")");
    }

    @Override
    public void close() {
      try {
        if (session != null) {
          call("DELETE", "session/" + session, null);
        }
      } catch (Exception e) {
        // the browser is gone already; the driver is stopped below
      } finally {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
          if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
