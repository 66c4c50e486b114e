package io.dht.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.Dht;
import io.dht.RawKrpc;
import io.dht.bencode.BDictionary;
import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.Sha1;
import io.dht.keys.SigningKeyPair;
import io.dht.node.DhtConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP API against running nodes: a 10-node UDP swarm on 127.0.3.x, node 0 served as a daemon would serve it
 * ({@code dht node --http}), plus a server over all nodes ({@code dht swarm --dashboard}) and one with a token.
 * Every endpoint, and every error status with its message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiTest {
  private static final HexFormat HEX = HexFormat.of();

  @TempDir static Path keys;

  private ApiSwarm swarm;
  private HttpApi daemon;
  private HttpApi all;
  private HttpApi guarded;
  private Http http;
  private SigningKeyPair alice;
  private Instant beforeSwarm;
  private Instant beforeServers;

  @BeforeAll
  void start() throws Exception {
    beforeSwarm = Instant.now();
    swarm = ApiSwarm.start(10, 10);
    beforeServers = Instant.now();
    alice = SigningKeyPair.generate();
    alice.save(keys.resolve("alice.key"));
    Files.writeString(keys.resolve("broken.key"), "ed25519-seed nothex\n");
    daemon = HttpApi.builder(swarm.node(0)).bind(loopback(0)).keysDir(keys).start();
    all = HttpApi.builder(swarm.nodes).bind(loopback(0)).start();
    guarded = HttpApi.builder(swarm.node(1)).bind(loopback(0)).token("s3cret-token").start();
    http = new Http(daemon.uri());
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {guarded, all, daemon, swarm}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  static InetSocketAddress loopback(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /** An error answer: the status, JSON with one "error" string, no stack trace. */
  static String assertError(Http.Answer a, int status) {
    assertThat(a.status()).as("status of %s", a.body()).isEqualTo(status);
    assertThat(a.contentType()).startsWith("application/json");
    Map<String, Object> json = a.json();
    assertThat(json).containsOnlyKeys("error");
    String message = (String) json.get("error");
    assertThat(message).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("\n");
    return message;
  }

  private static String target(byte[] value) {
    return Sha1.of(Bencode.encode(BString.of(value))).toString();
  }

  // ------------------------------------------------------------------ node state

  @Test
  void nodeDescribesItself() throws Exception {
    Http.Answer a = http.get("/api/node");

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.contentType()).isEqualTo("application/json; charset=utf-8");
    Map<String, Object> n = a.json();
    assertThat(n.get("id")).isEqualTo(swarm.node(0).id().toString());
    assertThat(n.get("index")).isEqualTo(0L);
    @SuppressWarnings("unchecked")
    Map<String, Object> addresses = (Map<String, Object>) n.get("addresses");
    assertThat(addresses.get("udp")).isEqualTo(swarm.node(0).localEndpoint().toString());
    assertThat(addresses.get("http")).isEqualTo(daemon.uri().toString());
    // the node's start and uptime, not the HTTP server's
    Instant startedAt = Instant.parse((String) n.get("startedAt"));
    assertThat(startedAt).isEqualTo(swarm.node(0).startedAt()).isAfterOrEqualTo(beforeSwarm).isBefore(beforeServers);
    long sinceStart = Duration.between(startedAt, Instant.now()).toSeconds();
    assertThat((Long) n.get("uptimeSeconds")).isBetween(Math.max(0, sinceStart - 1), sinceStart + 1);
    assertThat(n.get("datagramIo")).isEqualTo(swarm.node(0).io()).isIn(
        "recvmmsg/sendmmsg, up to 32 datagrams read and 64 sent per call", "NIO, one system call per datagram");
    @SuppressWarnings("unchecked")
    Map<String, Object> table = (Map<String, Object>) n.get("routingTable");
    assertThat((Long) table.get("contacts")).isGreaterThanOrEqualTo(5);
    assertThat((Long) table.get("depth")).isGreaterThanOrEqualTo(1);
    assertThat(n).containsKeys("storedPeers", "infoHashes", "storedItems", "startedAt");
  }

  @Test
  @SuppressWarnings("unchecked")
  void routingTableListsBucketsWithTheirContacts() throws Exception {
    Map<String, Object> t = http.get("/api/routing-table").json();

    assertThat(t.get("self")).isEqualTo(swarm.node(0).id().toString());
    assertThat(t.get("k")).isEqualTo(8L);
    List<Object> buckets = (List<Object>) t.get("buckets");
    assertThat(buckets).hasSize(((Long) t.get("depth")).intValue());
    int total = 0;
    NodeId self = swarm.node(0).id();
    for (int i = 0; i < buckets.size(); i++) {
      Map<String, Object> b = (Map<String, Object>) buckets.get(i);
      assertThat(b.get("index")).isEqualTo((long) i);
      List<Object> contacts = (List<Object>) b.get("contacts");
      assertThat(b.get("size")).isEqualTo((long) contacts.size());
      for (Object o : contacts) {
        Map<String, Object> c = (Map<String, Object>) o;
        NodeId id = NodeId.parseHex((String) c.get("id"));
        int shared = self.commonPrefixLength(id);
        // bucket i holds ids sharing exactly i bits; the last bucket at least i
        assertThat(i == buckets.size() - 1 ? shared >= i : shared == i).as("bucket %d holds %s", i, id).isTrue();
        assertThat(c.get("distanceBits")).isEqualTo((long) self.distanceBits(id));
        assertThat((String) c.get("address")).startsWith("127.0.3.");
      }
      total += contacts.size();
    }
    assertThat(total).isEqualTo(((Long) t.get("size")).intValue()).isGreaterThanOrEqualTo(5);
    assertThat(((Map<String, Object>) t.get("ipv6")).get("size")).isEqualTo(0L);
  }

  @Test
  @SuppressWarnings("unchecked")
  void statsCarryEveryCounter() throws Exception {
    Map<String, Object> s = http.get("/api/stats").json();

    Map<String, Object> stats = (Map<String, Object>) s.get("stats");
    assertThat(stats).containsKeys("datagramsIn", "datagramsOut", "pingsIn", "findNodesIn", "queriesThrottled");
    assertThat((Long) stats.get("datagramsIn")).isPositive();
    assertThat((Map<String, Object>) s.get("durability")).containsKeys("itemsHeld", "itemsBelowTarget");
    assertThat((Long) s.get("atMillis")).isPositive();
    // messages sent by type: node 0 looked up its own id and answered the others' bootstrap queries
    assertThat((Long) stats.get("findNodesOut")).isPositive();
    assertThat((Long) stats.get("responsesOut")).isPositive();
    assertThat((Long) stats.get("uptimeNanos")).isPositive();
    assertThat((Long) s.get("uptimeSeconds")).isEqualTo((Long) stats.get("uptimeNanos") / 1_000_000_000L);

    // errors by code, both ways, as {"201": n, ..., "302": n, "other": n}
    try (RawKrpc raw = RawKrpc.open(Endpoint.parseAddress("127.0.3.31"), NodeId.random(new SplittableRandom(31)))) {
      byte[] tid = {'s', 1};
      Endpoint node = swarm.node(0).localEndpoint();
      assertThat(raw.ask(node, tid, raw.query("x_vote", tid, BDictionary.builder(), "ro", 1), Duration.ofSeconds(20))
              .orElseThrow().errorCode())
          .isEqualTo(204);
    }
    Map<String, Object> after = (Map<String, Object>) http.get("/api/stats").json().get("stats");
    Map<String, Object> sentByCode = (Map<String, Object>) after.get("errorsSentByCode");
    Map<String, Object> before = (Map<String, Object>) stats.get("errorsSentByCode");
    assertThat(sentByCode.keySet())
        .containsExactly("201", "202", "203", "204", "205", "206", "207", "301", "302", "other");
    assertThat((Long) sentByCode.get("204")).isEqualTo((Long) before.get("204") + 1);
    assertThat(((Map<String, Object>) after.get("errorsInByCode")).keySet()).hasSize(10);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aServerOverManyNodesSelectsThemByIndex() throws Exception {
    Http many = new Http(all.uri());
    List<Object> nodes = (List<Object>) many.get("/api/nodes").json().get("nodes");
    assertThat(nodes).hasSize(10);

    Map<String, Object> third = many.get("/api/node?node=3").json();
    assertThat(third.get("id")).isEqualTo(swarm.node(3).id().toString());
    assertThat(third.get("nodes")).isEqualTo(10L);

    assertThat(assertError(many.get("/api/node?node=10"), 404)).isEqualTo("no node 10; this server has 10 (0..9)");
    assertThat(assertError(many.get("/api/node?node=x"), 400)).contains("node index");
    assertThat(assertError(many.get("/api/node?node=1&node=2"), 400)).contains("given twice");
  }

  // ------------------------------------------------------------------ items

  @Test
  @SuppressWarnings("unchecked")
  void putThenGetAnImmutableTextValue() throws Exception {
    Http.Answer put = http.post("/api/items", "{\"value\": \"hello, HTTP \\u00e9\"}");

    assertThat(put.status()).as(put.body()).isEqualTo(200);
    byte[] value = "hello, HTTP é".getBytes(StandardCharsets.UTF_8);
    Map<String, Object> p = put.json();
    assertThat(p.get("target")).isEqualTo(target(value));
    assertThat((Long) p.get("stored")).isPositive();
    // stored counts the daemon's own copy too when it is among the item's k closest nodes
    assertThat((List<Object>) p.get("storedOn"))
        .hasSize(((Long) p.get("stored")).intValue() - (Boolean.TRUE.equals(p.get("storedLocally")) ? 1 : 0));
    assertThat((List<Object>) p.get("refused")).isEmpty();
    assertThat(p.get("unanswered")).isEqualTo(0L);
    assertThat(p.get("mutable")).isEqualTo(false);
    assertThat(p.get("seq")).isEqualTo(Json.NULL);

    Map<String, Object> got = http.get("/api/items/" + p.get("target")).json();
    assertThat(got.get("value")).isEqualTo("hello, HTTP é");
    assertThat(got.get("base64")).isEqualTo(Base64.getEncoder().encodeToString(value));
    assertThat(got.get("bytes")).isEqualTo((long) value.length);
    assertThat((Long) got.get("holders")).isPositive();
    assertThat(got.get("mutable")).isEqualTo(false);

    // the put's lookup was recorded
    Map<String, Object> lookup = http.get("/api/lookups/" + p.get("lookup")).json();
    assertThat(lookup.get("kind")).isEqualTo("put");
    assertThat(lookup.get("target")).isEqualTo(p.get("target"));
  }

  @Test
  void putThenGetBinaryBytesAsBase64() throws Exception {
    byte[] value = new byte[996];
    new SplittableRandom(7).nextBytes(value);
    value[0] = (byte) 0xff; // not UTF-8
    String b64 = Base64.getEncoder().encodeToString(value);

    Map<String, Object> p = http.post("/api/items", "{\"base64\": \"" + b64 + "\"}").json();
    assertThat(p.get("target")).isEqualTo(target(value));

    Map<String, Object> got = http.get("/api/items/" + ((String) p.get("target")).toUpperCase()).json();
    assertThat(got.get("base64")).isEqualTo(b64);
    assertThat(got.get("value")).as("not UTF-8: no text").isEqualTo(Json.NULL);
  }

  @Test
  void mutableItemsAreSignedWithANamedKeyFileAndUpdatedWithAHigherSeq() throws Exception {
    Map<String, Object> first =
        http.post("/api/items", "{\"value\": \"first post\", \"key\": \"alice\", \"salt\": \"blog\"}").json();
    assertThat(first.get("mutable")).isEqualTo(true);
    assertThat(first.get("seq")).isEqualTo(1L);
    assertThat(first.get("publicKey")).isEqualTo(alice.publicKeyHex());
    assertThat((Long) first.get("stored")).isPositive();

    Map<String, Object> second =
        http.post("/api/items", "{\"value\": \"second post\", \"key\": \"alice\", \"salt\": \"blog\"}").json();
    assertThat(second.get("seq")).isEqualTo(2L);
    assertThat(second.get("target")).isEqualTo(first.get("target"));

    Map<String, Object> got = http.get("/api/items?key=" + alice.publicKeyHex() + "&salt=blog").json();
    assertThat(got.get("value")).isEqualTo("second post");
    assertThat(got.get("seq")).isEqualTo(2L);
    assertThat(got.get("publicKey")).isEqualTo(alice.publicKeyHex());
    assertThat(got.get("salt")).isEqualTo("blog");

    Map<String, Object> byTarget = http.get("/api/items/" + first.get("target") + "?salt=blog").json();
    assertThat(byTarget.get("value")).isEqualTo("second post");

    String stale =
        assertError(
            http.post("/api/items", "{\"value\": \"old\", \"key\": \"alice\", \"salt\": \"blog\", \"seq\": 1}"), 409);
    assertThat(stale).contains("seq 1 is not newer than the stored seq 2").contains("use seq 3");
  }

  @Test
  @SuppressWarnings("unchecked")
  void storedItemsShowReplicaCounts() throws Exception {
    byte[] value = "replicated item".getBytes(StandardCharsets.UTF_8);
    http.post("/api/items", "{\"value\": \"replicated item\"}");
    Http many = new Http(all.uri());

    int holders = 0;
    for (int i = 0; i < swarm.nodes.size(); i++) {
      Map<String, Object> s = many.get("/api/stored-items?node=" + i).json();
      assertThat(s.get("k")).isEqualTo(8L);
      for (Object o : (List<Object>) s.get("items")) {
        Map<String, Object> item = (Map<String, Object>) o;
        assertThat(item).containsKeys("target", "mutable", "bytes", "seq", "replicas");
        if (item.get("target").equals(target(value))) {
          holders++;
          assertThat(item.get("bytes")).isEqualTo((long) value.length);
          Object replicas = item.get("replicas");
          assertThat(replicas == Json.NULL || (Long) replicas >= 0).as("replicas %s", replicas).isTrue();
        }
      }
    }
    assertThat(holders).as("nodes listing the item").isPositive();
  }

  // ------------------------------------------------------------------ peers, announce, ping, lookups

  @Test
  @SuppressWarnings("unchecked")
  void announceThenGetPeersFindsUs() throws Exception {
    String infoHash = NodeId.random(new SplittableRandom(42)).toString();
    Map<String, Object> a = http.post("/api/announce", "{\"infohash\": \"" + infoHash + "\", \"port\": 4242}").json();
    assertThat((Long) a.get("stored")).isPositive();
    assertThat(a.get("port")).isEqualTo(4242L);

    Http other = new Http(all.uri());
    Map<String, Object> peers = other.get("/api/peers/" + infoHash + "?node=5").json();
    String expected = swarm.node(0).localEndpoint().address().getHostAddress() + ":4242";
    assertThat((List<Object>) peers.get("peers")).contains(expected);
    assertThat(peers.get("infohash")).isEqualTo(infoHash);
    assertThat(((Number) peers.get("firstPeersMillis")).doubleValue()).isPositive();
    Map<String, Object> none = other.get("/api/peers/" + NodeId.random(new SplittableRandom(43)) + "?node=5").json();
    assertThat(none.get("firstPeersMillis")).isEqualTo(Json.NULL); // nobody announced it

    Map<String, Object> lookup = other.get("/api/lookups/" + peers.get("lookup")).json();
    assertThat(lookup.get("kind")).isEqualTo("get_peers");
    assertThat(lookup.get("node")).isEqualTo(5L);
  }

  @Test
  void pingAnotherNode() throws Exception {
    Map<String, Object> pong =
        http.post("/api/ping", "{\"address\": \"" + swarm.node(2).localEndpoint() + "\"}").json();

    assertThat(pong.get("id")).isEqualTo(swarm.node(2).id().toString());
    assertThat(pong.get("address")).isEqualTo(swarm.node(2).localEndpoint().toString());
    assertThat(((Number) pong.get("rttMillis")).doubleValue()).isGreaterThanOrEqualTo(0);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aLookupIsRecordedWithItsStartSetResultAndDistances() throws Exception {
    NodeId target = swarm.node(7).id();
    Map<String, Object> l = http.post("/api/lookups", "{\"target\": \"" + target + "\"}").json();

    assertThat(l.get("kind")).isEqualTo("find_node");
    assertThat(l.get("target")).isEqualTo(target.toString());
    assertThat((Long) l.get("rounds")).isPositive();
    assertThat((Long) l.get("messagesSent")).isPositive();
    List<Object> closest = (List<Object>) l.get("closest");
    assertThat(closest).isNotEmpty();
    Map<String, Object> nearest = (Map<String, Object>) closest.get(0);
    assertThat(nearest.get("id")).as("the target node itself answers").isEqualTo(target.toString());
    assertThat(nearest.get("distanceBits")).isEqualTo(0L);
    assertThat((List<Object>) l.get("start")).isNotEmpty();
    // round 0: the start set; then every round with the nodes asked, their outcome and distance
    List<Object> steps = (List<Object>) l.get("steps");
    assertThat(l.get("perRoundRecorded")).isEqualTo(true);
    assertThat(((Map<String, Object>) steps.get(0)).get("round")).isEqualTo(0L);
    assertThat(((Map<String, Object>) steps.get(1)).get("round")).isEqualTo(1L);
    long asked = 0;
    for (Object o : steps.subList(1, steps.size())) {
      for (Object c : (List<Object>) ((Map<String, Object>) o).get("contacts")) {
        Map<String, Object> q = (Map<String, Object>) c;
        assertThat(q.get("outcome")).isIn("replied", "timed_out", "failed", "pending");
        assertThat(q).containsKeys("id", "address", "distanceBits", "log2Distance", "sentMillis", "rttMillis");
        asked++;
      }
    }
    assertThat(asked).isEqualTo(l.get("messagesSent"));
    assertThat(((Map<String, Object>) steps.get(steps.size() - 1)).get("round")).isEqualTo(l.get("rounds"));

    Map<String, Object> again = http.get("/api/lookups/" + l.get("id")).json();
    assertThat(again).isEqualTo(l);
    List<Object> list = (List<Object>) http.get("/api/lookups").json().get("lookups");
    assertThat(((Map<String, Object>) list.get(0)).get("id")).isEqualTo(l.get("id"));

    Map<String, Object> random = http.post("/api/lookups", "{}").json();
    assertThat((String) random.get("target")).hasSize(40);
  }

  /**
   * A node that knows only node 3 looks up node 7: round 1 asks node 3 (from our routing table, no source); every
   * later contact was learned from a node that answered in the round before, and says so.
   */
  @Test
  @SuppressWarnings("unchecked")
  void eachQueryOfALookupNamesTheNodeThatToldUsOfIt() throws Exception {
    Dht lonely = Dht.builder().bindAddress(Endpoint.parseAddress("127.0.3.30")).config(DhtConfig.privateNetwork()).start();
    try (HttpApi api = HttpApi.builder(lonely).bind(loopback(0)).start()) {
      lonely.ping(swarm.node(3).localEndpoint()).get(ApiSwarm.TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
      NodeId target = swarm.node(7).id();
      Map<String, Object> l = new Http(api.uri()).post("/api/lookups", "{\"target\": \"" + target + "\"}").json();

      assertThat((Long) l.get("rounds")).isGreaterThanOrEqualTo(2);
      Map<String, Long> roundOf = new java.util.HashMap<>();
      Map<String, String> outcomeOf = new java.util.HashMap<>();
      List<Map<String, Object>> queried = new java.util.ArrayList<>();
      for (Object o : (List<Object>) l.get("steps")) {
        Map<String, Object> step = (Map<String, Object>) o;
        if ((Long) step.get("round") == 0) {
          continue; // the start set
        }
        for (Object c : (List<Object>) step.get("contacts")) {
          Map<String, Object> q = (Map<String, Object>) c;
          assertThat(q).containsKey("learnedFrom");
          roundOf.put((String) q.get("id"), (Long) step.get("round"));
          outcomeOf.put((String) q.get("id"), (String) q.get("outcome"));
          q.put("round", step.get("round"));
          queried.add(q);
        }
      }
      long learned = 0;
      for (Map<String, Object> q : queried) {
        Object source = q.get("learnedFrom");
        Map<String, Object> from = source == Json.NULL ? null : (Map<String, Object>) source;
        if ((Long) q.get("round") == 1) {
          assertThat(q.get("id")).as("round 1: our only contact").isEqualTo(swarm.node(3).id().toString());
          assertThat(from).as("a start contact has no source").isNull();
          continue;
        }
        assertThat(from).as("source of %s", q.get("id")).isNotNull();
        String fromId = (String) from.get("id");
        assertThat(roundOf.get(fromId)).as("the source was asked the round before").isEqualTo((Long) q.get("round") - 1);
        assertThat(outcomeOf.get(fromId)).as("and answered").isEqualTo("replied");
        assertThat(from).containsKeys("address", "distanceBits", "log2Distance");
        if ((Long) q.get("round") == 2) {
          assertThat(fromId).isEqualTo(swarm.node(3).id().toString());
        }
        learned++;
      }
      assertThat(learned).isEqualTo(queried.size() - 1).isPositive();
    } finally {
      lonely.close();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void openApiDescribesEveryEndpoint() throws Exception {
    Http.Answer a = http.get("/api/openapi.json");
    assertThat(a.contentType()).startsWith("application/json");
    Map<String, Object> paths = (Map<String, Object>) a.json().get("paths");

    assertThat(paths)
        .containsKeys(
            "/api/node", "/api/nodes", "/api/stats", "/api/routing-table", "/api/stored-items",
            "/api/peers/{infohash}", "/api/announce", "/api/ping", "/api/items", "/api/items/{target}",
            "/api/lookups", "/api/lookups/{id}", "/api/openapi.json", "/metrics");
    assertThat((Map<String, Object>) paths.get("/api/items")).containsKeys("get", "post");
  }

  @Test
  void dashboardAssetsAreServed() throws Exception {
    Http.Answer index = http.get("/");
    assertThat(index.status()).isEqualTo(200);
    assertThat(index.contentType()).startsWith("text/html");
    assertThat(index.body()).contains("/dashboard/app.js").doesNotContain("https://");
    assertThat(http.get("/dashboard/app.js").contentType()).startsWith("text/javascript");
    assertThat(http.get("/dashboard/style.css").contentType()).startsWith("text/css");
    assertError(http.get("/dashboard/nothing.js"), 404);
    assertError(http.get("/dashboard/..%2Fapi%2Fopenapi.json"), 404);
  }

  // ------------------------------------------------------------------ errors

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"value\": \"x\",}",
        "{value: \"x\"}",
        "{\"value\": 'x'}",
        "{\"value\": \"x\"",
        "[1, 2",
        "{\"value\": \"x\"} trailing",
        "nul",
        "{\"value\": \"a\\qb\"}",
        "{\"port\": 012}",
      })
  void malformedJsonIs400WithThePosition(String body) throws Exception {
    String message = assertError(http.post("/api/items", body), 400);

    assertThat(message).startsWith("malformed JSON at line 1, column ");
  }

  @Test
  void nonObjectsEmptyBodiesAndNonUtf8Are400() throws Exception {
    assertThat(assertError(http.post("/api/items", "[1]"), 400)).isEqualTo("expected a JSON object, got an array");
    assertThat(assertError(http.post("/api/items", ""), 400)).startsWith("empty request body");
    assertThat(assertError(http.post("/api/announce", "{}"), 400)).isEqualTo("\"infohash\" is required");
    Http.Answer latin1 =
        http.method("POST", "/api/items", new String(new byte[] {'{', '"', (byte) 0xe9, '"', '}'}, StandardCharsets.ISO_8859_1), "application/json; charset=iso-8859-1");
    assertError(latin1, 400);
  }

  @Test
  void badHexIs400() throws Exception {
    assertThat(assertError(http.get("/api/peers/xyz"), 400))
        .isEqualTo("info-hash must be 40 hex digits, got 'xyz' (3 characters)");
    assertThat(assertError(http.get("/api/items/" + "g".repeat(40)), 400)).startsWith("target must be 40 hex digits");
    assertThat(assertError(http.post("/api/announce", "{\"infohash\": \"abcd\", \"port\": 1}"), 400))
        .startsWith("infohash must be 40 hex digits");
    assertThat(assertError(http.get("/api/items?key=beef"), 400)).startsWith("key must be 64 hex digits");
    assertThat(assertError(http.post("/api/lookups", "{\"target\": \"0123\"}"), 400)).startsWith("target must be 40");
  }

  @Test
  void badFieldsAre400() throws Exception {
    assertThat(assertError(http.post("/api/items", "{\"value\": \"x\", \"colour\": 1}"), 400))
        .startsWith("unknown field \"colour\"");
    assertThat(assertError(http.post("/api/items", "{\"value\": 5}"), 400)).isEqualTo("\"value\" must be a string, got a number");
    assertThat(assertError(http.post("/api/items", "{\"value\": \"a\", \"base64\": \"YQ==\"}"), 400))
        .contains("not both");
    assertThat(assertError(http.post("/api/items", "{\"base64\": \"not base64!\"}"), 400)).startsWith("base64 is not valid");
    assertThat(assertError(http.post("/api/items", "{\"value\": \"x\", \"salt\": \"s\"}"), 400)).contains("give \"key\" too");
    assertThat(assertError(http.post("/api/items", "{\"value\": \"x\", \"key\": \"../alice\"}"), 400))
        .startsWith("key must be the name of a key file");
    assertThat(assertError(http.post("/api/items", "{\"value\": \"x\", \"key\": \"bob\"}"), 400)).startsWith("no key named 'bob'");
    assertThat(assertError(http.post("/api/items", "{\"value\": \"x\", \"key\": \"broken\"}"), 400)).startsWith("key 'broken': ");
    assertThat(assertError(http.post("/api/items", "{\"value\": \"x\", \"key\": \"alice\", \"salt\": \"" + "s".repeat(65) + "\"}"), 400))
        .isEqualTo("salt is 65 bytes; BEP 44 allows at most 64");
    assertThat(assertError(http.post("/api/items", "{\"value\": \"x\", \"key\": \"alice\", \"seq\": 1.5}"), 400))
        .isEqualTo("\"seq\" must be an integer within 64 bits");
    assertThat(assertError(http.post("/api/announce", "{\"infohash\": \"" + "a".repeat(40) + "\", \"port\": 70000}"), 400))
        .startsWith("port must be 0..65535");
    assertThat(assertError(http.post("/api/ping", "{\"address\": \"nowhere\"}"), 400)).startsWith("address 'nowhere' is not IP:PORT");
    assertThat(assertError(http.get("/api/lookups/abc"), 400)).isEqualTo("lookup id must be a number, got 'abc'");
    assertThat(assertError(http.get("/api/items"), 400)).startsWith("give ?key=");
    // a daemon without a keys directory cannot sign
    assertThat(assertError(new Http(all.uri()).post("/api/items", "{\"value\": \"x\", \"key\": \"alice\"}"), 400))
        .startsWith("mutable puts need a keys directory");
  }

  @Test
  void unknownTargetsLookupsAndPathsAre404() throws Exception {
    String nobody = NodeId.random(new SplittableRandom(99)).toString();
    assertThat(assertError(http.get("/api/items/" + nobody), 404)).startsWith("not found: " + nobody + " (");
    assertThat(assertError(http.get("/api/items?key=" + "ab".repeat(32) + "&salt=none"), 404)).startsWith("not found: ");
    assertThat(assertError(http.get("/api/lookups/999999"), 404)).startsWith("no lookup 999999");
    assertThat(assertError(http.get("/api/nothing"), 404)).isEqualTo("no such path: /api/nothing (see /api/openapi.json)");
    assertError(http.get("/nothing"), 404);
  }

  @Test
  void oversizeValuesAndBodiesAre413() throws Exception {
    String message = assertError(http.post("/api/items", "{\"value\": \"" + "x".repeat(997) + "\"}"), 413);
    assertThat(message).isEqualTo("value is 997 bytes; BEP 44 allows at most 1000 bytes bencoded, that is 996 bytes of data");
    byte[] big = new byte[997];
    assertError(http.post("/api/items", "{\"base64\": \"" + Base64.getEncoder().encodeToString(big) + "\"}"), 413);
    assertThat(assertError(http.post("/api/items", "{\"value\": \"" + "y".repeat(20_000) + "\"}"), 413))
        .isEqualTo("request body over 16384 bytes");
  }

  @Test
  void wrongMethodsAre405WithAllow() throws Exception {
    Http.Answer a = http.method("DELETE", "/api/node", null, null);
    assertThat(assertError(a, 405)).isEqualTo("method DELETE is not allowed on /api/node (allowed: GET)");
    assertThat(a.raw().headers().firstValue("Allow")).contains("GET");

    Http.Answer b = http.get("/api/announce");
    assertError(b, 405);
    assertThat(b.raw().headers().firstValue("Allow")).contains("POST");
    assertThat(http.method("PUT", "/api/items", "{}", "application/json").raw().headers().firstValue("Allow"))
        .contains("POST, GET");
    assertError(http.post("/metrics", "{}"), 405);
  }

  @Test
  void postsMustBeJson() throws Exception {
    String message = assertError(http.method("POST", "/api/items", "{\"value\": \"x\"}", "text/plain"), 415);
    assertThat(message).contains("Content-Type: application/json");
    assertError(http.method("POST", "/api/items", "{\"value\": \"x\"}", null), 415);
  }

  @Test
  void withoutATokenOnlyLoopbackHostNamesAreServed() throws Exception {
    String evil = Http.rawGet(daemon.address(), "/api/node", "evil.example:80");
    assertThat(evil).startsWith("HTTP/1.1 403").contains("is not a loopback name");
    assertThat(Http.rawGet(daemon.address(), "/api/node", "localhost:8080")).startsWith("HTTP/1.1 200");
    assertThat(Http.rawGet(daemon.address(), "/api/node", "127.0.0.1")).startsWith("HTTP/1.1 200");
    assertThat(HttpApi.isLoopbackHost("[::1]:80")).isTrue();
    assertThat(HttpApi.isLoopbackHost("127.0.0.1.evil.example")).isFalse();
  }

  @Test
  void aTokenIsRequiredWhereConfigured() throws Exception {
    Http none = new Http(guarded.uri());
    Http.Answer missing = none.get("/api/node");
    assertThat(assertError(missing, 401)).startsWith("missing bearer token");
    assertThat(missing.raw().headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"dht\"");
    assertThat(assertError(new Http(guarded.uri(), "wrong").get("/api/node"), 401)).isEqualTo("wrong bearer token");
    assertError(none.get("/metrics"), 401);

    Http right = new Http(guarded.uri(), "s3cret-token");
    assertThat(right.get("/api/node").json().get("id")).isEqualTo(swarm.node(1).id().toString());
    assertThat(right.get("/metrics").status()).isEqualTo(200);
    assertThat(none.get("/").status()).as("the dashboard page itself holds no data").isEqualTo(200);
  }

  @Test
  void aNonLoopbackAddressWithoutATokenIsRefused() {
    assertThatThrownBy(
            () -> HttpApi.builder(swarm.node(0)).bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0)).start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a loopback address: give a bearer token");
  }

  @Test
  void bindAddressesParse() {
    assertThat(HttpApi.parseBind("127.0.0.1:8080")).isEqualTo(loopback(8080));
    assertThat(HttpApi.parseBind("localhost:0").getPort()).isZero();
    assertThat(HttpApi.parseBind("[::1]:9000").getAddress().isLoopbackAddress()).isTrue();
    for (String bad : List.of("8080", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:70000", "::1:80", "example.com:80")) {
      assertThatThrownBy(() -> HttpApi.parseBind(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void theClientReportsApiErrorsAndUnreachableDaemons() throws Exception {
    ApiClient client = new ApiClient(daemon.uri().toString(), java.util.Optional.empty(), java.time.Duration.ofSeconds(30));
    assertThat(client.get("api/node").get("id")).isEqualTo(swarm.node(0).id().toString());
    assertThatThrownBy(() -> client.get("api/peers/xyz"))
        .isInstanceOfSatisfying(ApiClient.Failure.class, f -> assertThat(f.status()).isEqualTo(400))
        .hasMessageStartingWith("info-hash must be 40 hex digits");

    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    ApiClient nobody = new ApiClient("http://127.0.0.1:" + closedPort, java.util.Optional.empty(), java.time.Duration.ofSeconds(5));
    assertThatThrownBy(() -> nobody.get("api/node"))
        .isInstanceOfSatisfying(ApiClient.Failure.class, f -> assertThat(f.status()).isZero())
        .hasMessageStartingWith("cannot reach the daemon at http://127.0.0.1:" + closedPort);
    assertThatThrownBy(() -> new ApiClient("ftp://x", java.util.Optional.empty(), java.time.Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void valuesOfHexKeysAreCaseInsensitive() throws Exception {
    byte[] pub = alice.publicKey();
    assertThat(HEX.formatHex(pub).toUpperCase()).hasSize(64);
    // an unknown upper-case key is parsed (404), not refused as bad hex
    assertError(http.get("/api/items?key=" + "AB".repeat(32)), 404);
  }
}
