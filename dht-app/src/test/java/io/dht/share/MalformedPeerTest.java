package io.dht.share;

import static io.dht.share.ShareFixtures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.TestSwarm;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed peer-wire input fired at a seeder (127.0.0.161) from raw sockets: each bad connection is closed by the
 * seeder, and a well-behaved fetch (127.0.0.162) still downloads everything from it afterwards, while a silent
 * connection is still open. The seeder's counters show the protocol errors and no internal error.
 */
@Timeout(60)
class MalformedPeerTest {
  private static final long SIZE = 1L << 20; // 64 pieces of 16 KiB
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final int MAX_CONNECTIONS = 12;
  private static final byte[] PEER_ID = "-XX0001-raw-client!!".getBytes(StandardCharsets.US_ASCII);

  @TempDir static Path dir;
  private static TestSwarm net;
  private static Share seeder;
  private static Path data;

  @BeforeAll
  static void seed() throws Exception {
    net = TestSwarm.start(3, 160);
    net.bootstrapAll();
    data = ShareFixtures.writeData(dir.resolve("seed/small.bin"), SIZE, 11);
    PeerLimits limits =
        PeerLimits.defaults()
            .withMaxConnections(MAX_CONNECTIONS)
            .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(4), Duration.ofSeconds(5));
    seeder = Share.start(net.node(1), data, ShareOptions.defaults().withLimits(limits));
  }

  @AfterAll
  static void stop() {
    if (seeder != null) {
      seeder.close();
    }
    if (net != null) {
      net.close();
    }
  }

  /** A hand-driven peer-wire client. */
  private static final class Raw implements AutoCloseable {
    final Socket socket = new Socket();
    final DataInputStream in;
    final OutputStream out;

    Raw() throws IOException {
      socket.bind(new InetSocketAddress(Endpoint.parseAddress("127.0.0.163"), 0));
      Endpoint to = seeder.localEndpoint();
      socket.connect(new InetSocketAddress(to.address(), to.port()), 5000);
      socket.setSoTimeout(5000);
      in = new DataInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    Raw send(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
      return this;
    }

    Raw handshake(NodeId infoHash) throws IOException {
      ByteBuffer hs = PeerWire.handshake(infoHash, PEER_ID, false);
      send(Arrays.copyOf(hs.array(), hs.remaining()));
      byte[] reply = new byte[68];
      in.readFully(reply);
      assertThat(reply[0]).isEqualTo((byte) 19);
      return this;
    }

    Raw message(int id, int... ints) throws IOException {
      ByteBuffer b = ByteBuffer.allocate(5 + 4 * ints.length).putInt(1 + 4 * ints.length).put((byte) id);
      for (int i : ints) {
        b.putInt(i);
      }
      return send(b.array());
    }

    /** Reads messages until one with {@code id}; returns its payload. */
    byte[] await(int id) throws IOException {
      while (true) {
        int length = in.readInt();
        if (length == 0) {
          continue;
        }
        byte[] body = new byte[length];
        in.readFully(body);
        if ((body[0] & 0xff) == id) {
          return Arrays.copyOfRange(body, 1, body.length);
        }
      }
    }

    /** Whether the seeder closed the connection (EOF or reset) within the socket timeout. */
    boolean closedBySeeder() throws IOException {
      try {
        while (in.read() >= 0) {
          // drain whatever the seeder sent before closing
        }
        return true;
      } catch (EOFException e) {
        return true;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true; // reset
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static NodeId ih() {
    return seeder.infoHash();
  }

  @Test
  void malformedInputClosesOnlyThatConnection() throws Exception {
    SwarmStats before = await(seeder.stats(), BOUND);
    List<String> cases = new ArrayList<>();
    byte[] garbage = new byte[4096];
    new SplittableRandom(3).nextBytes(garbage);
    try (Raw silent = new Raw()) { // stays silent while the others misbehave; timed out at the end
      check(cases, "bad protocol string", new Raw().send("\u0013BitTorrent protocoX".getBytes(StandardCharsets.ISO_8859_1)));
      check(cases, "garbage", new Raw().send(garbage));
      check(cases, "handshake for another torrent", new Raw().send(
          PeerWire.handshake(NodeId.parseHex("0000000000000000000000000000000000000001"), PEER_ID, false).array()));
      check(cases, "oversize length prefix", new Raw().handshake(ih()).send(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 7}));
      check(cases, "length just over the limit", new Raw().handshake(ih())
          .send(ByteBuffer.allocate(4).putInt(PeerLimits.DEFAULT_MAX_MESSAGE_BYTES + 1).array()));
      check(cases, "have with a short payload", new Raw().handshake(ih()).send(new byte[] {0, 0, 0, 3, 4, 0, 0}));
      check(cases, "have beyond the last piece", new Raw().handshake(ih()).message(PeerMessage.HAVE, 64));
      check(cases, "bitfield of the wrong size", new Raw().handshake(ih()).send(new byte[] {0, 0, 0, 3, 5, -1, -1}));
      check(cases, "request beyond the file end", unchoked().message(PeerMessage.REQUEST, 64, 0, 16384));
      check(cases, "request past the piece end", unchoked().message(PeerMessage.REQUEST, 63, 16000, 1000));
      check(cases, "request over 16 KiB", unchoked().message(PeerMessage.REQUEST, 0, 0, 32768));
      check(cases, "negative request index", unchoked().message(PeerMessage.REQUEST, -5, 0, 16384));
      check(cases, "bad ut_metadata bencode", new Raw().handshake(ih())
          .send(new byte[] {0, 0, 0, 6, 20, (byte) ExtendedHandshake.OUR_UT_METADATA_ID, 'd', '1', ':', 'x'}));
      assertThat(silent.socket.isClosed()).isFalse();

      // Unknown message ids are ignored: that connection goes on and gets served.
      try (Raw odd = unchoked()) {
        odd.send(new byte[] {0, 0, 0, 4, 99, 1, 2, 3}).send(new byte[] {0, 0, 0, 1, (byte) 200});
        odd.message(PeerMessage.REQUEST, 5, 0, 16384);
        byte[] piece = odd.await(PeerMessage.PIECE);
        assertThat(ByteBuffer.wrap(piece).getInt()).isEqualTo(5);
        byte[] expected = Arrays.copyOfRange(Files.readAllBytes(data), 5 * 16384, 6 * 16384);
        assertThat(Arrays.copyOfRange(piece, 8, piece.length)).isEqualTo(expected);
      }

      // A well-behaved fetch still gets everything.
      Path out = dir.resolve("out");
      try (Fetch fetch = Fetch.start(net.node(2), seeder.magnet(), out,
          FetchOptions.defaults().withNoSeed(true).withPeers(List.of(seeder.localEndpoint())))) {
        Path file = await(fetch.done(), BOUND);
        assertThat(Files.mismatch(file, data)).isEqualTo(-1);
      }
      assertThat(silent.closedBySeeder()).as("a silent connection is dropped after the handshake timeout").isTrue();
    }
    SwarmStats after = await(seeder.stats(), BOUND);
    System.out.println("[malformed] " + cases + "\n[malformed] " + after);
    assertThat(after.protocolErrors() - before.protocolErrors()).isGreaterThanOrEqualTo(13);
    assertThat(after.timeouts() - before.timeouts()).isGreaterThanOrEqualTo(1);
    ShareFixtures.assertNoInternalErrors(after);
  }

  /** A connection past the handshake, interested and unchoked. */
  private static Raw unchoked() throws IOException {
    Raw r = new Raw().handshake(ih());
    r.message(PeerMessage.INTERESTED);
    r.await(PeerMessage.UNCHOKE);
    return r;
  }

  private static void check(List<String> cases, String name, Raw raw) throws IOException {
    try (raw) {
      assertThat(raw.closedBySeeder()).as("seeder closes the connection after: " + name).isTrue();
      cases.add(name);
    }
  }

  @Test
  void connectionsOverTheLimitAreRefusedAndServiceResumesAfterwards() throws Exception {
    List<Raw> flood = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_CONNECTIONS + 5; i++) {
        flood.add(new Raw());
      }
      int refused = 0;
      for (Raw r : flood.subList(MAX_CONNECTIONS, flood.size())) {
        if (r.closedBySeeder()) {
          refused++;
        }
      }
      assertThat(refused).isEqualTo(5);
    } finally {
      for (Raw r : flood) {
        r.close();
      }
    }
    // The seeder notices the closed sockets and serves again.
    Path out = dir.resolve("out-after-flood");
    try (Fetch fetch = Fetch.start(net.node(2), seeder.magnet(), out,
        FetchOptions.defaults().withNoSeed(true).withPeers(List.of(seeder.localEndpoint())))) {
      assertThat(Files.mismatch(await(fetch.done(), BOUND), data)).isEqualTo(-1);
    }
    assertThat(await(seeder.stats(), BOUND).connectionsRefused()).isGreaterThanOrEqualTo(5);
  }
}
