package io.dht;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Endpoint;
import io.dht.node.DhtConfig;
import io.dht.node.LookupResult;
import io.dht.node.NodeStats;
import io.dht.transport.EventLoop;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A test fixture: {@code n} real UDP nodes on 127.0.0.{firstHost + i}, ephemeral ports, private-network config,
 * hosted on two shared event loops. Closing it checks that no exception escaped a node.
 */
public final class TestSwarm implements AutoCloseable {
  public static final long TIMEOUT_SECONDS = 20;

  private final List<EventLoop> loops = new ArrayList<>();
  private final List<Dht> nodes = new ArrayList<>();

  private TestSwarm() {}

  /** Starts the nodes; node i > 0 has node 0 as its bootstrap contact. Nothing is bootstrapped yet. */
  public static TestSwarm start(int n, int firstHost) {
    TestSwarm swarm = new TestSwarm();
    swarm.loops.add(EventLoop.start("test-loop-0"));
    swarm.loops.add(EventLoop.start("test-loop-1"));
    for (int i = 0; i < n; i++) {
      Dht.Builder b =
          Dht.builder()
              .bindAddress(host(firstHost + i))
              .config(DhtConfig.privateNetwork())
              .eventLoop(swarm.loops.get(i % 2));
      if (i > 0) {
        b.addBootstrap(swarm.nodes.get(0).localEndpoint());
      }
      swarm.nodes.add(b.start());
    }
    return swarm;
  }

  public static InetAddress host(int lastOctet) {
    return Endpoint.parseAddress("127.0.0." + lastOctet);
  }

  public Dht node(int i) {
    return nodes.get(i);
  }

  public List<Dht> nodes() {
    return nodes;
  }

  public int size() {
    return nodes.size();
  }

  public EventLoop loop(int i) {
    return loops.get(i);
  }

  /** Bootstraps nodes 1..n-1 concurrently and waits for all. */
  public void bootstrapAll() throws Exception {
    List<CompletableFuture<LookupResult>> all = new ArrayList<>();
    for (int i = 1; i < nodes.size(); i++) {
      all.add(nodes.get(i).bootstrap());
    }
    for (CompletableFuture<LookupResult> f : all) {
      assertThat(f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).responses()).isPositive();
    }
  }

  public static <T> T get(CompletableFuture<T> future) throws Exception {
    return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static <T> T getUnchecked(CompletableFuture<T> future) {
    try {
      return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  /** Closes every node, checks that neither the loops nor the nodes caught an exception, stops the loops. */
  @Override
  public void close() {
    try {
      for (Dht d : nodes) {
        CompletableFuture<NodeStats> stats = d.stats();
        if (getUnchecked(stats.handle((s, e) -> e == null))) {
          assertThat(stats.join().internalErrors()).as("internal errors of %s", d).isZero();
        } // else the test closed that node
      }
      for (EventLoop loop : loops) {
        assertThat(loop.failures()).as("exceptions caught by %s", loop.name()).isZero();
      }
    } finally {
      nodes.forEach(Dht::close);
      loops.forEach(EventLoop::close);
    }
  }
}
