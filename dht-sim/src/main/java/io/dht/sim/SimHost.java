package io.dht.sim;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.MemoryItemStore;
import io.dht.node.DhtConfig;
import io.dht.node.DhtNode;
import io.dht.node.DurabilityStats;
import io.dht.node.NodeStats;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One simulated machine running a {@link DhtNode} at a fixed endpoint. The host feeds the node its datagrams and
 * its timer ticks: after every input (datagram, tick or command) it asks {@link DhtNode#nextDeadlineNanos()} and
 * keeps exactly one live tick event scheduled at the earliest deadline; tick events that a later, earlier deadline
 * or a crash made obsolete are ignored when they fire.
 *
 * <p>A crash ({@link SimCluster#crash}) is abrupt: the node instance is dropped without {@code close()}, its timers
 * die with it, and the network stops delivering to and from the endpoint. The routing table is captured at that
 * moment, as a daemon's last save would have been. A restart builds a new node with the same id and endpoint.
 */
public final class SimHost {
  private static final long NO_TICK = Long.MAX_VALUE;

  private final int index;
  private final NodeId id;
  private final DhtConfig config;
  private final Scheduler scheduler;
  private final SimNetwork network;
  private final SimRandom random;
  private final Endpoint endpoint;
  private DhtNode node;
  private SimItemStore items;
  private boolean up;
  /** Identifies the one tick event that is live; any other tick event is obsolete when it fires. */
  private long tickToken;
  private long scheduledTickNanos = NO_TICK;
  private List<Contact> savedContacts = List.of();
  private int restarts;
  private NodeStats lastStats;
  private DurabilityStats lastDurability;
  private boolean closedGracefully;

  SimHost(
      int index,
      NodeId id,
      Endpoint endpoint,
      DhtConfig config,
      Scheduler scheduler,
      SimNetwork network,
      SimRandom random) {
    this.index = index;
    this.id = id;
    this.endpoint = endpoint;
    this.config = config;
    this.scheduler = scheduler;
    this.network = network;
    this.random = random;
    network.attach(endpoint, this::receive);
    this.node = newNode();
    this.up = true;
    afterInput();
  }

  /** Position of this host in its cluster (0 is the seed node). */
  public int index() {
    return index;
  }

  public NodeId id() {
    return id;
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  public Contact contact() {
    return new Contact(id, endpoint);
  }

  public boolean isUp() {
    return up;
  }

  /** How many times the host was restarted. */
  public int restarts() {
    return restarts;
  }

  /** The running node; fails when the host is crashed. */
  public DhtNode node() {
    if (!up) {
      throw new IllegalStateException("host " + index + " (" + endpoint + ") is crashed");
    }
    return node;
  }

  /** Whether the host went down by {@link SimCluster#leave} (close) rather than a crash; false while up. */
  public boolean closedGracefully() {
    return !up && closedGracefully;
  }

  /**
   * The node's counters: those of the running node, or, when the host is down, those its node had at the crash or
   * close (null if it never ran). Counters restart with each {@link #restart}.
   */
  public NodeStats lastStats() {
    return up ? node.stats() : lastStats;
  }

  /** The node's durability statistics, live or as at its crash or close, like {@link #lastStats()}. */
  public DurabilityStats lastDurabilityStats() {
    return up ? node.durabilityStats() : lastDurability;
  }

  /** The routing table captured at the last crash (empty before any crash). */
  public List<Contact> savedContacts() {
    return savedContacts;
  }

  /**
   * Issues a command to the node now (at the current virtual time) and reschedules its ticks. The future completes
   * later, while the scheduler runs.
   */
  public <T> CompletableFuture<T> run(Function<DhtNode, CompletableFuture<T>> command) {
    CompletableFuture<T> future = command.apply(node());
    afterInput();
    return future;
  }

  /** Reads the node's state now; for queries that do not change it (stats, routing table). */
  public <T> T inspect(Function<DhtNode, T> query) {
    return query.apply(node());
  }

  /**
   * Offers {@code contacts} to the node's routing table (by address family) as if each had just answered one of
   * its queries ({@code RoutingTable.onReply} at the current time), without a datagram: how {@link
   * SimCluster#startSeeded} stands in for the join traffic. The table's own rules decide what it keeps; pings it
   * would ask for are not sent (a seeded table never overfills a bucket, so it asks for none).
   */
  void seedRoutingTable(List<Contact> contacts) {
    DhtNode n = node();
    long now = scheduler.nowNanos();
    for (Contact c : contacts) {
      (c.endpoint().isIpv6() ? n.routingTable6() : n.routingTable()).onReply(c, now);
    }
    afterInput();
  }

  void crash() {
    down(false);
  }

  /** A graceful stop: {@link DhtNode#close()}, then down like a crash (the routing table is captured too). */
  void close() {
    down(true);
  }

  private void down(boolean graceful) {
    if (!up) {
      throw new IllegalStateException("host " + index + " is already crashed");
    }
    savedContacts = List.copyOf(node.routingTableContacts());
    lastStats = node.stats();
    lastDurability = node.durabilityStats();
    if (graceful) {
      node.close();
    }
    closedGracefully = graceful;
    node = null;
    up = false;
    tickToken++;
    scheduledTickNanos = NO_TICK;
    network.setUp(endpoint, false);
  }

  void restart(boolean restoreRoutingTable) {
    if (up) {
      throw new IllegalStateException("host " + index + " is running");
    }
    restarts++;
    node = newNode();
    up = true;
    network.setUp(endpoint, true);
    if (restoreRoutingTable) {
      node.restoreRoutingTable(savedContacts);
    }
    afterInput();
  }

  /**
   * A node with the core's default in-memory item store (wrapped so that {@link #forget} can destroy an item). A
   * restarted node starts with an empty store, as a daemon without persistent storage would.
   */
  private DhtNode newNode() {
    items = new SimItemStore(new MemoryItemStore(id, DhtNode.ITEM_TTL_NANOS, DhtNode.DEFAULT_MAX_ITEMS));
    return new DhtNode(
        config, id, network.transport(endpoint), scheduler.clock(), random.nextNodeRandom(), items);
  }

  /**
   * Destroys the BEP 44 item stored under {@code target} on this running node, as a damaged disk loses one file
   * while the node keeps running; true if the node held it. Nothing else about the node changes.
   */
  public boolean forget(NodeId target) {
    node();
    return items.forget(target, scheduler.nowNanos());
  }

  private void receive(Endpoint from, byte[] data) {
    if (!up) {
      return;
    }
    node.onDatagram(from, data, 0, data.length);
    afterInput();
  }

  private void onTick(long token) {
    if (!up || token != tickToken) {
      return; // obsolete
    }
    scheduledTickNanos = NO_TICK;
    node.tick();
    afterInput();
  }

  /** Makes sure a tick is scheduled for the node's next deadline. */
  private void afterInput() {
    if (!up) {
      return;
    }
    long deadline = node.nextDeadlineNanos();
    if (deadline == Long.MAX_VALUE) {
      return;
    }
    long at = Math.max(deadline, scheduler.nowNanos());
    if (at < scheduledTickNanos) {
      scheduledTickNanos = at;
      long token = ++tickToken;
      scheduler.schedule(at, () -> onTick(token));
    }
  }
}
