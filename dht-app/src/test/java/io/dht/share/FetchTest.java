package io.dht.share;

import static io.dht.share.ShareFixtures.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.Dht;
import io.dht.TestSwarm;
import io.dht.id.Endpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main scenario on loopback: a 50 MiB file shared by three seeders on 127.0.0.141-143 (each with its own
 * DHT node, private-network config) is found through get_peers and fetched by a fourth node (127.0.0.144), every
 * piece verified; and a fetch cancelled halfway resumes without requesting what it already has.
 */
@Timeout(120)
class FetchTest {
  private static final long SIZE = 50L << 20;
  private static final Duration BOUND = Duration.ofSeconds(60);

  @TempDir static Path dir;
  private static TestSwarm net;
  private static Path data;
  private static final List<Share> seeders = new ArrayList<>();

  @BeforeAll
  static void seed() throws Exception {
    net = TestSwarm.start(5, 140); // 127.0.0.140 helps the others meet; 141-143 seed; 144 fetches
    net.bootstrapAll();
    data = ShareFixtures.writeData(dir.resolve("seed/big.bin"), SIZE, 50);
    long t0 = System.nanoTime();
    Share first = Share.start(net.node(1), data, ShareOptions.defaults());
    System.out.printf(Locale.ROOT, "[fetch] hashed %d MiB into %s in %d ms%n", SIZE >> 20, first.torrent(),
        (System.nanoTime() - t0) / 1_000_000);
    seeders.add(first);
    for (int i = 2; i <= 3; i++) {
      seeders.add(Share.start(net.node(i), first.torrent(), data, ShareOptions.defaults()));
    }
    List<Endpoint> endpoints = seeders.stream().map(Share::localEndpoint).toList();
    assertThat(endpoints).extracting(e -> e.address().getHostAddress())
        .containsExactly("127.0.0.141", "127.0.0.142", "127.0.0.143");
    ShareFixtures.awaitPeers(net.node(4), first.infoHash(), endpoints, Duration.ofSeconds(20));
  }

  @AfterAll
  static void stop() {
    try {
      for (Share s : seeders) {
        ShareFixtures.assertNoInternalErrors(s.stats().join());
        s.close();
      }
    } finally {
      if (net != null) {
        net.close();
      }
    }
  }

  private static Dht fetcher() {
    return net.node(4);
  }

  @Test
  void fetches50MiBFromThreeSeedersFoundThroughTheDht() throws Exception {
    Path out = dir.resolve("out-full");
    long t0 = System.nanoTime();
    try (Fetch fetch = Fetch.start(fetcher(), seeders.get(0).magnet(), out, FetchOptions.defaults().withNoSeed(true))) {
      Path file = await(fetch.done(), BOUND);
      long millis = (System.nanoTime() - t0) / 1_000_000;
      SwarmStats s = await(fetch.stats(), BOUND);
      System.out.printf(Locale.ROOT, "[fetch] 50 MiB from 3 seeders in %d ms (%.1f MB/s): %s%n", millis,
          SIZE / 1e3 / millis, s);
      assertThat(file).isEqualTo(out.resolve("big.bin"));
      assertThat(Files.mismatch(file, data)).as("first differing byte").isEqualTo(-1);
      assertThat(out.resolve("big.bin.part")).doesNotExist();
      Torrent t = seeders.get(0).torrent();
      assertThat(s.piecesVerified()).isEqualTo(t.pieceCount());
      assertThat(s.piecesFailed()).isZero();
      assertThat(s.bytesResumed()).isZero();
      assertThat(s.bytesRequested()).isBetween(SIZE, SIZE + (2L << 20)); // end-game duplicates at most
      assertThat(s.lookups()).isPositive();
      ShareFixtures.assertNoInternalErrors(s);
      assertThat(fetch.progress().phase()).isEqualTo(FetchProgress.Phase.DONE);
    }
    for (Share seeder : seeders) {
      assertThat(seeder.stats().join().bytesUploaded()).as("uploaded by %s", seeder).isPositive();
    }
  }

  @Test
  void aFetchCancelledHalfwayResumesWithoutRequestingWhatItHas() throws Exception {
    Path out = dir.resolve("out-resume");
    FetchOptions options = FetchOptions.defaults().withNoSeed(true).withProgressInterval(Duration.ZERO);
    AtomicReference<FetchProgress> atCancel = new AtomicReference<>();
    SwarmStats first;
    try (Fetch fetch = Fetch.start(fetcher(), seeders.get(0).magnet(), out, options)) {
      fetch.onProgress(p -> {
        if (p.bytesTotal() > 0 && p.bytesVerified() >= p.bytesTotal() / 2 && atCancel.get() == null) {
          atCancel.set(p);
          fetch.cancel(); // on the fetch's own thread: stops after this event
        }
      });
      assertThatThrownBy(() -> await(fetch.done(), BOUND)).isInstanceOf(CancellationException.class);
      first = await(fetch.stats(), BOUND);
      assertThat(fetch.progress().phase()).isEqualTo(FetchProgress.Phase.CANCELLED);
    }
    assertThat(atCancel.get()).isNotNull();
    assertThat(out.resolve("big.bin")).doesNotExist();
    assertThat(out.resolve("big.bin.part")).exists();
    long had = atCancel.get().bytesVerified();
    System.out.printf(Locale.ROOT, "[resume] cancelled at %d of %d bytes; first run requested %d%n", had, SIZE,
        first.bytesRequested());

    try (Fetch fetch = Fetch.start(fetcher(), seeders.get(0).magnet(), out, options)) {
      Path file = await(fetch.done(), BOUND);
      SwarmStats s = await(fetch.stats(), BOUND);
      System.out.printf(Locale.ROOT, "[resume] second run: resumed %d bytes, requested %d: %s%n", s.bytesResumed(),
          s.bytesRequested(), s);
      assertThat(Files.mismatch(file, data)).isEqualTo(-1);
      assertThat(s.bytesResumed()).isGreaterThanOrEqualTo(had).isGreaterThanOrEqualTo(SIZE / 2);
      // Only the missing part is requested again (plus at most a few end-game duplicates).
      assertThat(s.bytesRequested()).isBetween(SIZE - s.bytesResumed(), SIZE - s.bytesResumed() + (2L << 20));
      assertThat(s.piecesVerified() * (long) seeders.get(0).torrent().pieceLength())
          .isGreaterThanOrEqualTo(SIZE - s.bytesResumed());
      ShareFixtures.assertNoInternalErrors(s);
    }
  }

  @Test
  void fetchingAgainFindsTheFinishedFileAndRequestsNothing() throws Exception {
    Path out = dir.resolve("out-again");
    Files.createDirectories(out);
    Files.copy(data, out.resolve("big.bin"));
    try (Fetch fetch = Fetch.start(fetcher(), seeders.get(0).magnet(), out, FetchOptions.defaults().withNoSeed(true))) {
      assertThat(await(fetch.done(), BOUND)).isEqualTo(out.resolve("big.bin"));
      assertThat(await(fetch.stats(), BOUND).bytesRequested()).isZero();
    }
    Files.write(out.resolve("big.bin"), new byte[] {1, 2, 3});
    try (Fetch fetch = Fetch.start(fetcher(), seeders.get(0).magnet(), out, FetchOptions.defaults().withNoSeed(true))) {
      assertThatThrownBy(() -> await(fetch.done(), BOUND))
          .isInstanceOf(ShareException.class).hasMessageContaining("already exists");
    }
  }

  @Test
  void aBadMagnetIsRefusedAtOnce() {
    assertThatThrownBy(() -> Fetch.start(fetcher(), "magnet:?dn=x", dir, FetchOptions.defaults()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
