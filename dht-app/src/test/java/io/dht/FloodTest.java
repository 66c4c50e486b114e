package io.dht;

import static io.dht.TestSwarm.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.DhtConfig;
import io.dht.node.NodeStats;
import io.dht.transport.EventLoop;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * Issue 3's flood, over real UDP: a node with the default abuse limits on 127.0.0.150; a flooder on 127.0.0.151
 * sends 100,000 datagrams (valid queries with random transaction ids and sender ids, random garbage, truncated
 * queries, absurd string lengths, oversized datagrams) as fast as three threads can; meanwhile a second source
 * (127.0.0.152) pings every 50 ms (the default allows 20 queries/s per IP, so a legitimate client stays under
 * it) and records which pings were answered and how fast. The numbers are printed for the issue note.
 */
class FloodTest {
  static final int DATAGRAMS = 100_000;
  static final int FLOOD_THREADS = Integer.getInteger("flood.threads", 1);
  static final Duration PROBE_INTERVAL = Duration.ofMillis(50);
  /** Every loop below is bounded by count and by this. */
  static final Duration HARD_LIMIT = Duration.ofSeconds(120);

  /** Defaults (20 q/s per IP, bursts of 100, 64,000 reply bytes/s); only the per-/24 bucket rule is relaxed. */
  static DhtConfig floodConfig() {
    return DhtConfig.defaults().toBuilder().maxNodesPerSubnetInBucket(8).build();
  }

  @Test
  void aFloodedNodeKeepsAnsweringASecondSourceThrottlesTheFlooderAndStaysBounded() throws Exception {
    DhtConfig config = floodConfig();
    assertThat(config.queryRatePerIp()).isEqualTo(DhtConfig.defaults().queryRatePerIp());
    assertThat(config.maxReplyBytesPerSecond()).isEqualTo(DhtConfig.defaults().maxReplyBytesPerSecond());
    try (EventLoop loop = EventLoop.start("test-loop-flood");
        Dht node = Dht.builder().bindAddress(TestSwarm.host(150)).config(config).eventLoop(loop).start()) {
      Endpoint target = node.localEndpoint();
      long heapBefore = usedHeapAfterGc();
      NodeStats before = get(node.stats());

      Flooder flooder = new Flooder(TestSwarm.host(151), target, DATAGRAMS, FLOOD_THREADS);
      Prober prober = new Prober(TestSwarm.host(152), target, PROBE_INTERVAL);
      Sampler sampler = new Sampler(node);
      prober.start();
      Thread.sleep(300); // a few answered pings before the flood
      sampler.start();
      long floodStart = System.nanoTime();
      flooder.run(); // returns when every datagram is sent (bounded by count and HARD_LIMIT)
      long sendNanos = System.nanoTime() - floodStart;
      Thread.sleep(1000); // the node drains its socket; the prober keeps probing
      long floodNanos = System.nanoTime() - floodStart;
      prober.stop();
      sampler.stop();
      flooder.stopListening();

      NodeStats after = get(node.stats());
      long heapAfter = usedHeapAfterGc();
      long throttled = after.queriesThrottled() - before.queriesThrottled();
      long guardDrops = node.floodDrops();
      long received = after.datagramsIn() - before.datagramsIn();
      double seconds = floodNanos / 1e9;
      long allowedReplies = config.queryBurstPerIp() + (long) Math.ceil(config.queryRatePerIp() * seconds);

      String report =
          String.format(
              Locale.ROOT,
              "flood: %,d datagrams sent by %d threads in %.2f s (%,.0f/s); the loop read %,d, dropped %,d of"
                  + " them unread (flood guard) and handed %,d to the node; the rest overflowed the socket buffer%n"
                  + "  flooder: %,d replies (responses %,d, errors %,d) and %,d verification pings;"
                  + " allowed burst + rate x %.1f s = %,d%n"
                  + "  node: %,d queries throttled, %,d undecodable, %,d replies dropped by the byte cap,"
                  + " %,d errors sent, internal errors %d%n"
                  + "  in-flight queries max %d, routing table max %d, stored peers max %d,"
                  + " IPs tracked by the flood guard max %d%n"
                  + "  second source: %d/%d pings answered (%.1f %%) during the flood, latency p50 %.2f ms,"
                  + " p99 %.2f ms, max %.2f ms%n"
                  + "  heap used after GC: before %.1f MB, after %.1f MB (delta %+.1f MB)",
              flooder.sent.get(), FLOOD_THREADS, sendNanos / 1e9, flooder.sent.get() / (sendNanos / 1e9),
              received + guardDrops, guardDrops, received,
              flooder.replies(), flooder.responses.get(), flooder.errors.get(), flooder.queries.get(),
              seconds, allowedReplies,
              throttled, after.undecodable() - before.undecodable(), after.repliesDropped() - before.repliesDropped(),
              after.errorsSent() - before.errorsSent(), after.internalErrors(),
              sampler.maxInFlight, sampler.maxTable, sampler.maxPeers, sampler.maxTracked,
              prober.answeredDuring(floodStart, floodStart + floodNanos), prober.sentDuring(floodStart, floodStart + floodNanos),
              100.0 * prober.answeredDuring(floodStart, floodStart + floodNanos)
                  / Math.max(1, prober.sentDuring(floodStart, floodStart + floodNanos)),
              prober.latencyMillis(0.5), prober.latencyMillis(0.99), prober.latencyMillis(1.0),
              heapBefore / 1e6, heapAfter / 1e6, (heapAfter - heapBefore) / 1e6);
      System.out.println(report);

      assertThat(flooder.sent.get()).isEqualTo(DATAGRAMS);
      assertThat(received).as("datagrams the node got").isPositive();
      // the second source keeps being answered
      int sent = prober.sentDuring(floodStart, floodStart + floodNanos);
      assertThat(sent).isGreaterThan(10);
      assertThat(prober.answeredDuring(floodStart, floodStart + floodNanos))
          .as(report)
          .isGreaterThanOrEqualTo((int) Math.ceil(0.95 * sent));
      // the flooder is throttled: at most burst + rate x duration of its queries are answered
      // (most of it unread by the flood guard, the rest by the node's query throttle)
      assertThat(throttled).as(report).isPositive();
      assertThat(guardDrops + throttled).as(report).isGreaterThan((guardDrops + received) / 2);
      assertThat(flooder.replies()).as(report).isLessThanOrEqualTo(allowedReplies);
      // memory and state stay bounded
      assertThat(sampler.maxInFlight).as(report).isLessThanOrEqualTo(64);
      assertThat(sampler.maxTable).as(report).isLessThanOrEqualTo(8);
      assertThat(sampler.maxPeers).as(report).isZero();
      assertThat(sampler.maxTracked).as(report).isLessThanOrEqualTo(4);
      assertThat(heapAfter - heapBefore).as(report).isLessThan(8_000_000L);
      assertThat(after.internalErrors()).isZero();
      assertThat(loop.failures()).isZero();
      // and it still answers a fresh client at once
      try (RawKrpc fresh = RawKrpc.open(TestSwarm.host(153), NodeId.random(new SplittableRandom(153)))) {
        byte[] tid = {'o', 'k'};
        assertThat(fresh.ask(target, tid, fresh.query("ping", tid, BDictionary.builder()), Duration.ofSeconds(5)))
            .isPresent();
      }
    }
  }

  static long usedHeapAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
      best = Math.min(best, memory.getHeapMemoryUsage().getUsed());
    }
    return best;
  }

  // ------------------------------------------------------------------ the flooder

  /** {@code threads} sockets on one IP, each sending its share of {@code total} datagrams; counts what comes back. */
  static final class Flooder {
    final InetAddress address;
    final Endpoint target;
    final int total;
    final int threads;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong responses = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong queries = new AtomicLong();
    final AtomicBoolean listening = new AtomicBoolean(true);
    final List<Thread> listeners = new ArrayList<>();
    final List<DatagramSocket> sockets = new ArrayList<>();

    Flooder(InetAddress address, Endpoint target, int total, int threads) {
      this.address = address;
      this.target = target;
      this.total = total;
      this.threads = threads;
    }

    long replies() {
      return responses.get() + errors.get();
    }

    void run() throws Exception {
      for (int i = 0; i < threads; i++) {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(address, 0));
        s.setSoTimeout(100);
        sockets.add(s);
        Thread listener = new Thread(() -> listen(s), "flood-listener-" + i);
        listener.setDaemon(true);
        listener.start();
        listeners.add(listener);
      }
      List<Thread> senders = new ArrayList<>();
      long deadline = System.nanoTime() + HARD_LIMIT.toNanos();
      for (int i = 0; i < threads; i++) {
        int share = total / threads + (i < total % threads ? 1 : 0);
        DatagramSocket s = sockets.get(i);
        SplittableRandom random = new SplittableRandom(1000 + i);
        Thread sender =
            new Thread(
                () -> {
                  byte[][] mix = new byte[1][];
                  for (int n = 0; n < share && System.nanoTime() < deadline; n++) {
                    mix[0] = datagram(random, n);
                    try {
                      s.send(new DatagramPacket(mix[0], mix[0].length, target.address(), target.port()));
                      sent.incrementAndGet();
                    } catch (IOException e) {
                      // ENOBUFS and the like: try the next one (still counted against the share)
                    }
                  }
                },
                "flood-sender-" + i);
        sender.start();
        senders.add(sender);
      }
      for (Thread t : senders) {
        t.join(HARD_LIMIT.toMillis());
      }
    }

    private void listen(DatagramSocket s) {
      byte[] buf = new byte[65_536];
      long deadline = System.nanoTime() + 2 * HARD_LIMIT.toNanos();
      while (listening.get() && System.nanoTime() < deadline) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          s.receive(p);
        } catch (SocketTimeoutException e) {
          continue;
        } catch (IOException e) {
          return; // closed
        }
        String text = new String(p.getData(), 0, p.getLength(), StandardCharsets.ISO_8859_1);
        if (text.contains("1:y1:r")) {
          responses.incrementAndGet();
        } else if (text.contains("1:y1:e")) {
          errors.incrementAndGet();
        } else {
          queries.incrementAndGet(); // the node pinging a querier to verify it
        }
      }
    }

    void stopListening() throws InterruptedException {
      Thread.sleep(200); // late replies
      listening.set(false);
      for (Thread t : listeners) {
        t.join(5_000);
      }
      sockets.forEach(DatagramSocket::close);
    }
  }

  private static final String[] METHODS = {"ping", "find_node", "get_peers"};

  /** The n-th flood datagram: a mix of valid queries and several kinds of junk. */
  static byte[] datagram(SplittableRandom random, int n) {
    int kind = random.nextInt(100);
    if (kind < 50) {
      return validQuery(random);
    }
    if (kind < 70) { // random bytes
      byte[] b = new byte[random.nextInt(1, 1500)];
      random.nextBytes(b);
      return b;
    }
    if (kind < 85) { // a valid query cut short
      byte[] q = validQuery(random);
      return Arrays.copyOf(q, random.nextInt(q.length));
    }
    if (kind < 95) { // absurd lengths and numbers
      String[] huge = {
        "d1:t999999999:aa1:y1:qe",
        "d1:ad2:id2147483647:abce1:q4:ping1:t2:aa1:y1:qe",
        "d1:ad2:id20:abcdefghij0123456789e1:q9223372036854775807:ping1:t2:aa1:y1:qe",
        "i99999999999999999999999999999e",
        "l".repeat(2000) + "e".repeat(2000),
        "d1:t4294967296:x1:y1:qe",
      };
      return huge[random.nextInt(huge.length)].getBytes(StandardCharsets.ISO_8859_1);
    }
    byte[] big = new byte[random.nextInt(8_000, 60_000)]; // oversized, mostly a long string's payload
    byte[] head = ("d1:t" + (big.length - 10) + ":").getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(head, 0, big, 0, head.length);
    return big;
  }

  static byte[] validQuery(SplittableRandom random) {
    String method = METHODS[random.nextInt(METHODS.length)];
    byte[] tid = new byte[random.nextInt(1, 5)];
    random.nextBytes(tid);
    BDictionary.Builder args = BDictionary.builder().put("id", NodeId.random(random).toBytes());
    if (method.equals("find_node")) {
      args.put("target", NodeId.random(random).toBytes());
    } else if (method.equals("get_peers")) {
      args.put("info_hash", NodeId.random(random).toBytes());
    }
    return Bencode.encode(
        BDictionary.builder()
            .put("a", args.build())
            .put("q", BString.utf8(method))
            .put("t", tid)
            .put("y", BString.utf8("q"))
            .build());
  }

  // ------------------------------------------------------------------ the second source

  /** Pings every {@code interval} from one socket; a listener thread matches replies by transaction id. */
  static final class Prober {
    static final int MAX_PINGS = 10_000;
    final DatagramSocket socket;
    final Endpoint target;
    final Duration interval;
    final NodeId id = NodeId.random(new SplittableRandom(152));
    final AtomicLongArray sentAt = new AtomicLongArray(MAX_PINGS);
    final AtomicLongArray answeredAt = new AtomicLongArray(MAX_PINGS);
    final AtomicBoolean running = new AtomicBoolean(true);
    final ConcurrentHashMap<Integer, Boolean> seen = new ConcurrentHashMap<>();
    Thread sender;
    Thread listener;
    volatile int count;

    Prober(InetAddress address, Endpoint target, Duration interval) throws SocketException {
      this.socket = new DatagramSocket(new InetSocketAddress(address, 0));
      this.socket.setSoTimeout(50);
      this.target = target;
      this.interval = interval;
    }

    void start() {
      listener = new Thread(this::listen, "probe-listener");
      listener.setDaemon(true);
      listener.start();
      sender = new Thread(this::send, "probe-sender");
      sender.setDaemon(true);
      sender.start();
    }

    private void send() {
      long deadline = System.nanoTime() + HARD_LIMIT.toNanos();
      long next = System.nanoTime();
      for (int i = 0; i < MAX_PINGS && running.get() && System.nanoTime() < deadline; i++) {
        byte[] tid = {'p', (byte) (i >>> 8), (byte) i};
        byte[] ping =
            Bencode.encode(
                BDictionary.builder()
                    .put("a", BDictionary.builder().put("id", id.toBytes()).build())
                    .put("q", BString.utf8("ping"))
                    .put("t", tid)
                    .put("y", BString.utf8("q"))
                    .build());
        sentAt.set(i, System.nanoTime());
        count = i + 1;
        try {
          socket.send(new DatagramPacket(ping, ping.length, target.address(), target.port()));
        } catch (IOException e) {
          // counted as unanswered
        }
        next += interval.toNanos();
        long sleep = next - System.nanoTime();
        if (sleep > 0) {
          try {
            TimeUnit.NANOSECONDS.sleep(sleep);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }

    private void listen() {
      byte[] buf = new byte[65_536];
      long deadline = System.nanoTime() + 2 * HARD_LIMIT.toNanos();
      while (running.get() && System.nanoTime() < deadline) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(p);
        } catch (SocketTimeoutException e) {
          continue;
        } catch (IOException e) {
          return;
        }
        long now = System.nanoTime();
        String text = new String(p.getData(), 0, p.getLength(), StandardCharsets.ISO_8859_1);
        int t = text.indexOf("1:t3:p");
        if (t < 0 || !text.contains("1:y1:r")) {
          continue; // a verification ping from the node, or something else
        }
        int i = (p.getData()[t + 6] & 0xff) << 8 | (p.getData()[t + 7] & 0xff);
        if (i < MAX_PINGS && seen.putIfAbsent(i, Boolean.TRUE) == null) {
          answeredAt.set(i, now);
        }
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      sender.join(5_000);
      Thread.sleep(300); // replies in flight
      listener.join(5_000);
      socket.close();
    }

    int sentDuring(long from, long to) {
      int n = 0;
      for (int i = 0; i < count; i++) {
        long s = sentAt.get(i);
        if (s >= from && s <= to) {
          n++;
        }
      }
      return n;
    }

    int answeredDuring(long from, long to) {
      int n = 0;
      for (int i = 0; i < count; i++) {
        long s = sentAt.get(i);
        if (s >= from && s <= to && answeredAt.get(i) != 0) {
          n++;
        }
      }
      return n;
    }

    double latencyMillis(double quantile) {
      List<Long> l = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        if (answeredAt.get(i) != 0) {
          l.add(answeredAt.get(i) - sentAt.get(i));
        }
      }
      if (l.isEmpty()) {
        return Double.NaN;
      }
      l.sort(null);
      int index = (int) Math.min(l.size() - 1, Math.max(0, Math.ceil(quantile * l.size()) - 1));
      return l.get(index) / 1e6;
    }
  }

  // ------------------------------------------------------------------ node state during the flood

  /** Samples the node's stats every 20 ms: the largest in-flight, table and peer-store sizes seen. */
  static final class Sampler {
    final Dht node;
    final AtomicBoolean running = new AtomicBoolean(true);
    volatile int maxInFlight;
    volatile int maxTable;
    volatile int maxPeers;
    volatile int maxTracked;
    Thread thread;

    Sampler(Dht node) {
      this.node = node;
    }

    void start() {
      thread =
          new Thread(
              () -> {
                long deadline = System.nanoTime() + HARD_LIMIT.toNanos();
                while (running.get() && System.nanoTime() < deadline) {
                  try {
                    NodeStats s = node.stats().get(5, TimeUnit.SECONDS);
                    maxInFlight = Math.max(maxInFlight, s.inFlightRpcs());
                    maxTable = Math.max(maxTable, s.routingTableSize());
                    maxPeers = Math.max(maxPeers, s.storedPeers());
                    maxTracked = Math.max(maxTracked, node.floodGuardTrackedIps());
                    Thread.sleep(20);
                  } catch (InterruptedException e) {
                    return;
                  } catch (Exception e) {
                    // a stats call that timed out under load: try again
                  }
                }
              },
              "flood-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join(10_000);
    }
  }
}
