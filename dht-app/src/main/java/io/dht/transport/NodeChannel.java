package io.dht.transport;

import io.dht.id.Endpoint;
import io.dht.node.DhtNode;
import io.dht.node.Transport;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;

/**
 * One node hosted by an {@link EventLoop}: its bound UDP channel and its {@link DhtNode}. The node sends through
 * this object (it is the node's {@link Transport}). Everything but {@link #localEndpoint()}, {@link #loop()} and
 * {@link #execute(Runnable)} is for the loop thread only.
 */
public final class NodeChannel implements Transport {
  private final EventLoop loop;
  final DatagramChannel channel;
  private final Endpoint localEndpoint;
  SelectionKey key;
  DhtNode node;
  String nodeId = "?";
  boolean closed;

  NodeChannel(EventLoop loop, DatagramChannel channel, Endpoint localEndpoint) {
    this.loop = loop;
    this.channel = channel;
    this.localEndpoint = localEndpoint;
  }

  /** The address and port the channel is actually bound to. */
  public Endpoint localEndpoint() {
    return localEndpoint;
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

  /** Closes the node (its pending futures fail) and the channel. Loop thread only; idempotent. */
  public void close() {
    assert loop.inEventLoop() : "close() off the loop thread";
    closeOnLoop();
  }

  void closeOnLoop() {
    if (closed) {
      return;
    }
    closed = true;
    loop.unregister(this);
    if (key != null) {
      key.cancel();
    }
    EventLoop.closeQuietly(channel);
    loop.runGuarded(nodeId, "close", node::close);
  }

  /** {@inheritDoc} Sends synchronously on the loop; a full socket buffer drops the datagram and counts it. */
  @Override
  public void send(Endpoint to, byte[] data, int offset, int length) {
    loop.send(this, to, data, offset, length);
  }

  @Override
  public String toString() {
    return "node " + nodeId + " at " + localEndpoint;
  }
}
