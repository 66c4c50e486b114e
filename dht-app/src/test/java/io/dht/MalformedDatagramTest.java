package io.dht;

import static io.dht.TestSwarm.get;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dht.id.Endpoint;
import io.dht.node.DhtConfig;
import io.dht.node.NodeStats;
import io.dht.transport.EventLoop;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Hostile bytes over real UDP: the node counts them, answers what it can, and keeps serving. */
class MalformedDatagramTest {
  private static final byte[] ID = "abcdefghij0123456789".getBytes(ISO_8859_1);

  @Test
  void malformedDatagramsAreCountedAndTheNodeStillAnswers() throws Exception {
    try (EventLoop loop = EventLoop.start("test-loop-malformed");
        Dht node =
            Dht.builder()
                .bindAddress(TestSwarm.host(60))
                .config(DhtConfig.privateNetwork())
                .eventLoop(loop)
                .start();
        DatagramSocket attacker = new DatagramSocket(new InetSocketAddress(TestSwarm.host(61), 0))) {
      attacker.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
      Endpoint target = node.localEndpoint();
      SplittableRandom random = new SplittableRandom(1);

      List<byte[]> undecodable = new ArrayList<>();
      undecodable.add(bytes("d1:ad2:id20:abc"));
      undecodable.add(bytes("l".repeat(10_000)));
      undecodable.add(bytes("999999999:abc"));
      undecodable.add(bytes("d1:t2:aa1:y1:q1:q4:ping1:ad2:id999999999:xee"));
      undecodable.add(new byte[0]);
      for (int i = 0; i < 20; i++) {
        byte[] junk = new byte[1 + random.nextInt(300)];
        random.nextBytes(junk);
        junk[0] = 'x'; // never a valid bencode start
        undecodable.add(junk);
      }
      byte[] big = new byte[60_000];
      Arrays.fill(big, (byte) 'x');
      undecodable.add(big);

      // Readable transaction id but a wrong type: id is an integer. Deserves an error reply (203).
      List<byte[]> wrongTypes = List.of(bytes("d1:ad2:idi42ee1:q4:ping1:t2:aa1:y1:qe"));

      // Responses and errors nobody asked for.
      List<byte[]> unsolicited = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String tid = Integer.toString(10 + random.nextInt(89));
        unsolicited.add(concat(bytes("d1:rd2:id20:"), ID, bytes("e1:t2:" + tid + "1:y1:re")));
        unsolicited.add(bytes("d1:eli201e4:oopse1:t2:" + tid + "1:y1:ee"));
      }

      List<byte[]> all = new ArrayList<>(undecodable);
      all.addAll(wrongTypes);
      all.addAll(unsolicited);
      for (byte[] d : all) {
        attacker.send(new DatagramPacket(d, d.length, target.address(), target.port()));
      }
      await()
          .atMost(Duration.ofSeconds(TestSwarm.TIMEOUT_SECONDS))
          .until(() -> get(node.stats()).datagramsIn() >= all.size());

      // Still answers a well-formed ping from the same sender (skipping any error replies it sent first).
      byte[] ping = concat(bytes("d1:ad2:id20:"), ID, bytes("e1:q4:ping1:t2:zz1:y1:qe"));
      attacker.send(new DatagramPacket(ping, ping.length, target.address(), target.port()));
      assertThat(receiveReplyTo(attacker, "1:t2:zz")).isTrue();

      // ... and a ping from a real node.
      try (Dht other =
          Dht.builder().bindAddress(TestSwarm.host(62)).config(DhtConfig.privateNetwork()).eventLoop(loop).start()) {
        assertThat(get(other.ping(target)).contact().id()).isEqualTo(node.id());
      }

      NodeStats s = get(node.stats());
      assertThat(s.undecodable()).as("undecodable in %s", s).isGreaterThanOrEqualTo(undecodable.size());
      assertThat(s.unsolicited()).as("unsolicited in %s", s).isGreaterThanOrEqualTo(unsolicited.size());
      assertThat(s.errorsSent()).as("errors sent in %s", s).isGreaterThanOrEqualTo(wrongTypes.size());
      assertThat(s.internalErrors()).isZero();
      assertThat(loop.failures()).isZero();
    }
  }

  /** Reads replies until a response contains {@code marker}; false if none within the socket timeout or 100 replies. */
  private static boolean receiveReplyTo(DatagramSocket socket, String marker) throws Exception {
    byte[] buf = new byte[65_536];
    for (int i = 0; i < 100; i++) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      socket.receive(p);
      String reply = new String(p.getData(), 0, p.getLength(), ISO_8859_1);
      if (reply.contains(marker) && reply.contains("1:y1:r")) {
        return true;
      }
    }
    return false;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(ISO_8859_1);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
