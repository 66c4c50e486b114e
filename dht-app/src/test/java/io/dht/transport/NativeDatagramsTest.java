package io.dht.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dht.Dht;
import io.dht.RawKrpc;
import io.dht.bencode.BDictionary;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.DhtConfig;
import io.dht.node.DhtException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The event loop's batched datagram I/O ({@link NativeDatagrams}) on its own and against the NIO path: the same
 * traffic answered the same way by both. The build runs the tests with the JVM options batched I/O needs, so on Linux x86-64 and
 * aarch64 {@code auto} means batched here (and every other test of this module runs on it too).
 */
class NativeDatagramsTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private static boolean linuxWithLayout() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("aarch64"));
  }

  @Test
  void batchedIoIsAvailableUnderTheBuildsJvmOptionsAndChosenByDefault() {
    assumeTrue(linuxWithLayout(), "batched I/O is Linux x86-64/aarch64 only");
    assumeTrue(Runtime.version().feature() == 17, "batched I/O uses JDK 17's incubating foreign linker");
    assertThat(EventLoop.nativeIoUnavailableReason()).isNull();
    try (EventLoop auto = EventLoop.start("io-auto", "auto");
        EventLoop nio = EventLoop.start("io-nio", "nio");
        EventLoop batched = EventLoop.start("io-native", "native")) {
      assertThat(auto.io()).isEqualTo("recvmmsg/sendmmsg, up to 32 datagrams read and 64 sent per call");
      assertThat(batched.io()).isEqualTo("recvmmsg/sendmmsg, up to 32 datagrams read and 64 sent per call");
      assertThat(nio.io()).isEqualTo("NIO, one system call per datagram");
    }
  }

  @Test
  void anUnknownIoModeIsAOneLineError() {
    assertThatThrownBy(() -> EventLoop.start("io-bad", "turbo"))
        .isInstanceOf(DhtException.class)
        .hasMessage("datagram I/O must be auto, nio or native, not 'turbo'");
  }

  /**
   * Four clients on four source IPs each fire 150 pings without waiting, so the node's socket holds many at once
   * and the batched loop reads and answers them in batches: every ping is answered once, to its own sender.
   */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "auto"})
  void aBurstFromManySourcesIsAnsweredOncePerQueryToEachSender(String io) throws Exception {
    try (EventLoop loop = EventLoop.start("io-burst-" + io, io);
        Dht node = node(loop, "127.0.0.1")) {
      Endpoint target = node.localEndpoints().get(0);
      int perClient = 150;
      List<RawKrpc> clients =
          List.of(client("127.0.0.2"), client("127.0.0.3"), client("127.0.0.4"), client("127.0.0.5"));
      try {
        for (int i = 0; i < perClient; i++) {
          for (RawKrpc c : clients) {
            c.send(target, c.query("ping", tid(i), BDictionary.builder()));
          }
        }
        for (RawKrpc c : clients) {
          Set<Integer> answered = new HashSet<>();
          long deadline = System.nanoTime() + WAIT.toNanos();
          for (int reads = 0; answered.size() < perClient && reads < 4 * perClient; reads++) {
            var d = c.receive(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (d.isEmpty()) {
              break;
            }
            if (d.get().type().equals("r")) {
              assertThat(d.get().from()).isEqualTo(target);
              assertThat(answered.add(tidOf(d.get()))).as("answered once").isTrue();
            }
          }
          assertThat(answered).hasSize(perClient);
        }
      } finally {
        clients.forEach(RawKrpc::close);
      }
      assertThat(loop.sendDrops() + loop.sendErrors() + loop.receiveErrors()).isZero();
    }
  }

  /** IPv6 both ways, and an IPv4 sender reaching a socket bound to {@code ::} (an IPv4-mapped source). */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "auto"})
  void ipv6AndIpv4MappedSendersAreAnsweredWithTheirOwnAddress(String io) throws Exception {
    assumeTrue(ipv6Loopback(), "no IPv6 loopback here");
    try (EventLoop loop = EventLoop.start("io-v6-" + io, io);
        Dht v6 = node(loop, "::1");
        Dht wildcard = node(loop, "::")) {
      try (RawKrpc c6 = client("::1");
          RawKrpc c4 = client("127.0.0.1")) {
        RawKrpc.Datagram r6 = c6.ask(v6.localEndpoints().get(0), tid(1), c6.query("ping", tid(1),
            BDictionary.builder()), WAIT).orElseThrow();
        assertThat(r6.type()).isEqualTo("r");
        assertThat(r6.dict().getString("ip").length()).isEqualTo(18); // BEP 42: our IPv6 address and port

        Endpoint viaV4 = new Endpoint(InetAddress.getByName("127.0.0.1"), wildcard.localEndpoints().get(0).port());
        RawKrpc.Datagram r4 = c4.ask(viaV4, tid(2), c4.query("ping", tid(2), BDictionary.builder()), WAIT)
            .orElseThrow();
        assertThat(r4.type()).isEqualTo("r");
        assertThat(r4.dict().getString("ip").length()).isEqualTo(6); // seen as the IPv4 sender it is
        assertThat(r4.dict().getString("ip").toByteArray()).startsWith(127, 0, 0, 1);
      }
      assertThat(loop.failures()).isZero();
    }
  }

  /**
   * The class alone on two sockets: queued sends leave in order and intact (the 65th forces a flush), a payload
   * larger than a send slot is refused for NIO to send, a 60,000-byte datagram and many small ones are read back in
   * batches with their source, and after close nothing is sent.
   */
  @Test
  void sendsLeaveInOrderAndLargeDatagramsAreReadWhole() throws Exception {
    assumeTrue(EventLoop.nativeIoUnavailableReason() == null, "batched I/O unavailable here");
    NativeDatagrams io = NativeDatagrams.createIfAvailable();
    NativeDatagrams.Counts counts = new NativeDatagrams.Counts();
    try (DatagramChannel a = DatagramChannel.open();
        DatagramChannel b = DatagramChannel.open()) {
      a.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      b.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      b.configureBlocking(false);
      InetSocketAddress aAddress = (InetSocketAddress) a.getLocalAddress();
      InetSocketAddress bAddress = (InetSocketAddress) b.getLocalAddress();
      Endpoint toA = new Endpoint(aAddress.getAddress(), aAddress.getPort());
      int fdB = NativeDatagrams.fdOf(b);

      for (int i = 0; i < 100; i++) {
        byte[] payload = payload(i, 1 + (i * 37) % NativeDatagrams.SEND_SLOT_BYTES);
        assertThat(io.queue(fdB, false, toA, payload, 0, payload.length, counts)).isEqualTo(NativeDatagrams.QUEUED);
      }
      byte[] large = payload(7, NativeDatagrams.SEND_SLOT_BYTES + 1);
      assertThat(io.queue(fdB, false, toA, large, 0, large.length, counts))
          .isEqualTo(NativeDatagrams.TOO_LARGE);
      io.flush(counts);
      assertThat(counts.drops + counts.errors).isZero();
      ByteBuffer got = ByteBuffer.allocate(65_536);
      for (int i = 0; i < 100; i++) {
        got.clear();
        assertThat(a.receive(got)).isEqualTo(bAddress);
        got.flip();
        byte[] bytes = new byte[got.remaining()];
        got.get(bytes);
        assertThat(bytes).isEqualTo(payload(i, 1 + (i * 37) % NativeDatagrams.SEND_SLOT_BYTES));
      }

      a.send(ByteBuffer.wrap(payload(1, 60_000)), bAddress);
      for (int i = 0; i < 40; i++) {
        a.send(ByteBuffer.wrap(payload(i, 10 + i)), bAddress);
      }
      byte[] dst = new byte[65_536];
      int read = 0;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (read < 41 && System.nanoTime() < deadline) {
        int n = io.receive(fdB, 64);
        assertThat(n).isBetween(0, NativeDatagrams.RECEIVE_BATCH);
        for (int i = 0; i < n; i++, read++) {
          int length = io.copy(i, dst);
          byte[] expected = read == 0 ? payload(1, 60_000) : payload(read - 1, 10 + read - 1);
          assertThat(java.util.Arrays.copyOf(dst, length)).isEqualTo(expected);
          assertThat(io.source(i)).isEqualTo(toA);
        }
        if (n == 0) {
          Thread.sleep(5);
        }
      }
      assertThat(read).isEqualTo(41);
      assertThat(io.receive(fdB, 64)).isZero(); // drained: EAGAIN is "nothing", not an error

      io.close();
      byte[] small = payload(3, 10);
      assertThat(io.queue(fdB, false, toA, small, 0, small.length, counts)).isEqualTo(NativeDatagrams.TOO_LARGE);
      io.flush(counts);
      a.configureBlocking(false);
      got.clear();
      assertThat(a.receive(got)).isNull();
    } finally {
      io.close();
    }
  }

  private static byte[] payload(int seed, int length) {
    byte[] p = new byte[length];
    new SplittableRandom(seed * 31L + length).nextBytes(p);
    return p;
  }

  /** A socket address written for a destination reads back as that destination, for every family combination. */
  @Test
  void destinationAddressesReadBackAsTheSameEndpoint() throws Exception {
    NativeDatagrams.DestinationCache out = new NativeDatagrams.DestinationCache();
    NativeDatagrams.SourceCache in = new NativeDatagrams.SourceCache();
    ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
    SplittableRandom random = new SplittableRandom(5);
    for (int n = 0; n < 5_000; n++) {
      boolean v6 = random.nextBoolean();
      byte[] raw = new byte[v6 ? 16 : 4];
      random.nextBytes(raw);
      if (v6) {
        raw[0] = 0x20; // not IPv4-mapped
      }
      InetAddress address =
          v6 && random.nextInt(4) == 0
              ? Inet6Address.getByAddress(null, raw, 1 + random.nextInt(8))
              : InetAddress.getByAddress(raw);
      Endpoint to = new Endpoint(address, random.nextInt(1, 65_536));
      boolean v6Socket = v6 || random.nextBoolean();
      int length = out.write(b, 0, to, v6Socket);
      assertThat(length).isEqualTo(v6Socket ? 28 : 16);
      Endpoint back = in.endpointOf(b, 0);
      assertThat(back).isEqualTo(to);
      if (address instanceof Inet6Address a6) {
        assertThat(((Inet6Address) back.address()).getScopeId()).isEqualTo(a6.getScopeId());
      }
      assertThat(in.endpointOf(b, 0)).isSameAs(back); // the second time from the cache
    }
  }

  private static Dht node(EventLoop loop, String address) {
    return Dht.builder()
        .bindAddress(Endpoint.parseAddress(address))
        .config(DhtConfig.privateNetwork())
        .eventLoop(loop)
        .start();
  }

  private static RawKrpc client(String address) throws Exception {
    return RawKrpc.open(InetAddress.getByName(address), NodeId.random(new SplittableRandom(address.hashCode())));
  }

  private static byte[] tid(int i) {
    return new byte[] {(byte) (i >>> 8), (byte) i};
  }

  private static int tidOf(RawKrpc.Datagram d) {
    byte[] t = d.tid().toByteArray();
    return ((t[0] & 0xff) << 8) | (t[1] & 0xff);
  }

  private static boolean ipv6Loopback() {
    try (DatagramChannel c = DatagramChannel.open()) {
      c.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
