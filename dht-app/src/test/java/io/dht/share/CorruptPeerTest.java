package io.dht.share;

import static io.dht.share.ShareFixtures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.TestSwarm;
import io.dht.id.Endpoint;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer serving corrupt data: an honest seeder (127.0.0.151) and one whose copy has a flipped byte in every piece
 * (127.0.0.152, same metadata). The fetch (127.0.0.153) detects the bad pieces by their hash, bans the liar, fetches
 * those pieces from the honest seeder and completes.
 */
@Timeout(60)
class CorruptPeerTest {
  private static final long SIZE = 4L << 20;
  private static final Duration BOUND = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void aPeerSendingCorruptPiecesIsBannedAndTheDownloadCompletes() throws Exception {
    Path good = ShareFixtures.writeData(dir.resolve("good/file.bin"), SIZE, 7);
    Path bad = dir.resolve("bad/file.bin");
    Files.createDirectories(bad.getParent());
    Files.copy(good, bad);
    try (TestSwarm net = TestSwarm.start(4, 150)) {
      net.bootstrapAll();
      try (Share honest = Share.start(net.node(1), good, ShareOptions.defaults())) {
        Torrent t = honest.torrent();
        try (FileChannel ch = FileChannel.open(bad, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
          for (int piece = 0; piece < t.pieceCount(); piece++) {
            long at = (long) piece * t.pieceLength() + 100;
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x5a)).rewind();
            ch.write(b, at);
          }
        }
        try (Share liar = Share.start(net.node(2), t, bad, ShareOptions.defaults())) {
          List<Endpoint> both = List.of(honest.localEndpoint(), liar.localEndpoint());
          ShareFixtures.awaitPeers(net.node(3), t.infoHash(), both, Duration.ofSeconds(20));
          Path out = dir.resolve("out");
          try (Fetch fetch = Fetch.start(net.node(3), honest.magnet(), out, FetchOptions.defaults().withNoSeed(true))) {
            Path file = await(fetch.done(), BOUND);
            SwarmStats s = await(fetch.stats(), BOUND);
            System.out.printf(Locale.ROOT, "[corrupt] %s%n", s);
            assertThat(Files.mismatch(file, good)).isEqualTo(-1);
            assertThat(s.piecesFailed()).isPositive();
            assertThat(s.banned()).containsExactly(liar.localEndpoint().address());
            assertThat(s.piecesVerified()).isEqualTo(t.pieceCount());
            ShareFixtures.assertNoInternalErrors(s);
          }
          SwarmStats liarStats = await(liar.stats(), BOUND);
          assertThat(liarStats.bytesUploaded()).as("the liar did send data").isPositive();
          assertThat(await(honest.stats(), BOUND).bytesUploaded()).isPositive();
        }
      }
    }
  }
}
