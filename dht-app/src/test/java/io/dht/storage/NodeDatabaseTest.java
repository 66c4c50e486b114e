package io.dht.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.Item;
import io.dht.item.MutableItem;
import io.dht.item.Sha1;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Persistence across close and reopen (with ages carried over), bad records, locking, closing. */
class NodeDatabaseTest {
  private static final NodeId SELF = NodeId.parseHex("0123456789abcdef0123456789abcdef01234567");
  private static final long MINUTE = Duration.ofMinutes(1).toNanos();
  private static final long MINUTE_MS = 60_000;
  private static final long ITEM_TTL = 120 * MINUTE;
  private static final long PEER_TTL = 30 * MINUTE;
  private static final NodeId TORRENT = Sha1.of("torrent".getBytes(StandardCharsets.UTF_8));

  @TempDir Path dataDir;

  /** The wall clock, and the monotonic clock of the current "process" (it restarts from an arbitrary base). */
  private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);
  private final AtomicLong mono = new AtomicLong(5_000);

  private NodeDatabase open() {
    return NodeDatabase.open(dataDir, SELF, settings());
  }

  private NodeDatabase.Settings settings() {
    return NodeDatabase.Settings.defaults()
        .withItems(ITEM_TTL, 100)
        .withPeers(PEER_TTL, 1000)
        .withClocks(wall::get, mono::get);
  }

  /** Lets {@code minutes} pass on both clocks. */
  private void advance(long minutes) {
    wall.addAndGet(minutes * MINUTE_MS);
    mono.addAndGet(minutes * MINUTE);
  }

  /** A process restart {@code minutes} later: the wall clock moves on, the monotonic clock starts anew. */
  private void restartAfter(long minutes) {
    wall.addAndGet(minutes * MINUTE_MS);
    mono.set(-777 * MINUTE);
  }

  @Test
  void itemsSurviveAReopenWithTheirAges() {
    Item a = TestItems.immutable("kept");
    MutableItem m = TestItems.mutable(7, "some salt", 42, "mutable value");
    try (NodeDatabase db = open()) {
      assertThat(db.items().put(a, mono.get())).isTrue();
      advance(30);
      assertThat(db.items().put(m, mono.get())).isTrue();
    }
    restartAfter(10); // a was put 40 minutes ago, m 10 minutes ago

    try (NodeDatabase db = open()) {
      long now = mono.get();
      assertThat(db.items().size()).isEqualTo(2);
      assertThat(db.items().targets()).containsExactlyElementsOf(
          Stream.of(a.target(), m.target()).sorted().toList());
      assertThat(db.items().get(a.target(), now)).contains(a);
      assertThat(db.items().get(m.target(), now)).contains(m);
      assertThat(db.items().get(a.target(), now + 80 * MINUTE - 1)).contains(a);
      assertThat(db.items().get(a.target(), now + 80 * MINUTE)).isEmpty();
      assertThat(db.items().get(m.target(), now + 110 * MINUTE - 1)).contains(m);
      db.items().expire(now + 80 * MINUTE);
      assertThat(db.items().targets()).containsExactly(m.target());
    }
  }

  @Test
  void itemsThatExpiredWhileTheNodeWasDownAreDeleted() {
    Item a = TestItems.immutable("old");
    try (NodeDatabase db = open()) {
      db.items().put(a, mono.get());
    }
    restartAfter(120);
    try (NodeDatabase db = open()) {
      assertThat(db.items().size()).isZero();
    }
    wall.addAndGet(-120 * MINUTE_MS); // even with the clock set back, the record is gone
    try (NodeDatabase db = open()) {
      assertThat(db.items().size()).isZero();
    }
  }

  @Test
  void aLowerBoundAtReopenEvictsTheFarthestItems() {
    List<Item> ranked = TestItems.byDistance(SELF, 5);
    try (NodeDatabase db = open()) {
      ranked.forEach(i -> db.items().put(i, mono.get()));
    }
    try (NodeDatabase db = NodeDatabase.open(dataDir, SELF, settings().withItems(ITEM_TTL, 3))) {
      assertThat(db.items().targets())
          .containsExactlyInAnyOrderElementsOf(ranked.subList(0, 3).stream().map(Item::target).toList());
    }
  }

  @Test
  void peersSurviveAReopenWithTheirAgesAndSeedFlags() {
    Endpoint seed = Endpoint.parse("10.0.0.1:6881");
    Endpoint leech = Endpoint.parse("[2001:db8::1]:51413");
    try (NodeDatabase db = open()) {
      PeerStore store = new PeerStore(PEER_TTL, 100, 100);
      store.setJournal(db.peers());
      store.announce(TORRENT, seed, true, mono.get());
      advance(10);
      store.announce(TORRENT, leech, false, mono.get());
    }
    restartAfter(5); // seed announced 15 minutes ago, leech 5

    try (NodeDatabase db = open()) {
      PeerStore store = new PeerStore(PEER_TTL, 100, 100);
      long now = mono.get();
      assertThat(db.peers().restoreInto(store, now)).isEqualTo(2);
      assertThat(store.peers(TORRENT, 10, false, now)).containsExactly(seed);
      assertThat(store.peers(TORRENT, 10, true, now)).containsExactly(leech);
      assertThat(store.scrape(TORRENT, now)).hasValueSatisfying(f -> assertThat(f).hasSize(2));
      assertThat(store.peers(TORRENT, 10, false, now + 15 * MINUTE - 1)).containsExactly(seed);
      assertThat(store.peers(TORRENT, 10, false, now + 15 * MINUTE)).isEmpty();
      assertThat(store.peers(TORRENT, 10, true, now + 25 * MINUTE - 1)).containsExactly(leech);
      // The seed flag came back: with BEP 33's noseed, the seed is not offered while a non-seed fills the room.
      assertThat(store.peerCount()).isEqualTo(2);
    }
  }

  @Test
  void aReannounceOverwritesThePeersRecord() {
    try (NodeDatabase db = open()) {
      db.peers().announced(TORRENT, Endpoint.parse("10.0.0.1:1000"), false);
      advance(20);
      db.peers().announced(TORRENT, Endpoint.parse("10.0.0.1:2000"), true);
    }
    restartAfter(20); // 40 minutes after the first announce, 20 after the second
    try (NodeDatabase db = open()) {
      PeerStore store = new PeerStore(PEER_TTL, 100, 100);
      assertThat(db.peers().restoreInto(store, mono.get())).isEqualTo(1);
      assertThat(store.peers(TORRENT, 10, false, mono.get())).containsExactly(Endpoint.parse("10.0.0.1:2000"));
    }
  }

  @Test
  void expiredPeersAreNotRestoredAndAreDeleted() {
    try (NodeDatabase db = open()) {
      db.peers().announced(TORRENT, Endpoint.parse("10.0.0.1:1000"), false);
    }
    restartAfter(30);
    try (NodeDatabase db = open()) {
      PeerStore store = new PeerStore(PEER_TTL, 100, 100);
      assertThat(db.peers().restoreInto(store, mono.get())).isZero();
      assertThat(store.peerCount()).isZero();
    }
    wall.addAndGet(-30 * MINUTE_MS);
    try (NodeDatabase db = open()) {
      assertThat(db.peers().restoreInto(new PeerStore(PEER_TTL, 100, 100), mono.get())).isZero();
    }
  }

  @Test
  void theJournalKeepsItsBoundDroppingTheOldestAnnounces() {
    try (NodeDatabase db = NodeDatabase.open(dataDir, SELF, settings().withPeers(PEER_TTL, 10))) {
      for (int i = 0; i < 25; i++) {
        db.peers().announced(TORRENT, Endpoint.of(new byte[] {10, 0, 0, (byte) i}, 1000 + i), false);
        wall.incrementAndGet();
      }
      List<Records.StoredPeer> kept = db.peers().prune();
      assertThat(kept).extracting(p -> p.peer().port()).containsExactlyElementsOf(
          java.util.stream.IntStream.range(1015, 1025).boxed().toList());
    }
  }

  @Test
  void corruptRecordsAreSkippedWithAWarningAndDeleted() throws Exception {
    Item good = TestItems.immutable("good");
    Item other = TestItems.immutable("other");
    try (NodeDatabase db = open()) {
      db.items().put(good, mono.get());
      db.peers().announced(TORRENT, Endpoint.parse("10.0.0.1:1000"), false);
      db.putRaw(true, TestItems.immutable("garbage").target().toBytes(), new byte[] {9, 9, 9});
      db.putRaw(true, new byte[] {1, 2, 3}, Records.encodeItem(good, wall.get()));
      db.putRaw(true, other.target().toBytes(), Records.encodeItem(good, wall.get())); // key != target
      db.putRaw(false, new byte[] {1, 2}, new byte[12]);
      db.putRaw(false, Records.peerKey(TORRENT, Endpoint.parse("10.0.0.2:1").address()), new byte[] {1, 2});
    }
    for (int run = 0; run < 2; run++) { // the second open finds them deleted
      try (NodeDatabase db = open()) {
        assertThat(db.items().targets()).containsExactly(good.target());
        assertThat(db.items().get(good.target(), mono.get())).contains(good);
        PeerStore store = new PeerStore(PEER_TTL, 100, 100);
        assertThat(db.peers().restoreInto(store, mono.get())).isEqualTo(1);
      }
    }
  }

  @Test
  void aRecordCorruptedUnderARunningStoreIsDroppedOnGet() throws Exception {
    Item good = TestItems.immutable("good");
    try (NodeDatabase db = open()) {
      db.items().put(good, mono.get());
      db.putRaw(true, good.target().toBytes(), new byte[] {1, 0});
      assertThat(db.items().get(good.target(), mono.get())).isEmpty();
      assertThat(db.items().size()).isZero();
    }
  }

  @Test
  void aDatabaseLockedByAnotherProcessIsAClearError() throws Exception {
    try (ChildProcess child = ChildProcess.start(dataDir, "hold", dataDir.toString(), SELF.toString())) {
      child.awaitOutput(lines -> lines.contains("open"), Duration.ofSeconds(60));
      assertThatThrownBy(this::open)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(dataDir.resolve("db").toString())
          .hasMessageContaining("locked by another process")
          .hasMessageNotContaining("\n");
    }
    try (NodeDatabase db = open()) { // the lock went with the killed process
      assertThat(db.items().size()).isZero();
    }
  }

  @Test
  void openingTwiceInOneProcessIsAClearErrorToo() {
    try (NodeDatabase db = open()) {
      assertThatThrownBy(this::open)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(dataDir.resolve("db").toString())
          .hasMessageContaining("locked");
    }
  }

  @Test
  void aCorruptDatabaseIsMovedAsideAndReplaced() throws Exception {
    try (NodeDatabase db = open()) {
      db.items().put(TestItems.immutable("lost"), mono.get());
    }
    try (Stream<Path> files = Files.list(dataDir.resolve("db"))) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("MANIFEST-")).toList()) {
        Files.write(f, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
      }
    }
    try (NodeDatabase db = open()) {
      assertThat(db.items().size()).isZero();
      assertThat(db.items().put(TestItems.immutable("new"), mono.get())).isTrue();
    }
    try (Stream<Path> files = Files.list(dataDir)) {
      assertThat(files.map(f -> f.getFileName().toString())).anyMatch(n -> n.startsWith("db.corrupt-"));
    }
  }

  @Test
  void afterCloseTheStoresRefuseClearly() {
    NodeDatabase db = open();
    db.close();
    db.close(); // idempotent
    assertThatThrownBy(() -> db.items().put(TestItems.immutable("x"), 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
