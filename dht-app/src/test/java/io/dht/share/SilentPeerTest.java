package io.dht.share;

import static io.dht.share.ShareFixtures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.TestSwarm;
import io.dht.id.Endpoint;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer that claims every piece, unchokes, takes our requests and never answers (127.0.0.222, a raw socket) next
 * to an honest seeder (.221): the fetch (.223) does not stall on it. The end game asks the honest seeder for the
 * blocks the silent peer sits on, and the silent connection is dropped after the request timeout.
 */
@Timeout(60)
class SilentPeerTest {
  private static final long SIZE = 1L << 20;

  @TempDir Path dir;

  @Test
  void aPeerThatNeverSendsBlocksDoesNotStallTheDownload() throws Exception {
    Path data = ShareFixtures.writeData(dir.resolve("seed/s.bin"), SIZE, 5);
    AtomicInteger requestsSwallowed = new AtomicInteger();
    try (TestSwarm net = TestSwarm.start(4, 220);
        ServerSocket silent = new ServerSocket()) {
      net.bootstrapAll();
      silent.bind(new InetSocketAddress(Endpoint.parseAddress("127.0.0.222"), 0));
      silent.setSoTimeout(20_000);
      try (Share honest = Share.start(net.node(1), data, ShareOptions.defaults())) {
        Torrent t = honest.torrent();
        Thread liar = new Thread(() -> swallow(silent, t, requestsSwallowed), "silent-peer");
        liar.setDaemon(true);
        liar.start();
        ShareFixtures.awaitPeers(net.node(3), t.infoHash(), List.of(honest.localEndpoint()), Duration.ofSeconds(20));
        Endpoint silentAt = new Endpoint(silent.getInetAddress(), silent.getLocalPort());
        FetchOptions options = FetchOptions.defaults().withNoSeed(true).withPeers(List.of(silentAt))
            .withLimits(PeerLimits.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(2)));
        long t0 = System.nanoTime();
        try (Fetch fetch = Fetch.start(net.node(3), honest.magnet(), dir.resolve("out"), options)) {
          Path file = await(fetch.done(), Duration.ofSeconds(30));
          SwarmStats s = await(fetch.stats(), Duration.ofSeconds(10));
          System.out.printf("[silent] done in %d ms; the silent peer swallowed %d requests; %s%n",
              (System.nanoTime() - t0) / 1_000_000, requestsSwallowed.get(), s);
          assertThat(Files.mismatch(file, data)).isEqualTo(-1);
          assertThat(requestsSwallowed.get()).as("requests sent to the silent peer").isPositive();
          ShareFixtures.assertNoInternalErrors(s);
        }
        silent.close();
        liar.join(5_000);
      }
    }
  }

  /** Accepts one connection, handshakes, claims every piece, unchokes, then reads requests forever. */
  private static void swallow(ServerSocket server, Torrent t, AtomicInteger requests) {
    try (Socket s = server.accept()) {
      s.setSoTimeout(20_000);
      DataInputStream in = new DataInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      byte[] hs = new byte[68];
      in.readFully(hs);
      ByteBuffer reply = PeerWire.handshake(t.infoHash(), "-XX0001-silent-peer!".getBytes(StandardCharsets.US_ASCII),
          false);
      out.write(reply.array(), 0, reply.remaining());
      BitSet all = new BitSet();
      all.set(0, t.pieceCount());
      ByteBuffer bits = PeerWire.bitfield(all, t.pieceCount());
      out.write(bits.array(), 0, bits.remaining());
      out.write(PeerWire.simple(PeerMessage.UNCHOKE).array());
      out.flush();
      while (true) {
        int length = in.readInt();
        if (length > 0) {
          byte[] body = new byte[length];
          in.readFully(body);
          if (body[0] == PeerMessage.REQUEST) {
            requests.incrementAndGet();
          }
        }
      }
    } catch (IOException e) {
      // closed by the fetch (request timeout or completion) or by the test
    }
  }
}
