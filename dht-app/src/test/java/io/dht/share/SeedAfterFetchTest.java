package io.dht.share;

import static io.dht.share.ShareFixtures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.TestSwarm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A folder (several files, one empty, nested) shared by 127.0.0.201 is fetched by .202, which then seeds it: with
 * the original share closed, .203 gets the folder from .202 alone, found through the DHT announce of the fetch.
 */
@Timeout(60)
class SeedAfterFetchTest {
  private static final Duration BOUND = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void aFinishedFetchSeedsTheFolderToTheNextPeer() throws Exception {
    Path folder = dir.resolve("src/album");
    ShareFixtures.writeData(folder.resolve("one.bin"), 700_000, 1);
    ShareFixtures.writeData(folder.resolve("sub/two.bin"), 1_300_001, 2);
    Files.write(folder.resolve("sub/empty.txt"), new byte[0]);
    try (TestSwarm net = TestSwarm.start(4, 200)) {
      net.bootstrapAll();
      Path first = dir.resolve("first");
      Fetch seeding;
      try (Share share = Share.start(net.node(1), folder, ShareOptions.defaults())) {
        assertThat(share.torrent().files()).hasSize(3);
        ShareFixtures.awaitPeers(net.node(2), share.infoHash(), List.of(share.localEndpoint()), BOUND);
        seeding = Fetch.start(net.node(2), share.magnet(), first, FetchOptions.defaults());
        assertThat(await(seeding.done(), BOUND)).isEqualTo(first.resolve("album"));
        assertThat(seeding.progress().phase()).isEqualTo(FetchProgress.Phase.SEEDING);
      }
      try (seeding) {
        assertSameTree(folder, first.resolve("album"));
        assertThat(first.resolve("album.part")).doesNotExist();
        ShareFixtures.awaitPeers(net.node(3), seeding.infoHash(), List.of(seeding.localEndpoint()), BOUND);
        Path second = dir.resolve("second");
        try (Fetch fetch = Fetch.start(net.node(3), seeding.infoHash().toString(), second,
            FetchOptions.defaults().withNoSeed(true))) {
          assertThat(await(fetch.done(), BOUND)).isEqualTo(second.resolve("album"));
          assertThat(await(fetch.stats(), BOUND).piecesFailed()).isZero();
        }
        assertSameTree(folder, second.resolve("album"));
        SwarmStats s = await(seeding.stats(), BOUND);
        assertThat(s.bytesUploaded()).isGreaterThanOrEqualTo(2_000_001);
        assertThat(s.metadataPiecesServed()).isPositive();
        ShareFixtures.assertNoInternalErrors(s);
      }
    }
  }

  private static void assertSameTree(Path expected, Path actual) throws Exception {
    for (String f : List.of("one.bin", "sub/two.bin", "sub/empty.txt")) {
      assertThat(Files.mismatch(expected.resolve(f), actual.resolve(f))).as(f).isEqualTo(-1);
    }
  }
}
