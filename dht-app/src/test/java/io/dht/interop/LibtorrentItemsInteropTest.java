package io.dht.interop;

import static io.dht.interop.InteropFixtures.awaitTrue;
import static io.dht.interop.InteropFixtures.endpoints;
import static io.dht.interop.InteropFixtures.get;
import static io.dht.interop.InteropFixtures.startJava;
import static io.dht.interop.InteropFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.Dht;
import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.id.Contact;
import io.dht.id.NodeId;
import io.dht.item.MutableItem;
import io.dht.item.Sha1;
import io.dht.keys.SigningKeyPair;
import io.dht.node.NodeStats;
import io.dht.node.PutResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
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
 * BEP 44 interop on loopback between our node ({@link Dht}) and libtorrent-rasterbar 2.0.8 ({@link LibtorrentPeer}):
 * immutable and mutable items put by one side and read by the other, and a mutable item updated alternately by
 * both (libtorrent's {@code dht_put_mutable_item} reads the current seq first, so its seq tells that it accepted
 * ours).
 *
 * <p>Topology: Java nodes A, B, C (127.0.0.201-203); B and C bootstrap through A. libtorrent (127.0.0.211) starts
 * with A as its router and B, C handed to add_dht_node. Skipped when {@code /usr/bin/python3} cannot import
 * libtorrent, failed instead under {@code DHT_REQUIRE_PEERS=1}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LibtorrentItemsInteropTest {
  private static final String LT_HOST = "127.0.0.211";
  private static final Duration SETTLE = Duration.ofSeconds(5);
  private static final Duration FIND = Duration.ofSeconds(15);
  /** Budget of the whole class from the start of the setup (a normal run takes a few seconds). */
  private static final Duration CLASS_BUDGET = Duration.ofSeconds(90);
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] SALT = "lt-salt".getBytes(StandardCharsets.UTF_8);

  private static LibtorrentPeer lt;
  private static Dht javaA;
  private static Dht javaB;
  private static Dht javaC;
  private static final List<Dht> JAVA = new ArrayList<>();
  private static final SigningKeyPair KEY = SigningKeyPair.generate();
  private static long classStartNanos;
  private static String skipReason;

  @RegisterExtension
  static final TestWatcher DIAGNOSE_FAILURES =
      InteropFixtures.diagnoseFailures("libtorrent BEP 44", LibtorrentItemsInteropTest::diagnostics);

  @BeforeAll
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  static void startNodes() {
    String version;
    try {
      version = LibtorrentPeer.probe();
    } catch (LibtorrentPeer.UnavailableException e) {
      skipReason = LibtorrentPeer.skipReasonOrFail(e);
      System.out.println("[lt-items] " + skipReason);
      return;
    }
    classStartNanos = System.nanoTime();
    System.out.println("[lt-items] libtorrent " + version);
    javaA = startJava("127.0.0.201", List.of(), JAVA);
    javaB = startJava("127.0.0.202", List.of(javaA.localEndpoint()), JAVA);
    javaC = startJava("127.0.0.203", List.of(javaA.localEndpoint()), JAVA);
    get(javaB.bootstrap(), "bootstrap of Java B");
    get(javaC.bootstrap(), "bootstrap of Java C");
    lt = LibtorrentPeer.start(
        LT_HOST, List.of(javaA.localEndpoint()), List.of(javaB.localEndpoint(), javaC.localEndpoint()));
    lt.awaitBootstrap(FIND);
    // Every Java node must know libtorrent for its puts to reach it: we learn it from its queries and verify it.
    awaitTrue(
        "every Java node lists libtorrent in its routing table",
        FIND,
        () -> {
          for (Dht d : JAVA) {
            if (!get(d.routingTable(), "table").contains(new Contact(lt.id(), lt.endpoint()))) {
              get(d.ping(lt.endpoint()), "ping of libtorrent");
              return false;
            }
          }
          return true;
        });
    System.out.printf("[lt-items] set up in %d ms: %s%n", elapsedMillis(), lt);
  }

  @BeforeEach
  void requirePeer() {
    Assumptions.assumeTrue(skipReason == null, () -> skipReason);
    assertThat(lt).as("libtorrent peer (see the setup output)").isNotNull();
    InteropFixtures.assertWithinBudget(classStartNanos, CLASS_BUDGET, "time used since the setup started");
  }

  @AfterEach
  void noInternalErrors() {
    InteropFixtures.assertNoInternalErrors(JAVA);
  }

  @AfterAll
  static void stopNodes() {
    InteropFixtures.stopNodes("lt-items", JAVA, lt, classStartNanos);
  }

  // ------------------------------------------------------------------ immutable

  @Test
  @Order(1)
  @Timeout(30)
  void javaImmutableItemIsReadByLibtorrent() {
    byte[] value = utf8("immutable from Java " + System.nanoTime());
    PutResult put = get(javaB.putImmutable(value), "Java B put");
    System.out.println("[lt-items] Java immutable put stored on " + endpoints(put));
    assertThat(endpoints(put)).as("nodes that stored our put").contains(lt.endpoint());

    Optional<byte[]> got = lt.getImmutable(put.target(), FIND);
    assertThat(got).as("libtorrent's get of %s", put.target()).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
  }

  @Test
  @Order(2)
  @Timeout(30)
  void libtorrentImmutableItemIsReadByJava() {
    byte[] value = utf8("immutable from libtorrent " + System.nanoTime());
    LibtorrentPeer.LtPut put = lt.putImmutable(value, FIND);
    NodeId target = Sha1.of(Bencode.encode(BString.of(value)));
    System.out.println("[lt-items] libtorrent immutable put: " + put);
    assertThat(put.target()).as("libtorrent's target = SHA-1 of the bencoded value").isEqualTo(target.toString());
    assertThat(put.numSuccess()).as("nodes that acknowledged libtorrent's put").isPositive();

    Dht.GetResult got = get(javaC.get(target), "Java C get");
    assertThat(got.value()).as("Java C's get of %s", target).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
    assertThat(got.holders()).isPositive();
  }

  // ------------------------------------------------------------------ mutable

  @Test
  @Order(3)
  @Timeout(30)
  void javaMutableItemIsReadByLibtorrent() {
    byte[] value = utf8("mutable from Java, seq 1");
    PutResult put = get(javaA.putMutable(KEY, SALT, 1, value), "Java A mutable put");
    System.out.println("[lt-items] Java mutable put stored on " + endpoints(put));
    assertThat(endpoints(put)).as("nodes that stored our mutable put").contains(lt.endpoint());

    LibtorrentPeer.LtItem got =
        lt.getMutable(KEY.publicKey(), SALT, FIND).orElseThrow(() -> new AssertionError("libtorrent found nothing"));
    assertThat(got.seq()).isEqualTo(1);
    assertThat(got.value()).isEqualTo(value);
    // Ed25519 is deterministic: libtorrent holds (and verified) our very signature.
    MutableItem ours = MutableItem.sign(KEY.seed(), KEY.publicKey(), SALT, 1, value);
    assertThat(got.signatureHex()).isEqualTo(HEX.formatHex(ours.signature().toByteArray()));
  }

  @Test
  @Order(4)
  @Timeout(30)
  void libtorrentUpdatesTheJavaItemAndJavaReadsIt() {
    byte[] value = utf8("mutable from libtorrent, seq 2");
    // libtorrent gets the item first and signs seq = found + 1: seq 2 means it found and accepted our seq 1.
    LibtorrentPeer.LtPut put = lt.putMutable(KEY.seed(), KEY.publicKey(), SALT, value, FIND);
    System.out.println("[lt-items] libtorrent mutable put: " + put);
    assertThat(put.seq()).as("the seq libtorrent chose (ours + 1)").isEqualTo(2);
    assertThat(put.numSuccess()).isPositive();

    Dht.GetResult got = get(javaB.getMutable(KEY.publicKey(), SALT), "Java B get");
    assertThat(got.seq()).hasValue(2);
    assertThat(got.value()).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
    assertThat(got.holders()).isPositive();
  }

  @Test
  @Order(5)
  @Timeout(30)
  void javaUpdatesAgainAndLibtorrentReadsIt() {
    byte[] value = utf8("mutable from Java, seq 3");
    PutResult put = get(javaC.putMutable(KEY, SALT, 3, value), "Java C mutable put");
    assertThat(endpoints(put)).as("nodes that stored seq 3").contains(lt.endpoint());
    LibtorrentPeer.LtItem got = lt.getMutable(KEY.publicKey(), SALT, FIND).orElseThrow();
    assertThat(got.seq()).isEqualTo(3);
    assertThat(got.value()).isEqualTo(value);
  }

  @Test
  @Order(6)
  @Timeout(30)
  void libtorrentUnsaltedMutableItemIsReadByJava() {
    SigningKeyPair fresh = SigningKeyPair.generate();
    byte[] value = utf8("unsalted, from libtorrent");
    LibtorrentPeer.LtPut put = lt.putMutable(fresh.seed(), fresh.publicKey(), new byte[0], value, FIND);
    assertThat(put.seq()).as("first seq libtorrent uses").isEqualTo(1);
    assertThat(put.numSuccess()).isPositive();

    Dht.GetResult got = get(javaA.getMutable(fresh.publicKey(), null), "Java A get");
    assertThat(got.seq()).hasValue(1);
    assertThat(got.value()).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
    assertThat(get(javaB.get(Sha1.of(fresh.publicKey())), "Java B get by target").seq()).hasValue(1);
  }

  @Test
  @Order(7)
  @Timeout(10)
  void noProtocolErrorsEitherWay() {
    assertThat(lt.krpcErrors()).as("KRPC errors libtorrent sent or received").isEmpty();
    for (Dht d : JAVA) {
      NodeStats s = InteropFixtures.printErrorCounters("lt-items", d);
      assertThat(s.errorsSent()).as("error replies sent by %s", d).isZero();
      assertThat(s.errorsIn()).as("KRPC errors received by %s", d).isZero();
      assertThat(s.undecodable()).as("undecodable datagrams at %s", d).isZero();
    }
  }

  // ------------------------------------------------------------------ helpers

  private static long elapsedMillis() {
    return InteropFixtures.elapsedMillis(classStartNanos);
  }

  /** Stats of our nodes, libtorrent's KRPC errors and its last packets with each Java node. */
  static String diagnostics() {
    StringBuilder sb = new StringBuilder();
    InteropFixtures.appendStats(sb, JAVA);
    if (lt != null) {
      try {
        sb.append("libtorrent KRPC errors: ").append(lt.krpcErrors()).append('\n');
        InteropFixtures.appendPackets(sb, lt, JAVA, 10);
      } catch (RuntimeException e) {
        sb.append("libtorrent state unavailable: ").append(e.getMessage()).append('\n');
      }
      sb.append(lt.diagnostics());
    }
    return sb.toString();
  }
}
