package io.dht.interop;

import static io.dht.interop.InteropFixtures.endpoints;
import static io.dht.interop.InteropFixtures.get;
import static io.dht.interop.InteropFixtures.startJava;
import static io.dht.interop.InteropFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.Dht;
import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.MutableItem;
import io.dht.item.Sha1;
import io.dht.keys.SigningKeyPair;
import io.dht.node.NodeStats;
import io.dht.node.PutResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * BEP 44 interop on loopback between our node ({@link Dht}) and webtorrent {@code bittorrent-dht} ({@link
 * JsDhtCluster}): immutable and mutable items put by one side and read by the other, a mutable item updated
 * alternately by both, and the sizes where the two disagree.
 *
 * <p>Topology: Java node A (127.0.0.181) starts alone, the four JS nodes (127.0.0.185-188) bootstrap through it,
 * Java nodes B and C (127.0.0.182, .183) bootstrap through JS nodes 0 and 1. Skipped when node/npm are missing,
 * failed instead under {@code DHT_REQUIRE_PEERS=1}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BittorrentDhtItemsInteropTest {
  private static final int JS_NODES = 4;
  private static final int JS_HOST_BASE = 185;
  private static final Duration CLASS_BUDGET = Duration.ofSeconds(120);
  private static final HexFormat HEX = HexFormat.of();
  private static final String SALT = "js-salt";
  private static final String SEQ3 = "mutable from Java, seq 3";

  private static JsDhtCluster js;
  private static Dht javaA;
  private static Dht javaB;
  private static Dht javaC;
  private static final List<Dht> JAVA = new ArrayList<>();
  private static final SigningKeyPair KEY = SigningKeyPair.generate();
  private static long classStartNanos;
  private static String skipReason;

  @RegisterExtension
  static final TestWatcher DIAGNOSE_FAILURES =
      InteropFixtures.diagnoseFailures("bittorrent-dht BEP 44", BittorrentDhtItemsInteropTest::diagnostics);

  @BeforeAll
  @Timeout(value = 400, unit = TimeUnit.SECONDS) // a first npm install is bounded at 5 minutes by itself
  static void startNodes() {
    Path dir;
    try {
      dir = JsDhtCluster.install();
    } catch (JsDhtCluster.UnavailableException e) {
      skipReason = JsDhtCluster.skipReasonOrFail(e);
      System.out.println("[js-items] " + skipReason);
      return;
    }
    classStartNanos = System.nanoTime();
    javaA = startJava("127.0.0.181", List.of(), JAVA);
    js = JsDhtCluster.start(dir, JS_NODES, JS_HOST_BASE, List.of(javaA.localEndpoint()));
    List<Endpoint> seeds = js.endpoints().subList(0, 2);
    javaB = startJava("127.0.0.182", seeds, JAVA);
    javaC = startJava("127.0.0.183", seeds, JAVA);
    get(javaB.bootstrap(), "bootstrap of Java B through JS");
    get(javaC.bootstrap(), "bootstrap of Java C through JS");
    System.out.printf("[js-items] set up in %d ms%n", elapsedMillis());
  }

  @BeforeEach
  void requirePeer() {
    Assumptions.assumeTrue(skipReason == null, () -> skipReason);
    InteropFixtures.assertWithinBudget(classStartNanos, CLASS_BUDGET, "time used since the setup started");
  }

  @AfterEach
  void noInternalErrors() {
    InteropFixtures.assertNoInternalErrors(JAVA);
  }

  @AfterAll
  static void stopNodes() {
    InteropFixtures.stopNodes("js-items", JAVA, js, classStartNanos);
  }

  /** JS node indexes that keep {@code target}, with the seq they keep ("node:seq"; seq "-" for immutable). */
  private static List<String> jsHolders(NodeId target) {
    return js.stored(target.toString()).stream()
        .map(h -> h.number("node") + ":" + (h.has("seq") ? Long.toString(h.number("seq")) : "-"))
        .toList();
  }

  // ------------------------------------------------------------------ immutable

  @Test
  @Order(1)
  @Timeout(30)
  void javaImmutableItemIsReadByJs() {
    byte[] value = utf8("immutable from Java " + System.nanoTime());
    PutResult put = get(javaB.putImmutable(value), "Java B put");
    System.out.println("[js-items] Java immutable put stored on " + endpoints(put));
    assertThat(endpoints(put)).as("nodes that stored our put").containsAll(js.endpoints());
    assertThat(jsHolders(put.target())).as("JS nodes keeping it").hasSize(JS_NODES);

    Optional<JsDhtCluster.JsItem> got = js.get(2, put.target().toString(), null);
    assertThat(got).as("JS get of %s", put.target()).isPresent();
    assertThat(got.get().value()).isEqualTo(value);
  }

  @Test
  @Order(2)
  @Timeout(30)
  void jsImmutableItemIsReadByJava() {
    byte[] value = utf8("immutable from JS " + System.nanoTime());
    JsDhtCluster.JsPut put = js.put(1, value);
    NodeId target = Sha1.of(Bencode.encode(BString.of(value)));
    System.out.println("[js-items] JS immutable put: " + put);
    assertThat(put.target()).isEqualTo(target.toString());
    assertThat(put.hits()).isPositive();

    Dht.GetResult got = get(javaC.get(target), "Java C get");
    assertThat(got.value()).as("Java C's get of %s", target).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
    assertThat(got.holders()).isPositive();
  }

  // ------------------------------------------------------------------ mutable

  @Test
  @Order(3)
  @Timeout(30)
  void javaMutableItemIsReadByJs() {
    byte[] value = utf8("mutable from Java, seq 1");
    PutResult put = get(javaA.putMutable(KEY, utf8(SALT), 1, value), "Java A mutable put");
    System.out.println("[js-items] Java mutable put stored on " + endpoints(put));
    // bittorrent-dht verifies the signature before storing (and drops a bad one silently): storing is acceptance.
    assertThat(endpoints(put)).as("nodes that stored our mutable put").containsAll(js.endpoints());
    assertThat(jsHolders(put.target())).as("JS nodes keeping it").hasSize(JS_NODES).allMatch(h -> h.endsWith(":1"));

    JsDhtCluster.JsItem got =
        js.get(3, put.target().toString(), SALT).orElseThrow(() -> new AssertionError("JS found nothing"));
    assertThat(got.value()).isEqualTo(value);
    assertThat(got.seq()).hasValue(1);
    assertThat(got.publicKeyHex()).isEqualTo(KEY.publicKeyHex());
  }

  @Test
  @Order(4)
  @Timeout(30)
  void jsUpdatesTheJavaItemWithTheSameKeyAndJavaReadsIt() {
    byte[] value = utf8("mutable from JS, seq 2");
    JsDhtCluster.JsPut put = js.mput(0, KEY.seed(), SALT, 2, value, -1);
    System.out.println("[js-items] JS mutable put: " + put);
    // Node's crypto derives the same public key from our seed: the key formats agree.
    assertThat(put.publicKeyHex()).isEqualTo(KEY.publicKeyHex());
    assertThat(put.target()).isEqualTo(MutableItem.target(KEY.publicKey(), utf8(SALT)).toString());
    assertThat(put.hits()).isPositive();

    Dht.GetResult got = get(javaB.getMutable(KEY.publicKey(), utf8(SALT)), "Java B get");
    assertThat(got.seq()).hasValue(2);
    assertThat(got.value()).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
    assertThat(got.holders()).as("nodes reporting seq 2").isGreaterThanOrEqualTo(2);
  }

  @Test
  @Order(5)
  @Timeout(30)
  void javaUpdatesAgainWithCasAndJsReadsIt() {
    byte[] value = utf8("mutable from Java, seq 3");
    PutResult put = get(javaC.putMutable(KEY, utf8(SALT), 3, value, OptionalLong.of(2)), "Java C cas put");
    assertThat(endpoints(put)).as("nodes that stored seq 3 with cas 2").isNotEmpty();
    JsDhtCluster.JsItem got = js.get(1, put.target().toString(), SALT).orElseThrow();
    assertThat(got.seq()).hasValue(3);
    assertThat(got.value()).isEqualTo(value);
  }

  @Test
  @Order(6)
  @Timeout(30)
  void jsRefusesARefreshWithTheSameSeq() {
    // BEP 44: a put with the stored seq and the same value only refreshes the item. bittorrent-dht answers 302
    // ("sequence number less than current") instead, so a republish of an unchanged mutable item (a durable put,
    // a holder's repair) is refused by the JS nodes that hold it. Harmless (they keep their copy), but they are
    // then missing from the put's storedOn.
    MutableItem current = MutableItem.sign(KEY.seed(), KEY.publicKey(), utf8(SALT), 3, utf8(SEQ3));
    List<Endpoint> jsWithSeq3 = new ArrayList<>();
    for (JsonLine h : js.stored(current.target().toString())) {
      if (h.has("seq") && h.number("seq") == 3) {
        jsWithSeq3.add(js.endpoints().get((int) h.number("node")));
      }
    }
    assertThat(jsWithSeq3).as("JS nodes holding seq 3").isNotEmpty();
    long errorsBefore = JAVA.stream().mapToLong(d -> get(d.stats(), "stats").errorsIn()).sum();

    PutResult again = get(javaA.putMutable(KEY, utf8(SALT), 3, utf8(SEQ3)), "same-seq re-put");
    System.out.println("[js-items] same-seq re-put stored on " + endpoints(again) + "; JS with seq 3: " + jsWithSeq3);
    assertThat(endpoints(again))
        .as("JS nodes that held seq 3 refuse the refresh")
        .doesNotContainAnyElementsOf(jsWithSeq3);
    assertThat(JAVA.stream().mapToLong(d -> get(d.stats(), "stats").errorsIn()).sum() - errorsBefore)
        .as("KRPC errors (302) received for the re-put")
        .isGreaterThanOrEqualTo(jsWithSeq3.size());
    List<Endpoint> javaEndpoints =
        JAVA.stream().map(Dht::localEndpoint).filter(e -> !e.equals(javaA.localEndpoint())).toList();
    assertThat(endpoints(again)).as("our nodes accept the refresh").containsAll(javaEndpoints);
  }

  @Test
  @Order(7)
  @Timeout(30)
  void jsUnsaltedMutableItemIsReadByJava() {
    SigningKeyPair fresh = SigningKeyPair.generate();
    byte[] value = utf8("unsalted, from JS");
    JsDhtCluster.JsPut put = js.mput(2, fresh.seed(), null, 7, value, -1);
    assertThat(put.target()).isEqualTo(Sha1.of(fresh.publicKey()).toString());
    Dht.GetResult got = get(javaA.get(Sha1.of(fresh.publicKey())), "Java A get by target");
    assertThat(got.seq()).hasValue(7);
    assertThat(got.value()).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
  }

  @Test
  @Order(8)
  @Timeout(30)
  void ourGetRepliesCarryTheItemExactly() {
    // One raw get from JS to Java B (which stored Java C's seq 3; C, the publisher, did not store its own put) for
    // the mutable item: the reply's k, seq, sig and bencoded v, byte for byte.
    MutableItem expected = MutableItem.sign(KEY.seed(), KEY.publicKey(), utf8(SALT), 3, utf8(SEQ3));
    JsonLine r = js.getQuery(0, javaB.localEndpoint(), expected.target().toString(), OptionalLong.empty());
    assertThat(r.bool("ok")).as("reply %s", r).isTrue();
    assertThat(r.strings("rkeys")).contains("id", "token", "k", "seq", "sig", "v");
    assertThat(r.string("k")).hasValue(KEY.publicKeyHex());
    assertThat(r.number("seq")).isEqualTo(3);
    assertThat(r.string("sig")).hasValue(HEX.formatHex(expected.signature().toByteArray()));
    assertThat(r.string("vhex")).hasValue(HEX.formatHex(expected.value().toByteArray()));

    // With seq >= ours in the query, BEP 44 says: no k, v, sig (still seq).
    JsonLine current = js.getQuery(0, javaB.localEndpoint(), expected.target().toString(), OptionalLong.of(3));
    assertThat(current.strings("rkeys")).contains("seq").doesNotContain("v", "k", "sig");
  }

  // ------------------------------------------------------------------ sizes

  @Test
  @Order(9)
  @Timeout(30)
  void largestValueGoesBothWays() {
    byte[] max = new byte[Dht.MAX_DATA_BYTES]; // 996 bytes: exactly 1000 bencoded
    for (int i = 0; i < max.length; i++) {
      max[i] = (byte) ('a' + i % 26);
    }
    PutResult put = get(javaA.putImmutable(max), "Java put of 996 bytes");
    assertThat(endpoints(put)).containsAll(js.endpoints());
    assertThat(js.get(3, put.target().toString(), null)).hasValueSatisfying(i -> assertThat(i.value()).isEqualTo(max));

    max[0] = 'Z';
    JsDhtCluster.JsPut jsPut = js.put(2, max);
    Dht.GetResult got = get(javaB.get(NodeId.parseHex(jsPut.target())), "Java get of JS 996 bytes");
    assertThat(got.value()).hasValueSatisfying(v -> assertThat(v).isEqualTo(max));
  }

  @Test
  @Order(10)
  @Timeout(30)
  void jsValuesOverTheBep44LimitAreRefusedByUs() {
    // bittorrent-dht checks the size of the data (put() allows < 1000 bytes, a stored put <= 1000), not of the
    // bencoded v that BEP 44 limits to 1000 bytes: 999 bytes of data are 1003 bytes bencoded. We refuse to store
    // such an item (error 205) and ignore it in get replies; the JS nodes keep it among themselves.
    byte[] big = new byte[999];
    java.util.Arrays.fill(big, (byte) 'x');
    long errorsBefore = JAVA.stream().mapToLong(d -> get(d.stats(), "stats").errorsSent()).sum();
    JsDhtCluster.JsPut put = js.put(1, big);
    NodeId target = NodeId.parseHex(put.target());
    System.out.println("[js-items] JS put of 999 bytes: " + put + "; JS holders " + jsHolders(target));
    assertThat(jsHolders(target)).as("JS nodes keep it").isNotEmpty();
    long errorsAfter = JAVA.stream().mapToLong(d -> get(d.stats(), "stats").errorsSent()).sum();
    assertThat(errorsAfter).as("error replies (205) our nodes sent to JS's put").isGreaterThan(errorsBefore);
    assertThat(get(javaC.get(target), "Java get of the oversize item").found()).isFalse();
    // The refusal on the wire: v is "999:xxx..." (1003 bytes), our reply is error 205.
    JsonLine direct = js.putQuery(0, javaA.localEndpoint(), big);
    assertThat(direct.bool("ok")).as("reply %s", direct).isFalse();
    assertThat(direct.number("code")).as("error code in %s", direct).isEqualTo(205);
    assertThat(direct.string("error")).hasValueSatisfying(e -> assertThat(e).contains("1003"));
    // The same direct put with 996 bytes (1000 bencoded) is stored.
    JsonLine fits = js.putQuery(0, javaA.localEndpoint(), java.util.Arrays.copyOf(big, Dht.MAX_DATA_BYTES));
    assertThat(fits.bool("ok")).as("reply %s", fits).isTrue();
    assertThat(js.get(0, put.target(), null)).as("JS reads it back itself").isPresent();
  }

  @Test
  @Order(11)
  @Timeout(10)
  void noUnexpectedProtocolErrors() {
    for (Dht d : JAVA) {
      NodeStats s = InteropFixtures.printErrorCounters("js-items", d);
      assertThat(s.undecodable()).as("undecodable datagrams at %s", d).isZero();
    }
    assertThat(js.warningsAndErrors()).as("bittorrent-dht warnings and errors").isEmpty();
  }

  // ------------------------------------------------------------------ helpers

  private static long elapsedMillis() {
    return InteropFixtures.elapsedMillis(classStartNanos);
  }

  static String diagnostics() {
    StringBuilder sb = new StringBuilder();
    InteropFixtures.appendStats(sb, JAVA);
    if (js != null) {
      sb.append(js.diagnostics());
    }
    return sb.toString();
  }
}
