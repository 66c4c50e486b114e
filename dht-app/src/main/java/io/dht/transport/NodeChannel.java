package io.dht.transport;

import io.dht.id.Endpoint;
import io.dht.node.DhtNode;
import io.dht.node.Transport;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One node hosted by an {@link EventLoop}: its bound UDP channel (or two, one per address family, for a BEP 32
 * dual-stack node) and its {@link DhtNode}. The node sends through this object (it is the node's {@link
 * Transport}), which routes each datagram to the channel of the destination's family. Everything but {@link
 * #localEndpoint()}, {@link #localEndpoints()}, {@link #loop()}, {@link #dualStack()}, the counters and {@link
 * #execute(Runnable)} is for the loop thread only.
 */
public final class NodeChannel implements Transport {
  private final EventLoop loop;
  /** The IPv4 socket; null when the node has none. */
  final DatagramChannel channel4;
  /** The IPv6 socket; null when the node has none. */
  final DatagramChannel channel6;
  private final Endpoint localEndpoint4;
  private final Endpoint localEndpoint6;
  /** An IPv6 socket bound to {@code ::} also reaches IPv4 destinations (as IPv4-mapped addresses). */
  private final boolean v6WildcardReachesV4;
  SelectionKey key4;
  SelectionKey key6;
  /** The sockets' descriptors when the loop uses batched I/O, else -1. */
  int fd4 = -1;
  int fd6 = -1;
  DhtNode node;
  String nodeId = "?";
  boolean closed;
  /** Drops a flooding IP's datagrams before they are decoded; null when the node does not throttle. */
  FloodGuard guard;

  // Written only by the loop thread, read by anyone.
  private volatile long familyDrops;
  private volatile long floodDrops;
  private volatile int floodGuardTrackedIps;

  NodeChannel(
      EventLoop loop,
      DatagramChannel channel4,
      Endpoint localEndpoint4,
      DatagramChannel channel6,
      Endpoint localEndpoint6) {
    if (channel4 == null && channel6 == null) {
      throw new IllegalArgumentException("a node needs at least one channel");
    }
    this.loop = loop;
    this.channel4 = channel4;
    this.channel6 = channel6;
    this.localEndpoint4 = localEndpoint4;
    this.localEndpoint6 = localEndpoint6;
    this.v6WildcardReachesV4 =
        channel4 == null && localEndpoint6 != null && localEndpoint6.address().isAnyLocalAddress();
  }

  /**
   * The address and port the node's primary channel is bound to: the IPv4 one when there is one, else the IPv6
   * one.
   */
  public Endpoint localEndpoint() {
    return localEndpoint4 != null ? localEndpoint4 : localEndpoint6;
  }

  /** The bound address of the channel of one family, if the node has one. */
  public Optional<Endpoint> localEndpoint(boolean ipv6) {
    return Optional.ofNullable(ipv6 ? localEndpoint6 : localEndpoint4);
  }

  /** Every bound endpoint: IPv4 first. */
  public List<Endpoint> localEndpoints() {
    List<Endpoint> all = new ArrayList<>(2);
    if (localEndpoint4 != null) {
      all.add(localEndpoint4);
    }
    if (localEndpoint6 != null) {
      all.add(localEndpoint6);
    }
    return List.copyOf(all);
  }

  public EventLoop loop() {
    return loop;
  }

  /** The hosted node; loop thread only. */
  public DhtNode node() {
    assert loop.inEventLoop() : "node() off the loop thread";
    return node;
  }

  /** Runs {@code task} on the loop; an exception escaping it is logged with this node's id and counted. */
  public void execute(Runnable task) {
    loop.execute(() -> loop.runGuarded(nodeId, "command", task));
  }

  /** Whether {@link #close()} has run. Loop thread only. */
  public boolean isClosed() {
    return closed;
  }

  /** Closes the node (its pending futures fail) and its channels. Loop thread only; idempotent. */
  public void close() {
    assert loop.inEventLoop() : "close() off the loop thread";
    closeOnLoop();
  }

  void closeOnLoop() {
    if (closed) {
      return;
    }
    closed = true;
    loop.beforeChannelsClose(this);
    loop.unregister(this);
    for (SelectionKey key : new SelectionKey[] {key4, key6}) {
      if (key != null) {
        key.cancel();
      }
    }
    for (DatagramChannel channel : new DatagramChannel[] {channel4, channel6}) {
      if (channel != null) {
        EventLoop.closeQuietly(channel);
      }
    }
    if (node != null) {
      loop.runGuarded(nodeId, "close", node::close);
    }
  }

  /**
   * BEP 32: true when the node has a socket of each family (then it asks for {@code nodes} and {@code nodes6} and
   * keeps contacts of both in its two routing tables).
   */
  @Override
  public boolean dualStack() {
    return channel4 != null && channel6 != null;
  }

  /** The channel that reaches {@code to}'s family, or null when the node has no socket for it. */
  DatagramChannel channelFor(Endpoint to) {
    if (to.isIpv6()) {
      return channel6;
    }
    if (channel4 != null) {
      return channel4;
    }
    return v6WildcardReachesV4 ? channel6 : null;
  }

  /**
   * Datagrams the node wanted to send to an address family it has no socket for (an IPv6 contact of an IPv4-only
   * node, say). They are dropped, and also counted in the loop's {@link EventLoop#sendErrors()}.
   */
  public long familyDrops() {
    return familyDrops;
  }

  void countFamilyDrop() {
    familyDrops++;
  }

  /**
   * Datagrams dropped unread by the flood guard: an IP sent more than {@value FloodGuard#RATE_FACTOR} times the
   * node's per-IP query rate (and burst) in datagrams of any kind. Zero when the node's throttle is off.
   */
  public long floodDrops() {
    return floodDrops;
  }

  /** Source IPs the flood guard tracks now (at most {@value FloodGuard#MAX_TRACKED}). */
  public int floodGuardTrackedIps() {
    return floodGuardTrackedIps;
  }

  /** Loop only: whether a datagram from {@code address} may reach the node. */
  boolean admit(java.net.InetAddress address, long now) {
    if (guard == null) {
      return true;
    }
    boolean ok = guard.allow(address, now);
    if (!ok) {
      floodDrops++;
    }
    int tracked = guard.trackedCount();
    if (tracked != floodGuardTrackedIps) {
      floodGuardTrackedIps = tracked; // a volatile write only when the count changes, not per datagram
    }
    return ok;
  }

  /**
   * {@inheritDoc} Sends synchronously on the loop through the channel of the destination's family; a full socket
   * buffer drops the datagram and counts it, as does a destination of a family we have no socket for.
   */
  @Override
  public void send(Endpoint to, byte[] data, int offset, int length) {
    loop.send(this, to, data, offset, length);
  }

  @Override
  public String toString() {
    StringBuilder where = new StringBuilder();
    for (Endpoint e : localEndpoints()) {
      where.append(where.length() == 0 ? "" : " and ").append(e);
    }
    return "node " + nodeId + " at " + where;
  }
}
