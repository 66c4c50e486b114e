package io.dht.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.Dht;
import io.dht.id.Endpoint;
import io.dht.node.DhtConfig;
import io.dht.node.LookupResult;
import io.dht.transport.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: {@code n} real UDP nodes on 127.0.3.{firstHost + i} (a /24 no other test uses), bootstrapped
 * through node 0 and refreshed so their routing tables are full. Closing checks that no exception escaped a loop.
 */
public final class ApiSwarm implements AutoCloseable {
  public static final long TIMEOUT_SECONDS = 20;

  public final List<EventLoop> loops = new ArrayList<>();
  public final List<Dht> nodes = new ArrayList<>();

  public static ApiSwarm start(int n, int firstHost) throws Exception {
    return start(n, firstHost, DhtConfig.privateNetwork());
  }

  public static ApiSwarm start(int n, int firstHost, DhtConfig config) throws Exception {
    ApiSwarm s = new ApiSwarm();
    try {
      s.loops.add(EventLoop.start("api-test-loop-0"));
      s.loops.add(EventLoop.start("api-test-loop-1"));
      for (int i = 0; i < n; i++) {
        Dht.Builder b =
            Dht.builder()
                .bindAddress(Endpoint.parseAddress("127.0.3." + (firstHost + i)))
                .config(config)
                .eventLoop(s.loops.get(i % 2));
        if (i > 0) {
          b.addBootstrap(s.nodes.get(0).localEndpoint());
        }
        s.nodes.add(b.start());
      }
      List<CompletableFuture<LookupResult>> joins = new ArrayList<>();
      for (int i = 1; i < n; i++) {
        joins.add(s.nodes.get(i).bootstrap());
      }
      for (CompletableFuture<LookupResult> f : joins) {
        assertThat(f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).responses()).isPositive();
      }
      // node 0 learns everyone through their bootstrap queries; one lookup fills its table with answered nodes
      s.nodes.get(0).findNode(s.nodes.get(0).id()).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return s;
    } catch (Exception | AssertionError e) {
      s.close();
      throw e;
    }
  }

  public Dht node(int i) {
    return nodes.get(i);
  }

  @Override
  public void close() {
    try {
      for (EventLoop loop : loops) {
        assertThat(loop.failures()).as("exceptions caught by %s", loop.name()).isZero();
      }
    } finally {
      nodes.forEach(Dht::close);
      loops.forEach(EventLoop::close);
    }
  }
}
