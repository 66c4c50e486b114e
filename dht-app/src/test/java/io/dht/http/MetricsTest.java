package io.dht.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.Dht;
import io.dht.RawKrpc;
import io.dht.bencode.BDictionary;
import io.dht.bencode.BInteger;
import io.dht.bencode.BList;
import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.DhtConfig;
import io.dht.node.LookupPurpose;
import io.dht.node.PingResult;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics}: the Prometheus text format, every name prefixed {@code dht_}, values that follow traffic. */
class MetricsTest {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");

  /** name{labels} -> value, from the exposition text. */
  static Map<String, Double> samples(String text) {
    Map<String, Double> out = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("sample line '%s'", line).isTrue();
      out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
    }
    return out;
  }

  static double delta(Map<String, Double> before, Map<String, Double> after, String sample) {
    assertThat(after).as("samples after").containsKey(sample);
    return after.get(sample) - before.getOrDefault(sample, 0.0);
  }

  @Test
  void metricsFollowTheNodesCounters() throws Exception {
    try (ApiSwarm swarm = ApiSwarm.start(6, 40);
        HttpApi api =
            HttpApi.builder(swarm.node(0)).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start()) {
      Http http = new Http(api.uri());
      Http.Answer first = http.get("/metrics");
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.contentType()).startsWith("text/plain");
      Map<String, Double> before = samples(first.body());

      assertThat(before.keySet()).allSatisfy(name -> assertThat(name).startsWith("dht_"));
      assertThat(before)
          .containsKeys(
              "dht_datagrams_in_total", "dht_datagrams_out_total", "dht_received_bytes_total", "dht_sent_bytes_total",
              "dht_messages_in_total{type=\"ping\"}", "dht_messages_in_total{type=\"find_node\"}",
              "dht_messages_in_total{type=\"get_peers\"}", "dht_messages_in_total{type=\"announce_peer\"}",
              "dht_messages_in_total{type=\"get\"}", "dht_messages_in_total{type=\"put\"}",
              "dht_messages_in_total{type=\"response\"}", "dht_messages_in_total{type=\"error\"}",
              "dht_errors_sent_total", "dht_throttled_total", "dht_rpc_timeouts_total",
              "dht_lookups_started_total", "dht_lookups_completed_total",
              "dht_routing_table_contacts", "dht_routing_table_buckets", "dht_stored_peers", "dht_stored_items",
              "dht_items_below_target", "dht_item_replicas_average", "dht_items_by_replicas{replicas=\"unchecked\"}",
              "dht_items_by_replicas{replicas=\"8\"}", "dht_repair_puts_total", "dht_handoffs_total",
              "dht_republishes_total", "dht_internal_errors_total");
      assertThat(before.get("dht_routing_table_contacts")).isGreaterThanOrEqualTo(3);
      assertThat(before.get("dht_internal_errors_total")).isZero();

      // traffic through the API: a put, an announce, a lookup
      assertThat(http.post("/api/items", "{\"value\": \"metered\"}").status()).isEqualTo(200);
      assertThat(http.post("/api/announce", "{\"infohash\": \"" + "ab".repeat(20) + "\", \"port\": 7}").status())
          .isEqualTo(200);
      assertThat(http.post("/api/lookups", "{}").status()).isEqualTo(200);
      swarm.node(3).ping(swarm.node(0).localEndpoint()).get(20, java.util.concurrent.TimeUnit.SECONDS);

      Map<String, Double> after = samples(http.get("/metrics").body());
      assertThat(after.get("dht_datagrams_out_total")).isGreaterThan(before.get("dht_datagrams_out_total"));
      assertThat(after.get("dht_messages_in_total{type=\"response\"}"))
          .isGreaterThan(before.get("dht_messages_in_total{type=\"response\"}"));
      assertThat(after.get("dht_messages_in_total{type=\"ping\"}"))
          .isGreaterThan(before.get("dht_messages_in_total{type=\"ping\"}"));
      assertThat(after.get("dht_lookups_started_total")).isGreaterThanOrEqualTo(before.get("dht_lookups_started_total") + 3);
      // the core reports every lookup: node 0's find_node of its own id in ApiSwarm.start is in the first scrape
      assertThat(before.get("dht_lookup_duration_seconds_count{kind=\"find_node\"}")).isEqualTo(1);
      assertThat(delta(before, after, "dht_lookup_rounds_count{kind=\"put\"}")).isEqualTo(1);
      assertThat(delta(before, after, "dht_lookup_rounds_count{kind=\"announce\"}")).isEqualTo(1);
      assertThat(delta(before, after, "dht_lookup_duration_seconds_count{kind=\"find_node\"}")).isEqualTo(1);
      assertThat(after.get("dht_lookup_rounds_sum{kind=\"find_node\"}")).isPositive();

      // docs/operations.md names every metric family
      String doc = java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("user.dir"), "..", "docs", "operations.md"));
      for (String sample : after.keySet()) {
        String name = sample.replaceFirst("\\{.*$", "");
        String family = name.replaceFirst("_(count|sum|max)$", "");
        assertThat(doc.contains("`" + name) || doc.contains("`" + family)).as("%s in docs/operations.md", name).isTrue();
      }
    }
  }

  @Test
  void severalNodesAreTaggedByIndex() throws Exception {
    try (ApiSwarm swarm = ApiSwarm.start(3, 50);
        HttpApi api =
            HttpApi.builder(swarm.nodes).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start()) {
      Map<String, Double> s = samples(new Http(api.uri()).get("/metrics").body());

      for (int i = 0; i < 3; i++) {
        assertThat(s).containsKey("dht_routing_table_contacts{node=\"" + i + "\"}");
      }
      assertThat(s).doesNotContainKey("dht_routing_table_contacts");
    }
  }

  /**
   * The metrics the core counts per message type, per error code and per lookup purpose, after real traffic with a
   * node that joins a 20-node swarm: a raw KRPC client (127.0.3.96) pings it, sends an unknown method, a malformed
   * query and sample_infohashes, and answers its ping with error 202.
   */
  @Test
  void messagesByTypeErrorsByCodeEveryLookupAndUptimeFollowRealTraffic() throws Exception {
    try (ApiSwarm swarm = ApiSwarm.start(20, 70)) {
      long beforeJoin = System.nanoTime();
      // ten seeds: whichever 8 are closest, the join meets at least 10 nodes, so its table splits (2+ buckets)
      Dht.Builder b = Dht.builder().bindAddress(Endpoint.parseAddress("127.0.3.95")).config(DhtConfig.privateNetwork());
      for (int i = 0; i < 10; i++) {
        b.addBootstrap(swarm.node(i).localEndpoint());
      }
      Dht joiner = b.start();
      HttpApi api = null;
      HttpApi late = null;
      try (RawKrpc raw = RawKrpc.open(Endpoint.parseAddress("127.0.3.96"), NodeId.random(new SplittableRandom(96)))) {
        joiner.bootstrap().get(ApiSwarm.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        api = HttpApi.builder(joiner).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start();
        Http http = new Http(api.uri());
        Map<String, Double> before = samples(http.get("/metrics").body());

        // the join: one self-lookup, then a refresh of every bucket but the nearest
        assertThat(before.get("dht_lookup_rounds_count{kind=\"bootstrap\"}")).isEqualTo(1);
        assertThat(before.get("dht_lookup_rounds_sum{kind=\"bootstrap\"}")).isGreaterThanOrEqualTo(1);
        assertThat(before.get("dht_lookup_messages_sum{kind=\"bootstrap\"}")).isGreaterThanOrEqualTo(8);
        assertThat(before.get("dht_lookup_duration_seconds_sum{kind=\"bootstrap\"}")).isPositive();
        assertThat(before.get("dht_lookup_duration_seconds_count{kind=\"refresh\"}"))
            .isBetween(1.0, before.get("dht_routing_table_buckets") - 1);
        assertThat(before.get("dht_lookup_rounds_count{kind=\"find_node\"}")).isZero();
        assertThat(before.get("dht_lookups_unrecorded_total")).isZero();
        for (LookupPurpose p : LookupPurpose.values()) {
          assertThat(before).containsKey("dht_lookup_duration_seconds_count{kind=\"" + p.label() + "\"}");
        }
        // every datagram out is a query, a response or an error
        assertThat(sumOf(before, "dht_messages_out_total{")).isEqualTo(before.get("dht_datagrams_out_total"));
        assertThat(before.get("dht_messages_out_total{type=\"find_node\"}")).isGreaterThanOrEqualTo(8);

        // raw traffic; ro=1 keeps the node from pinging the raw client back
        Endpoint to = joiner.localEndpoint();
        Duration wait = Duration.ofSeconds(ApiSwarm.TIMEOUT_SECONDS);
        byte[] t1 = {'m', 1};
        assertThat(raw.ask(to, t1, raw.query("ping", t1, BDictionary.builder(), "ro", 1), wait).orElseThrow().type())
            .isEqualTo("r");
        byte[] t2 = {'m', 2};
        assertThat(raw.ask(to, t2, raw.query("x_vote", t2, BDictionary.builder(), "ro", 1), wait).orElseThrow()
                .errorCode())
            .isEqualTo(204);
        byte[] t3 = {'m', 3};
        byte[] noArgs = Bencode.encode(BDictionary.builder().put("q", BString.utf8("ping")).put("t", t3)
            .put("y", BString.utf8("q")).build());
        assertThat(raw.ask(to, t3, noArgs, wait).orElseThrow().errorCode()).isEqualTo(203);
        byte[] t4 = {'m', 4};
        byte[] sample = raw.query("sample_infohashes", t4, BDictionary.builder().put("target", NodeId.random(new SplittableRandom(4)).toBytes()), "ro", 1);
        assertThat(raw.ask(to, t4, sample, wait).orElseThrow().type()).isEqualTo("r");
        // the node pings the raw client, which answers 202
        CompletableFuture<PingResult> ping = joiner.ping(raw.endpoint());
        RawKrpc.Datagram q = raw.receive(wait).orElseThrow();
        assertThat(q.dict().getString("q").asUtf8()).isEqualTo("ping");
        raw.send(q.from(), Bencode.encode(BDictionary.builder()
            .put("e", BList.of(new BInteger(202), BString.utf8("busy")))
            .put("t", q.tid()).put("y", BString.utf8("e")).build()));
        assertThatThrownBy(() -> ping.get(ApiSwarm.TIMEOUT_SECONDS, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class);
        // lookups the owner runs: one through the facade, one through the API
        joiner.findNode(NodeId.random(new SplittableRandom(5))).get(ApiSwarm.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(http.post("/api/lookups", "{}").status()).isEqualTo(200);

        Map<String, Double> after = samples(http.get("/metrics").body());
        assertThat(delta(before, after, "dht_messages_in_total{type=\"ping\"}")).isGreaterThanOrEqualTo(1);
        assertThat(delta(before, after, "dht_messages_in_total{type=\"sample_infohashes\"}")).isEqualTo(1);
        assertThat(delta(before, after, "dht_messages_in_total{type=\"unknown\"}")).isEqualTo(1);
        assertThat(delta(before, after, "dht_messages_in_total{type=\"error\"}")).isEqualTo(1);
        assertThat(delta(before, after, "dht_messages_out_total{type=\"ping\"}")).isGreaterThanOrEqualTo(1);
        assertThat(delta(before, after, "dht_messages_out_total{type=\"find_node\"}")).isGreaterThanOrEqualTo(2);
        assertThat(delta(before, after, "dht_messages_out_total{type=\"response\"}")).isGreaterThanOrEqualTo(2);
        assertThat(delta(before, after, "dht_messages_out_total{type=\"error\"}")).isEqualTo(2);
        assertThat(after.get("dht_messages_out_total{type=\"sample_infohashes\"}")).isZero(); // we never send it
        assertThat(delta(before, after, "dht_errors_total{code=\"204\",direction=\"out\"}")).isEqualTo(1);
        assertThat(delta(before, after, "dht_errors_total{code=\"203\",direction=\"out\"}")).isEqualTo(1);
        assertThat(delta(before, after, "dht_errors_total{code=\"202\",direction=\"in\"}")).isEqualTo(1);
        assertThat(after.get("dht_errors_total{code=\"202\",direction=\"out\"}")).isZero();
        assertThat(sumOf(after, "dht_errors_total{") - sumOf(before, "dht_errors_total{")).isEqualTo(3);
        assertThat(after.get("dht_errors_total{code=\"other\",direction=\"in\"}")).isZero();
        assertThat(sumOf(after, "dht_messages_out_total{")).isEqualTo(after.get("dht_datagrams_out_total"));
        assertThat(delta(before, after, "dht_lookup_rounds_count{kind=\"find_node\"}")).isEqualTo(2);
        assertThat(delta(before, after, "dht_lookup_messages_sum{kind=\"find_node\"}")).isGreaterThanOrEqualTo(2);
        assertThat(delta(before, after, "dht_lookup_rounds_count{kind=\"bootstrap\"}")).isZero();

        // uptime: the node's, since it started, not the HTTP server's; a server started later reports no less
        double uptime = after.get("dht_uptime_seconds");
        assertThat(uptime).isPositive().isLessThanOrEqualTo((System.nanoTime() - beforeJoin) / 1e9);
        late = HttpApi.builder(joiner).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start();
        Map<String, Double> fromLate = samples(new Http(late.uri()).get("/metrics").body());
        assertThat(fromLate.get("dht_uptime_seconds")).isGreaterThanOrEqualTo(uptime);
        // and the late server records the lookups the node ran before it existed
        assertThat(fromLate.get("dht_lookup_rounds_count{kind=\"bootstrap\"}")).isEqualTo(1);
        assertThat(fromLate.get("dht_lookup_rounds_count{kind=\"find_node\"}")).isEqualTo(2);
      } finally {
        for (AutoCloseable c : new AutoCloseable[] {late, api}) {
          if (c != null) {
            c.close();
          }
        }
        joiner.close();
      }
    }
  }

  private static double sumOf(Map<String, Double> samples, String prefix) {
    return samples.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToDouble(Map.Entry::getValue).sum();
  }
}
