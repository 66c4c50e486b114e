package io.dht;

import io.dht.daemon.DataDir;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.Ed25519;
import io.dht.item.ImmutableItem;
import io.dht.item.Item;
import io.dht.item.MutableItem;
import io.dht.keys.SigningKeyPair;
import io.dht.node.AnnounceResult;
import io.dht.node.CompletedLookups;
import io.dht.node.DhtConfig;
import io.dht.node.DhtException;
import io.dht.node.DhtNode;
import io.dht.node.DurabilityStats;
import io.dht.node.ItemResult;
import io.dht.node.LookupResult;
import io.dht.node.NodeClosedException;
import io.dht.node.NodeStats;
import io.dht.node.PeersResult;
import io.dht.node.PingResult;
import io.dht.node.PutResult;
import io.dht.node.Transport;
import io.dht.storage.NodeDatabase;
import io.dht.transport.EventLoop;
import io.dht.transport.NodeChannel;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A Mainline DHT node on UDP: the library's entry point.
 *
 * <pre>{@code
 * try (Dht dht = Dht.builder().port(6881).addBootstrap(seed).dataDir(dir).start()) {
 *   dht.bootstrap().get();
 *   List<Endpoint> peers = dht.getPeers(infoHash).get().peers();
 * }
 * }</pre>
 *
 * <p>BEP 44 items ({@link #putImmutable}, {@link #putMutable}, {@link #get}, {@link #getMutable}) store up to
 * {@value #MAX_DATA_BYTES} bytes of data in the DHT:
 *
 * <pre>{@code
 * NodeId target = dht.putImmutable(bytes).get().target();      // anyone can get it by target
 * byte[] back = dht.get(target).get().value().orElseThrow();
 * SigningKeyPair key = SigningKeyPair.generate();              // mutable: signed, updated with a higher seq
 * dht.putMutable(key, salt, 1, bytes).get();
 * Optional<byte[]> latest = dht.getMutable(key.publicKey(), salt).get().value();
 * }</pre>
 *
 * <p>Thread-safe without locks: every method hands its work to the node's {@link EventLoop} thread, the only
 * thread that touches the node, and returns a {@link CompletableFuture}. Futures complete <em>on that loop
 * thread</em>, so callbacks must not block; use the {@code *Async} variants to continue elsewhere. See {@code
 * CONCURRENCY.md}.
 */
public final class Dht implements AutoCloseable {
  /** How often the routing table is saved while the node runs (it is also saved on close). */
  public static final Duration SAVE_INTERVAL = Duration.ofMinutes(5);

  private static final System.Logger LOG = System.getLogger(Dht.class.getName());
  private static final long LOOP_WAIT_SECONDS = 10;

  private volatile NodeId id; // refreshed on the loop: BEP 42 may change it
  private final EventLoop loop;
  private final boolean ownsLoop;
  private final NodeChannel channel;
  private final Optional<DataDir> dataDir;
  private final Optional<NodeDatabase> database;
  private final List<Endpoint> bootstrapSeeds;
  private final Duration saveInterval;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Instant startedAt = Instant.now();
  private EventLoop.Timer saveTimer; // loop-owned

  private Dht(
      NodeId id,
      EventLoop loop,
      boolean ownsLoop,
      NodeChannel channel,
      Optional<DataDir> dataDir,
      Optional<NodeDatabase> database,
      List<Endpoint> bootstrapSeeds,
      Duration saveInterval) {
    this.database = database;
    this.id = id;
    this.loop = loop;
    this.ownsLoop = ownsLoop;
    this.channel = channel;
    this.dataDir = dataDir;
    this.bootstrapSeeds = List.copyOf(bootstrapSeeds);
    this.saveInterval = saveInterval;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The node id. With BEP 42 enabled ({@link DhtConfig#secureNodeId()}) the node may adopt a new id once replies
   * agree on its external address; this value follows it after the next call completes.
   */
  public NodeId id() {
    return id;
  }

  /**
   * The address and port actually bound (the real port when the builder asked for port 0). For a dual-stack node
   * ({@link Builder#bindAddress6}) this is the IPv4 socket; see {@link #localEndpoint6()}.
   */
  public Endpoint localEndpoint() {
    return channel.localEndpoint();
  }

  /** The IPv6 socket's address and port, when the node has one (an IPv6-only or a dual-stack node). */
  public Optional<Endpoint> localEndpoint6() {
    return channel.localEndpoint(true);
  }

  /** Every bound socket's address and port, IPv4 first: one, or two for a dual-stack node. */
  public List<Endpoint> localEndpoints() {
    return channel.localEndpoints();
  }

  /**
   * How the node's event loop reads and writes datagrams: batched ({@code "recvmmsg/sendmmsg, 64 per call"}) or
   * {@code "NIO, one system call per datagram"} (see {@link EventLoop#IO_PROPERTY}).
   */
  public String io() {
    return loop.io();
  }

  /**
   * BEP 32: whether the node has an IPv4 and an IPv6 socket. A dual-stack node keeps a routing table per family
   * under one id, asks for {@code want = ["n4", "n6"]} in its lookups, and uses contacts of both families.
   */
  public boolean dualStack() {
    return channel.dualStack();
  }

  /**
   * Datagrams dropped because the node has no socket of the destination's family (an IPv6 contact of an IPv4-only
   * node); readable from any thread.
   */
  public long familyDrops() {
    return channel.familyDrops();
  }

  /**
   * Datagrams the event loop dropped before decoding them because their source IP sent far more than the node's
   * per-IP query limit allows (five times its rate and burst, datagrams of any kind); zero when the node does not
   * throttle ({@code queryRatePerIp = 0}). Readable from any thread.
   */
  public long floodDrops() {
    return channel.floodDrops();
  }

  /** Source IPs the event loop's flood guard tracks now; bounded (4,096). Readable from any thread. */
  public int floodGuardTrackedIps() {
    return channel.floodGuardTrackedIps();
  }

  /**
   * Joins the network through the builder's bootstrap contacts plus the contacts restored from the data directory
   * (closest to our id first): queries them, then looks up our own id. Fails with a {@link DhtException} when
   * nobody answered.
   */
  public CompletableFuture<LookupResult> bootstrap() {
    return call(node -> node.bootstrap(bootstrapSeeds));
  }

  public CompletableFuture<PingResult> ping(Endpoint endpoint) {
    return call(node -> node.ping(endpoint));
  }

  public CompletableFuture<LookupResult> findNode(NodeId target) {
    return call(node -> node.findNode(target));
  }

  public CompletableFuture<PeersResult> getPeers(NodeId infoHash) {
    return call(node -> node.getPeers(infoHash));
  }

  /**
   * As {@link #getPeers(NodeId)}, handing {@code onNewPeers} each reply's peers not seen before as they arrive, so
   * that a client can connect to the first ones while the lookup goes on (see {@link PeersResult#firstPeersNanos}).
   * It runs on the node's event loop thread and must not block.
   */
  public CompletableFuture<PeersResult> getPeers(NodeId infoHash, Consumer<List<Endpoint>> onNewPeers) {
    Objects.requireNonNull(onNewPeers, "onNewPeers");
    return call(node -> node.getPeers(infoHash, onNewPeers));
  }

  /** Announces that we serve {@code infoHash} on {@code port}; port 0 asks for the UDP source port (implied). */
  public CompletableFuture<AnnounceResult> announce(NodeId infoHash, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range 0..65535: " + port);
    }
    return call(node -> node.announce(infoHash, port));
  }

  public CompletableFuture<NodeStats> stats() {
    return call(node -> CompletableFuture.completedFuture(node.stats()));
  }

  /** When this node started (wall clock); its uptime is {@link NodeStats#uptimeNanos()}, on the node's own clock. */
  public Instant startedAt() {
    return startedAt;
  }

  /**
   * The lookups the node completed (its own upkeep included: bootstrap, bucket refreshes, item checks) with a
   * sequence number of at least {@code seq}; start at 0 and pass {@link CompletedLookups#nextSeq()} next time.
   */
  public CompletableFuture<CompletedLookups> completedLookupsSince(long seq) {
    return call(node -> CompletableFuture.completedFuture(node.completedLookupsSince(seq)));
  }

  /**
   * The live routing-table entries: the IPv4 table's, then the IPv6 table's (BEP 32 keeps one per family; tell
   * them apart by {@code contact.endpoint().isIpv6()}).
   */
  public CompletableFuture<List<Contact>> routingTable() {
    return call(node -> CompletableFuture.completedFuture(node.routingTableContacts()));
  }

  // ------------------------------------------------------------------ BEP 44 items

  /**
   * The most user data one item holds: BEP 44 limits the bencoded value ({@code <length>:<bytes>}) to {@value
   * Item#MAX_VALUE_BYTES} bytes, which leaves 996 bytes of data.
   */
  public static final int MAX_DATA_BYTES = 996;

  /**
   * What a BEP 44 get found.
   *
   * @param target the item's target (SHA-1 of the value, or of public key and salt)
   * @param item the immutable item, or the valid mutable item with the highest {@code seq} (signature and target
   *     checked); empty when no responding node had it
   * @param holders how many responding nodes hold it (for a mutable item: reported at least its {@code seq})
   * @param lookup the lookup that looked for it
   */
  public record GetResult(NodeId target, Optional<Item> item, int holders, LookupResult lookup) {
    public boolean found() {
      return item.isPresent();
    }

    /** The stored data: the contents of {@code v} when it is a byte string (as our puts make it), else v itself. */
    public Optional<byte[]> value() {
      return item.map(
          i -> i instanceof MutableItem m ? m.data() : ((ImmutableItem) i).data());
    }

    /** The {@code seq} of a mutable item; empty for immutable items and when nothing was found. */
    public OptionalLong seq() {
      return item.filter(MutableItem.class::isInstance)
          .map(i -> OptionalLong.of(((MutableItem) i).seq()))
          .orElse(OptionalLong.empty());
    }

    static GetResult of(NodeId target, ItemResult r) {
      return new GetResult(target, r.item(), r.holders(), r.lookup());
    }
  }

  /**
   * Stores {@code value} as an immutable item on the k nodes closest to its target, SHA-1 of the bencoded value.
   * The result names the target and the nodes that acknowledged the put ({@code storedOn}, empty when none did).
   *
   * @throws IllegalArgumentException at once when {@code value} exceeds {@value #MAX_DATA_BYTES} bytes
   */
  public CompletableFuture<PutResult> putImmutable(byte[] value) {
    ImmutableItem item = ImmutableItem.ofBytes(checkValue(value));
    return call(node -> node.putItem(item, OptionalLong.empty()));
  }

  /**
   * Signs {@code value} with {@code key} (on the calling thread) and stores it as a mutable item under SHA-1(public
   * key ‖ salt). Nodes keep the highest {@code seq}: to update an item, put it again with a higher one; nodes that
   * hold a higher seq refuse the put (and are missing from {@code storedOn}).
   *
   * @param salt up to 64 bytes that tell apart several items of one key; empty or {@code null} for none
   * @throws IllegalArgumentException at once for a value over {@value #MAX_DATA_BYTES} bytes, a salt over 64
   *     bytes or a negative seq
   */
  public CompletableFuture<PutResult> putMutable(SigningKeyPair key, byte[] salt, long seq, byte[] value) {
    return putMutable(key, salt, seq, value, OptionalLong.empty());
  }

  /**
   * {@link #putMutable(SigningKeyPair, byte[], long, byte[])} with BEP 44's compare-and-swap: nodes that hold the
   * item store the new one only if their {@code seq} equals {@code cas} (else they answer error 301 and are missing
   * from {@code storedOn}). Nodes that do not have the item yet ignore {@code cas}.
   */
  public CompletableFuture<PutResult> putMutable(
      SigningKeyPair key, byte[] salt, long seq, byte[] value, OptionalLong cas) {
    if (cas == null) {
      throw new IllegalArgumentException("cas is required (OptionalLong.empty() for none)");
    }
    if (cas.isPresent() && cas.getAsLong() < 0) {
      throw new IllegalArgumentException("cas must not be negative, got " + cas.getAsLong());
    }
    MutableItem item = signed(key, salt, seq, value);
    return call(node -> node.putItem(item, cas));
  }

  /**
   * Gets the item stored under {@code target}: an immutable item, or a mutable item put without a salt. (A salted
   * mutable item can only be checked with its salt: use {@link #get(NodeId, byte[])} or {@link #getMutable}.)
   */
  public CompletableFuture<GetResult> get(NodeId target) {
    return get(target, new byte[0]);
  }

  /** Gets the item stored under {@code target}; {@code salt} is the salt a mutable item was put with. */
  public CompletableFuture<GetResult> get(NodeId target, byte[] salt) {
    if (target == null) {
      throw new IllegalArgumentException("target is required");
    }
    byte[] s = checkSalt(salt);
    return call(node -> node.getItem(target, s).thenApply(r -> GetResult.of(target, r)));
  }

  /**
   * Gets the mutable item of {@code publicKey} and {@code salt}: the valid one with the highest {@code seq} among
   * the responding nodes (signature and target checked).
   */
  public CompletableFuture<GetResult> getMutable(byte[] publicKey, byte[] salt) {
    if (publicKey == null || publicKey.length != Ed25519.PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException(
          "a public key has 32 bytes, got " + (publicKey == null ? "none" : publicKey.length));
    }
    byte[] s = checkSalt(salt);
    return get(MutableItem.target(publicKey, s), s);
  }

  /**
   * {@link #putImmutable}, then re-put about every hour ({@link DhtConfig#republishInterval()}) until {@link
   * #cancelDurable} or close. The future completes with the first put.
   */
  public CompletableFuture<PutResult> putImmutableDurable(byte[] value) {
    ImmutableItem item = ImmutableItem.ofBytes(checkValue(value));
    return call(node -> node.putDurable(item));
  }

  /**
   * {@link #putMutable}, then re-put about every hour until {@link #cancelDurable} or close. A later durable put of
   * the same key and salt (a higher seq) replaces this one.
   */
  public CompletableFuture<PutResult> putMutableDurable(SigningKeyPair key, byte[] salt, long seq, byte[] value) {
    MutableItem item = signed(key, salt, seq, value);
    return call(node -> node.putDurable(item));
  }

  /** Stops re-putting the durable item under {@code target}; true when it was durable. */
  public CompletableFuture<Boolean> cancelDurable(NodeId target) {
    return call(node -> CompletableFuture.completedFuture(node.cancelDurable(target)));
  }

  /** The items this node keeps alive as their publisher. */
  public CompletableFuture<List<Item>> durableItems() {
    return call(node -> CompletableFuture.completedFuture(node.durableItems()));
  }

  /** Items held for others and how well they are replicated, from this node's periodic checks. */
  public CompletableFuture<DurabilityStats> durabilityStats() {
    return call(node -> CompletableFuture.completedFuture(node.durabilityStats()));
  }

  // ------------------------------------------------------------------ inspection (HTTP API, dashboard, metrics)

  /**
   * A BEP 44 item this node holds for others, as operators see it.
   *
   * @param bytes the size of the stored data
   * @param seq the {@code seq} of a mutable item; empty for an immutable one
   * @param replicas copies seen among the k closest nodes at the item's last check; -1 before its first check
   */
  public record HeldItem(NodeId target, boolean mutable, int bytes, OptionalLong seq, int replicas) {}

  /** Up to {@code max} of the items held for others, in target order, with their replica counts. */
  public CompletableFuture<List<HeldItem>> heldItems(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must not be negative, got " + max);
    }
    return call(
        node -> {
          java.util.Map<NodeId, Integer> replicas = node.replicaCounts();
          List<HeldItem> out = new ArrayList<>();
          long now = System.nanoTime(); // the node's clock (see Builder.newNode)
          for (NodeId target : node.itemStore().targets()) {
            if (out.size() >= max) {
              break;
            }
            node.itemStore()
                .get(target, now)
                .ifPresent(
                    item -> {
                      boolean mutable = item instanceof MutableItem;
                      byte[] data = mutable ? ((MutableItem) item).data() : ((ImmutableItem) item).data();
                      OptionalLong seq =
                          mutable ? OptionalLong.of(((MutableItem) item).seq()) : OptionalLong.empty();
                      out.add(new HeldItem(target, mutable, data.length, seq, replicas.getOrDefault(target, -1)));
                    });
          }
          return CompletableFuture.completedFuture(List.copyOf(out));
        });
  }

  /**
   * The routing tables bucket by bucket, shallowest first: bucket i holds the nodes whose id shares exactly i
   * leading bits with ours, the last one those sharing at least that many.
   */
  public record RoutingBuckets(List<List<Contact>> ipv4, List<List<Contact>> ipv6) {}

  public CompletableFuture<RoutingBuckets> routingBuckets() {
    return call(
        node ->
            CompletableFuture.completedFuture(
                new RoutingBuckets(buckets(node.routingTable()), buckets(node.routingTable6()))));
  }

  private static List<List<Contact>> buckets(io.dht.routing.RoutingTable table) {
    List<Contact> all = table.contacts(); // bucket by bucket
    int[] sizes = table.bucketSizes();
    List<List<Contact>> out = new ArrayList<>(sizes.length);
    int from = 0;
    for (int size : sizes) {
      out.add(List.copyOf(all.subList(from, from + size)));
      from += size;
    }
    return List.copyOf(out);
  }

  /** Copies seen among the k closest nodes at the last check of each held item (-1: not checked yet). */
  public CompletableFuture<java.util.Map<NodeId, Integer>> replicaCounts() {
    return call(node -> CompletableFuture.completedFuture(java.util.Map.copyOf(node.replicaCounts())));
  }

  /** The external address the {@code ip} fields of replies agree on, if they do. */
  public CompletableFuture<Optional<InetAddress>> externalAddress() {
    return call(node -> CompletableFuture.completedFuture(node.externalAddress()));
  }

  /** The node's protocol configuration (k, timeouts, limits). */
  public CompletableFuture<DhtConfig> config() {
    return call(node -> CompletableFuture.completedFuture(node.config()));
  }

  private static byte[] checkValue(byte[] value) {
    if (value == null) {
      throw new IllegalArgumentException("value is required");
    }
    if (value.length > MAX_DATA_BYTES) {
      int encoded = value.length + Integer.toString(value.length).length() + 1;
      throw new IllegalArgumentException(
          "value is " + value.length + " bytes (" + encoded + " bencoded); BEP 44 allows at most "
              + Item.MAX_VALUE_BYTES + " bytes bencoded, that is " + MAX_DATA_BYTES + " bytes of data");
    }
    return value;
  }

  private static byte[] checkSalt(byte[] salt) {
    if (salt == null) {
      return new byte[0];
    }
    if (salt.length > MutableItem.MAX_SALT_BYTES) {
      throw new IllegalArgumentException(
          "salt is " + salt.length + " bytes; BEP 44 allows at most " + MutableItem.MAX_SALT_BYTES);
    }
    return salt.clone();
  }

  private static MutableItem signed(SigningKeyPair key, byte[] salt, long seq, byte[] value) {
    if (key == null) {
      throw new IllegalArgumentException("key is required");
    }
    if (seq < 0) {
      throw new IllegalArgumentException("seq must not be negative, got " + seq);
    }
    byte[] s = checkSalt(salt);
    return MutableItem.sign(key.seed(), key.publicKey(), s, seq, checkValue(value));
  }

  /**
   * Hops onto the loop, runs {@code command} on the node, and mirrors its outcome into a future of our own (so
   * callers cannot complete the node's futures). A command that throws fails the future and is rethrown to the
   * loop's catch-all, which logs and counts it.
   */
  private <T> CompletableFuture<T> call(Function<DhtNode, CompletableFuture<T>> command) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      channel.execute(
          () -> {
            if (channel.isClosed()) {
              result.completeExceptionally(new NodeClosedException());
              return;
            }
            try {
              DhtNode node = channel.node();
              id = node.id();
              command
                  .apply(node)
                  .whenComplete(
                      (value, error) -> {
                        if (!channel.isClosed()) {
                          id = channel.node().id();
                        }
                        if (error != null) {
                          result.completeExceptionally(unwrap(error));
                        } else {
                          result.complete(value);
                        }
                      });
            } catch (RuntimeException e) {
              result.completeExceptionally(e);
              throw e;
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new NodeClosedException());
    }
    return result;
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  /**
   * Graceful shutdown: first hands every item this node holds to the nodes now responsible for it (a put to the k
   * closest, see {@link DhtNode#handOffAll()}), waiting at most {@code timeout}, then {@link #close()}s. Returns the
   * number of items handed off (stored on at least one node), or empty when the handoff did not finish in time, the
   * node was already closed, or this was called on the loop thread (which cannot wait for itself: there the close
   * follows the handoff, or the timeout, asynchronously).
   */
  public OptionalInt closeGracefully(Duration timeout) {
    if (timeout == null || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
    }
    if (closed.get()) {
      return OptionalInt.empty();
    }
    CompletableFuture<Integer> handoff = call(DhtNode::handOffAll);
    if (loop.inEventLoop()) {
      handoff.whenComplete((n, e) -> close());
      try {
        loop.schedule(timeout, this::close);
      } catch (RejectedExecutionException e) {
        close();
      }
      return OptionalInt.empty();
    }
    OptionalInt handed = OptionalInt.empty();
    try {
      handed = OptionalInt.of(handoff.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "node " + id + ": handing items off took longer than " + timeout.toMillis() + " ms; closing anyway");
    } catch (ExecutionException e) {
      LOG.log(System.Logger.Level.WARNING, "node " + id + ": handing items off failed: " + unwrap(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    close();
    return handed;
  }

  /**
   * Stops the node; idempotent. With a data directory, first saves the routing table (and the node id). Pending
   * futures fail with {@link NodeClosedException}. Stops the event loop if this node owns it.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      loop.execute(
          () -> {
            try {
              closeOnLoop();
            } finally {
              done.complete(null);
            }
          });
      if (!loop.inEventLoop()) {
        done.get(LOOP_WAIT_SECONDS, TimeUnit.SECONDS);
      }
    } catch (RejectedExecutionException e) {
      // The loop is already gone, and the node with it.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.log(System.Logger.Level.WARNING, "node " + id + ": closing took too long: " + e);
    }
    if (ownsLoop) {
      loop.close();
    }
  }

  private void closeOnLoop() {
    if (saveTimer != null) {
      saveTimer.cancel();
    }
    if (!channel.isClosed()) {
      save();
      channel.close();
    }
    // after the node: nothing writes to the database any more
    database.ifPresent(NodeDatabase::close);
  }

  private void scheduleSave() {
    saveTimer =
        loop.schedule(
            saveInterval,
            () -> {
              if (!closed.get() && !channel.isClosed()) {
                save();
                scheduleSave();
              }
            });
  }

  /**
   * Saves id and routing table; loop thread only. An empty table does not overwrite a saved one: a node that
   * could not reach anyone should not forget the contacts it may reach next time.
   */
  /** The routing table as last saved (for tests of the periodic save), read on the loop. */
  CompletableFuture<List<Contact>> savedRoutingTable() {
    CompletableFuture<List<Contact>> out = new CompletableFuture<>();
    loop.execute(
        () ->
            out.complete(
                database.map(NodeDatabase::loadRoutingTable)
                    .orElseGet(() -> dataDir.map(DataDir::loadRoutingTable).orElse(List.of()))));
    return out;
  }

  private void save() {
    if (dataDir.isEmpty()) {
      return;
    }
    DataDir dir = dataDir.get();
    try {
      id = channel.node().id();
      dir.saveNodeId(id);
      List<Contact> contacts = channel.node().routingTableContacts();
      if (!contacts.isEmpty()) {
        if (database.isPresent()) {
          database.get().saveRoutingTable(contacts); // with the items and peers, in the node database
        } else {
          dir.saveRoutingTable(contacts);
        }
      }
    } catch (IOException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "node " + id + ": cannot save to " + dir + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    StringBuilder at = new StringBuilder();
    for (Endpoint e : localEndpoints()) {
      at.append(at.length() == 0 ? "" : " and ").append(e);
    }
    return "Dht(" + id + " at " + at + ")";
  }

  /** Configures and starts a {@link Dht}. Not thread-safe; use it from one thread. */
  public static final class Builder {
    private InetAddress bindAddress;
    private int port;
    private InetAddress bindAddress6;
    private Integer port6;
    private NodeId nodeId;
    private final List<Endpoint> bootstrap = new ArrayList<>();
    private Path dataDir;
    private DhtConfig config = DhtConfig.defaults();
    private EventLoop eventLoop;
    private Duration saveInterval = SAVE_INTERVAL;

    private Builder() {}

    /** How often to save while running; tests shorten it. */
    Builder saveInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("saveInterval must be positive, got " + interval);
      }
      this.saveInterval = interval;
      return this;
    }

    /**
     * Local address to bind, of either family; default 0.0.0.0 (all IPv4 interfaces) unless only {@link
     * #bindAddress6} is given. An IPv6 address here makes an IPv6-only node.
     */
    public Builder bindAddress(InetAddress address) {
      this.bindAddress = requireNonNull(address, "bindAddress");
      return this;
    }

    /**
     * BEP 32 dual stack: also bind this IPv6 address, under the same node id, with its own routing table. With
     * {@link #bindAddress} (which must then be IPv4) the node has two sockets; alone it makes an IPv6-only node.
     * Prefer a specific address (BEP 32 advises against {@code ::}; on Linux {@code [::]} and {@code 0.0.0.0}
     * cannot share a port).
     *
     * @throws IllegalArgumentException for an IPv4 address
     */
    public Builder bindAddress6(InetAddress address) {
      requireNonNull(address, "bindAddress6");
      if (!(address instanceof Inet6Address)) {
        throw new IllegalArgumentException("bindAddress6 must be an IPv6 address, got " + address.getHostAddress());
      }
      this.bindAddress6 = address;
      return this;
    }

    /** UDP port of the IPv6 socket set by {@link #bindAddress6}; default: the same as {@link #port}. */
    public Builder port6(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port6 out of range 0..65535: " + port);
      }
      this.port6 = port;
      return this;
    }

    /** UDP port; default 0 (an ephemeral port, see {@link Dht#localEndpoint()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range 0..65535: " + port);
      }
      this.port = port;
      return this;
    }

    /** Node id; default: the one saved in the data directory, else a random one. */
    public Builder nodeId(NodeId id) {
      this.nodeId = requireNonNull(id, "nodeId");
      return this;
    }

    /** Replaces the bootstrap contacts. */
    public Builder bootstrap(List<Endpoint> contacts) {
      bootstrap.clear();
      contacts.forEach(this::addBootstrap);
      return this;
    }

    public Builder addBootstrap(Endpoint contact) {
      bootstrap.add(requireNonNull(contact, "bootstrap contact"));
      return this;
    }

    /** Directory for the node id and routing table; default none (nothing persisted). */
    public Builder dataDir(Path dir) {
      this.dataDir = requireNonNull(dir, "dataDir");
      return this;
    }

    public Builder config(DhtConfig config) {
      this.config = requireNonNull(config, "config");
      return this;
    }

    /** Hosts the node on a shared loop (which the caller closes); default: a new loop owned by this node. */
    public Builder eventLoop(EventLoop loop) {
      this.eventLoop = requireNonNull(loop, "eventLoop");
      return this;
    }

    private static <T> T requireNonNull(T value, String what) {
      if (value == null) {
        throw new IllegalArgumentException(what + " is required");
      }
      return value;
    }

    /**
     * Restores id and routing table from the data directory, binds the socket (or both sockets of a dual-stack
     * node) and starts the node.
     *
     * @throws DhtException when a socket cannot be bound ({@code cannot bind 127.0.0.2:6881: Address already
     *     in use}) or the data directory is unusable
     * @throws IllegalArgumentException when {@link #bindAddress6} is combined with an IPv6 {@link #bindAddress}
     */
    public Dht start() {
      List<InetSocketAddress> addresses = addresses();
      Optional<DataDir> dir = Optional.ofNullable(dataDir).map(DataDir::open);
      SecureRandom secure = new SecureRandom();
      NodeId id = nodeId;
      if (id == null) {
        id = dir.flatMap(DataDir::loadNodeId).orElseGet(() -> NodeId.random(secure));
      }
      List<Contact> savedInFile = dir.map(DataDir::loadRoutingTable).orElse(List.of());
      if (dir.isPresent()) {
        try {
          dir.get().saveNodeId(id);
        } catch (IOException e) {
          throw new DhtException("cannot write to data directory " + dir.get() + ": " + e.getMessage(), e);
        }
      }
      NodeId self = id;
      // items and announced peers live in the node database (RocksDB, docs/storage.md) under the data dir
      Optional<NodeDatabase> db = Optional.ofNullable(dataDir).map(path -> openDatabase(path, self));
      // the routing table lives in the node database; a file from an older data directory is the fallback
      List<Contact> saved =
          db.map(NodeDatabase::loadRoutingTable).filter(l -> !l.isEmpty()).orElse(savedInFile);
      boolean ownsLoop = eventLoop == null;
      EventLoop loop;
      NodeChannel channel;
      try {
        loop = ownsLoop ? EventLoop.start("dht-loop-" + id.toString().substring(0, 8)) : eventLoop;
      } catch (RuntimeException e) {
        db.ifPresent(NodeDatabase::close);
        throw e;
      }
      try {
        DhtConfig cfg = config;
        long seed = secure.nextLong();
        channel =
            await(
                loop.bind(
                    addresses,
                    transport -> newNode(cfg, self, transport, new SplittableRandom(seed), db)));
      } catch (RuntimeException e) {
        db.ifPresent(NodeDatabase::close);
        if (ownsLoop) {
          loop.close();
        }
        throw e;
      }
      Dht dht = new Dht(id, loop, ownsLoop, channel, dir, db, bootstrap, saveInterval);
      List<Contact> closestFirst =
          saved.stream().sorted(Comparator.comparing(Contact::id, self::compareDistance)).toList();
      channel.execute(
          () -> {
            if (!closestFirst.isEmpty()) {
              channel.node().restoreRoutingTable(closestFirst);
            }
            if (dir.isPresent()) {
              dht.scheduleSave();
            }
          });
      return dht;
    }

    /** The socket addresses to bind: one, or an IPv4 and an IPv6 one for a dual-stack node. */
    private List<InetSocketAddress> addresses() {
      List<InetSocketAddress> out = new ArrayList<>(2);
      if (bindAddress != null || bindAddress6 == null) {
        InetAddress address = bindAddress != null ? bindAddress : Endpoint.parseAddress("0.0.0.0");
        if (bindAddress6 != null && address instanceof Inet6Address) {
          throw new IllegalArgumentException(
              "with bindAddress6, bindAddress must be IPv4, got " + address.getHostAddress());
        }
        out.add(new InetSocketAddress(address, port));
      }
      if (bindAddress6 != null) {
        out.add(new InetSocketAddress(bindAddress6, port6 != null ? port6 : port));
      }
      return out;
    }

    private static NodeDatabase openDatabase(Path path, NodeId self) {
      try {
        return NodeDatabase.open(path, self);
      } catch (IllegalStateException e) {
        throw new DhtException(e.getMessage(), e);
      }
    }

    /**
     * Runs on the loop before any datagram reaches the node, so every announce is journaled and the saved peers
     * are back before the first get_peers. The clock must be {@code System::nanoTime}: the database converts
     * persisted wall-clock ages with it.
     */
    private static DhtNode newNode(
        DhtConfig cfg,
        NodeId id,
        Transport transport,
        SplittableRandom random,
        Optional<NodeDatabase> db) {
      if (db.isEmpty()) {
        return new DhtNode(cfg, id, transport, System::nanoTime, random);
      }
      DhtNode node = new DhtNode(cfg, id, transport, System::nanoTime, random, db.get().items());
      node.peerStore().setJournal(db.get().peers());
      db.get().peers().restoreInto(node.peerStore(), System.nanoTime());
      return node;
    }

    private static <T> T await(CompletableFuture<T> future) {
      try {
        return future.get(LOOP_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DhtException("interrupted while starting the node", e);
      } catch (TimeoutException e) {
        throw new DhtException("the event loop did not respond within " + LOOP_WAIT_SECONDS + " s", e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof DhtException de) {
          throw de;
        }
        throw new DhtException("cannot start the node: " + cause, cause);
      }
    }
  }
}
