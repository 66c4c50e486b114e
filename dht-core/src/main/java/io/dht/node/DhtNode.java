package io.dht.node;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * The Mainline DHT protocol state machine, free of I/O: it is driven by {@link #onDatagram}, {@link #tick} and
 * the command methods, and acts only through its {@link Transport}. Not thread-safe: exactly one thread (the
 * runtime's loop, or the simulator) may call it. Futures complete on that thread.
 */
public final class DhtNode {
  public DhtNode(
      DhtConfig config, NodeId id, Transport transport, MonotonicClock clock, RandomGenerator random) {
    throw new UnsupportedOperationException("being written");
  }

  public NodeId id() {
    throw new UnsupportedOperationException();
  }

  public DhtConfig config() {
    throw new UnsupportedOperationException();
  }

  /** Handles one received datagram; never throws for any content. */
  public void onDatagram(Endpoint from, byte[] data, int offset, int length) {
    throw new UnsupportedOperationException();
  }

  /** Fires every timer that is due at the clock's current time. */
  public void tick() {
    throw new UnsupportedOperationException();
  }

  /** The clock time at which {@link #tick()} must next be called; {@code Long.MAX_VALUE} when idle. */
  public long nextDeadlineNanos() {
    throw new UnsupportedOperationException();
  }

  /** Pings an endpoint; completes with the responder's contact or fails with {@link RpcTimeoutException}. */
  public CompletableFuture<PingResult> ping(Endpoint endpoint) {
    throw new UnsupportedOperationException();
  }

  /** Pings the seeds, then looks up our own id to fill the routing table. */
  public CompletableFuture<LookupResult> bootstrap(List<Endpoint> seeds) {
    throw new UnsupportedOperationException();
  }

  /** Iterative find_node for {@code target}. */
  public CompletableFuture<LookupResult> findNode(NodeId target) {
    throw new UnsupportedOperationException();
  }

  /** Iterative get_peers for {@code infoHash}. */
  public CompletableFuture<PeersResult> getPeers(NodeId infoHash) {
    throw new UnsupportedOperationException();
  }

  /** get_peers, then announce_peer to the k closest that gave a token; port 0 means implied_port. */
  public CompletableFuture<AnnounceResult> announce(NodeId infoHash, int port) {
    throw new UnsupportedOperationException();
  }

  /** The live routing-table entries (for saving, and for inspection). */
  public List<Contact> routingTableContacts() {
    throw new UnsupportedOperationException();
  }

  /** Adds saved contacts as unverified candidates and pings them; they enter the table when they answer. */
  public void restoreRoutingTable(List<Contact> contacts) {
    throw new UnsupportedOperationException();
  }

  /** The n closest good nodes in our routing table to {@code target}. */
  public List<Contact> closestKnown(NodeId target, int n) {
    throw new UnsupportedOperationException();
  }

  public NodeStats stats() {
    throw new UnsupportedOperationException();
  }

  /** Stops the node: outstanding futures fail with {@link NodeClosedException}; later calls are ignored. */
  public void close() {
    throw new UnsupportedOperationException();
  }

  public boolean isClosed() {
    throw new UnsupportedOperationException();
  }
}
