package io.dht.node;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * A minimal in-memory network for core tests: datagrams are queued and delivered in order with a fixed 10 ms
 * one-way delay; a fake clock advances to the next delivery or timer. dht-sim has the full simulator.
 */
final class TestNetwork {
  static final long MS = 1_000_000L;

  private record Datagram(long at, Endpoint from, Endpoint to, byte[] data) {}

  long now = 1_000 * MS;
  final SplittableRandom random;
  final Map<Endpoint, DhtNode> nodes = new HashMap<>();
  final List<DhtNode> list = new ArrayList<>();
  private final ArrayDeque<Datagram> inFlight = new ArrayDeque<>();
  final List<byte[]> sentBy0 = new ArrayList<>();

  TestNetwork(long seed) {
    random = new SplittableRandom(seed);
  }

  DhtNode add(DhtConfig config) {
    int n = list.size();
    Endpoint ep = Endpoint.of(new byte[] {10, (byte) (n >> 16), (byte) (n >> 8), (byte) n}, 6881);
    return add(config, ep, NodeId.random(random));
  }

  DhtNode add(DhtConfig config, Endpoint ep, NodeId id) {
    DhtNode[] self = new DhtNode[1];
    DhtNode node =
        new DhtNode(
            config,
            id,
            (to, data, off, len) -> {
              byte[] copy = Arrays.copyOfRange(data, off, off + len);
              inFlight.add(new Datagram(now + 10 * MS, ep, to, copy));
            },
            () -> now,
            random.split());
    self[0] = node;
    nodes.put(ep, node);
    list.add(node);
    return node;
  }

  Endpoint endpointOf(DhtNode node) {
    for (Map.Entry<Endpoint, DhtNode> e : nodes.entrySet()) {
      if (e.getValue() == node) {
        return e.getKey();
      }
    }
    throw new IllegalArgumentException();
  }

  /** Sends raw bytes from a foreign endpoint. */
  void inject(Endpoint from, Endpoint to, byte[] data) {
    inFlight.add(new Datagram(now, from, to, data));
  }

  /** Runs until the future completes; fails after 10 minutes of virtual time. */
  <T> T await(CompletableFuture<T> f) {
    long limit = now + 600_000 * MS;
    while (!f.isDone()) {
      if (!step(limit)) {
        throw new AssertionError("not completed by virtual time limit");
      }
    }
    return f.join();
  }

  /** Runs for {@code nanos} of virtual time. */
  void runFor(long nanos) {
    long limit = now + nanos;
    while (step(limit)) {
      // keep going
    }
    now = limit;
  }

  private boolean step(long limit) {
    long nextTimer = Long.MAX_VALUE;
    DhtNode timerNode = null;
    for (DhtNode n : list) {
      long d = n.nextDeadlineNanos();
      if (d < nextTimer) {
        nextTimer = d;
        timerNode = n;
      }
    }
    Datagram d = inFlight.peek();
    long nextDatagram = d == null ? Long.MAX_VALUE : d.at;
    long next = Math.min(nextTimer, nextDatagram);
    if (next > limit) {
      return false;
    }
    now = Math.max(now, next);
    if (nextDatagram <= nextTimer) {
      inFlight.poll();
      DhtNode target = nodes.get(d.to);
      if (target != null && !target.isClosed()) {
        target.onDatagram(d.from, d.data, 0, d.data.length);
      } else if (d.to.port() == 1) {
        sentBy0.add(d.data);
      }
    } else {
      timerNode.tick();
    }
    return true;
  }
}
