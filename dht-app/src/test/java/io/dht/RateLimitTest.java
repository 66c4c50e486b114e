package io.dht;

import static io.dht.TestSwarm.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.dht.bencode.BDictionary;
import io.dht.id.NodeId;
import io.dht.node.DhtConfig;
import io.dht.node.NodeStats;
import io.dht.transport.EventLoop;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The abuse limits over real UDP: the per-IP query throttle (burst, then rate), the reply-bytes cap, the event
 * loop's flood guard, and {@code withoutRateLimits()} ({@code dht node --rate-limit 0}) lifting all of them.
 */
class RateLimitTest {
  private static final Duration DRAIN = Duration.ofMillis(1500);

  private static byte[] ping(RawKrpc client, int i) {
    byte[] tid = {'p', (byte) (i >>> 8), (byte) i};
    return client.query("ping", tid, BDictionary.builder());
  }

  private static long responses(List<RawKrpc.Datagram> got) {
    return got.stream().filter(d -> d.type().equals("r")).count();
  }

  @Test
  void oneIpGetsItsBurstThenTheRateAndOthersAreServed() throws Exception {
    DhtConfig config = DhtConfig.defaults(); // 20 queries/s per IP, bursts of 100
    try (EventLoop loop = EventLoop.start("test-loop-rate");
        Dht node = Dht.builder().bindAddress(TestSwarm.host(160)).config(config).eventLoop(loop).start();
        RawKrpc greedy = RawKrpc.open(TestSwarm.host(161), NodeId.random(new SplittableRandom(161)));
        RawKrpc polite = RawKrpc.open(TestSwarm.host(162), NodeId.random(new SplittableRandom(162)))) {
      long start = System.nanoTime();
      for (int i = 0; i < 300; i++) {
        greedy.send(node.localEndpoint(), ping(greedy, i));
      }
      List<RawKrpc.Datagram> got = greedy.drain(DRAIN, 1000);
      double seconds = (System.nanoTime() - start) / 1e9;
      long answered = responses(got);
      assertThat(answered).isGreaterThanOrEqualTo(config.queryBurstPerIp());
      assertThat(answered).isLessThanOrEqualTo(config.queryBurstPerIp() + (long) Math.ceil(seconds * config.queryRatePerIp()));
      NodeStats s = get(node.stats());
      assertThat(s.queriesThrottled() + node.floodDrops()).isEqualTo(300 - answered);
      // the greedy IP is the one throttled source, in one episode (the flood guard may have dropped it all first)
      assertThat(s.throttledSources()).isEqualTo(s.queriesThrottled() > 0 ? 1 : 0);
      assertThat(s.throttleEpisodes()).isEqualTo(s.throttledSources());

      // another IP is not affected
      byte[] tid = {'o', 'k'};
      assertThat(polite.ask(node.localEndpoint(), tid, polite.query("ping", tid, BDictionary.builder()),
          Duration.ofSeconds(5))).isPresent();
      assertThat(node.floodGuardTrackedIps()).isBetween(1, 2);
    }
  }

  @Test
  void theFloodGuardDropsAFloodingIpBeforeDecoding() throws Exception {
    try (EventLoop loop = EventLoop.start("test-loop-guard");
        Dht node = Dht.builder().bindAddress(TestSwarm.host(163)).config(DhtConfig.defaults()).eventLoop(loop).start();
        RawKrpc flooder = RawKrpc.open(TestSwarm.host(164), NodeId.random(new SplittableRandom(164)))) {
      byte[] junk = "this is not bencode".getBytes(StandardCharsets.ISO_8859_1);
      for (int i = 0; i < 3000; i++) {
        flooder.send(node.localEndpoint(), junk);
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (get(node.stats()).undecodable() + node.floodDrops() < 3000 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      NodeStats s = get(node.stats());
      long seen = s.undecodable() + node.floodDrops(); // the rest, if any, overflowed the socket buffer
      assertThat(seen).isGreaterThanOrEqualTo(2000);
      // five times the default burst of 100 (plus what the rate refilled meanwhile) got through to the decoder
      assertThat(s.undecodable()).isBetween(500L, 1000L);
      assertThat(node.floodDrops()).isGreaterThanOrEqualTo(seen - 1000);
      assertThat(s.datagramsIn()).as("the node never saw the dropped ones").isEqualTo(s.undecodable());
    }
  }

  @Test
  void withoutRateLimitsEveryQueryIsAnswered() throws Exception {
    DhtConfig config = DhtConfig.defaults().withoutRateLimits(); // what dht node --rate-limit 0 runs
    try (EventLoop loop = EventLoop.start("test-loop-norate");
        Dht node = Dht.builder().bindAddress(TestSwarm.host(165)).config(config).eventLoop(loop).start();
        RawKrpc client = RawKrpc.open(TestSwarm.host(166), NodeId.random(new SplittableRandom(166)))) {
      int n = 1500; // far over the default burst, and 15 * 1500 * ~80 bytes over the default reply cap's burst
      int answered = 0;
      for (int batch = 0; batch < n / 100; batch++) {
        for (int i = batch * 100; i < (batch + 1) * 100; i++) {
          client.send(node.localEndpoint(), ping(client, i));
        }
        answered += (int) responses(client.drain(Duration.ofMillis(300), 1000));
      }
      answered += (int) responses(client.drain(DRAIN, 1000));
      NodeStats s = get(node.stats());
      assertThat(s.queriesThrottled()).isZero();
      assertThat(s.repliesDropped()).isZero();
      assertThat(node.floodDrops()).isZero();
      assertThat(s.pingsIn()).isEqualTo(n);
      assertThat(answered).isEqualTo(n);
    }
  }

  @Test
  void theReplyByteCapDropsRepliesBeyondItsBudget() throws Exception {
    DhtConfig config = DhtConfig.defaults().toBuilder().queryRatePerIp(0).maxReplyBytesPerSecond(1000).build();
    try (EventLoop loop = EventLoop.start("test-loop-bytes");
        Dht node = Dht.builder().bindAddress(TestSwarm.host(167)).config(config).eventLoop(loop).start();
        RawKrpc client = RawKrpc.open(TestSwarm.host(168), NodeId.random(new SplittableRandom(168)))) {
      long start = System.nanoTime();
      for (int i = 0; i < 400; i++) {
        client.send(node.localEndpoint(), ping(client, i));
      }
      List<RawKrpc.Datagram> got = client.drain(DRAIN, 1000);
      double seconds = (System.nanoTime() - start) / 1e9;
      List<RawKrpc.Datagram> replies = got.stream().filter(d -> d.type().equals("r")).toList();
      long bytes = replies.stream().mapToLong(d -> d.bytes().length).sum();
      // 3 s of burst plus what the elapsed time refilled
      assertThat(bytes).isLessThanOrEqualTo(3 * 1000 + (long) Math.ceil(seconds * 1000));
      assertThat(replies).isNotEmpty();
      NodeStats s = get(node.stats());
      assertThat(s.repliesDropped()).isEqualTo(400 - replies.size());
      assertThat(s.pingsIn()).isEqualTo(400);
    }
  }

  @Test
  void malformedQueriesCountAgainstThePerIpLimit() throws Exception {
    DhtConfig config = DhtConfig.defaults();
    try (EventLoop loop = EventLoop.start("test-loop-bad");
        Dht node = Dht.builder().bindAddress(TestSwarm.host(169)).config(config).eventLoop(loop).start();
        RawKrpc client = RawKrpc.open(TestSwarm.host(170), NodeId.random(new SplittableRandom(170)))) {
      long start = System.nanoTime();
      for (int i = 0; i < 400; i++) { // within the flood guard's burst: all reach the node
        String q = "d1:ad2:id5:shorte1:q4:ping1:t3:b" + (char) ('A' + i / 26 % 26) + (char) ('a' + i % 26)
            + "1:y1:qe";
        client.send(node.localEndpoint(), q.getBytes(StandardCharsets.ISO_8859_1));
      }
      List<RawKrpc.Datagram> got = client.drain(DRAIN, 1000);
      double seconds = (System.nanoTime() - start) / 1e9;
      long errors = got.stream().filter(d -> d.type().equals("e")).count();
      assertThat(errors)
          .as("error replies to one IP")
          .isLessThanOrEqualTo(config.queryBurstPerIp() + (long) Math.ceil(seconds * config.queryRatePerIp()));
    }
  }
}
