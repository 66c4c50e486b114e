package io.dht.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
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
      assertThat(after.get("dht_lookup_rounds_count{kind=\"put\"}")).isEqualTo(1);
      assertThat(after.get("dht_lookup_rounds_count{kind=\"announce\"}")).isEqualTo(1);
      assertThat(after.get("dht_lookup_duration_seconds_count{kind=\"find_node\"}")).isEqualTo(1);
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
}
