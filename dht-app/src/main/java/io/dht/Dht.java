package io.dht;

import io.dht.daemon.DataDir;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.AnnounceResult;
import io.dht.node.DhtConfig;
import io.dht.node.DhtException;
import io.dht.node.DhtNode;
import io.dht.node.LookupResult;
import io.dht.node.NodeClosedException;
import io.dht.node.NodeStats;
import io.dht.node.PeersResult;
import io.dht.node.PingResult;
import io.dht.transport.EventLoop;
import io.dht.transport.NodeChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
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
  private final List<Endpoint> bootstrapSeeds;
  private final Duration saveInterval;
  private final AtomicBoolean closed = new AtomicBoolean();
  private EventLoop.Timer saveTimer; // loop-owned

  private Dht(
      NodeId id,
      EventLoop loop,
      boolean ownsLoop,
      NodeChannel channel,
      Optional<DataDir> dataDir,
      List<Endpoint> bootstrapSeeds,
      Duration saveInterval) {
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

  /** The address and port actually bound (the real port when the builder asked for port 0). */
  public Endpoint localEndpoint() {
    return channel.localEndpoint();
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

  /** The live routing-table entries. */
  public CompletableFuture<List<Contact>> routingTable() {
    return call(node -> CompletableFuture.completedFuture(node.routingTableContacts()));
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
        dir.saveRoutingTable(contacts);
      }
    } catch (IOException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "node " + id + ": cannot save to " + dir + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "Dht(" + id + " at " + localEndpoint() + ")";
  }

  /** Configures and starts a {@link Dht}. Not thread-safe; use it from one thread. */
  public static final class Builder {
    private InetAddress bindAddress;
    private int port;
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

    /** Local address to bind; default 0.0.0.0 (all IPv4 interfaces). */
    public Builder bindAddress(InetAddress address) {
      this.bindAddress = requireNonNull(address, "bindAddress");
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
     * Restores id and routing table from the data directory, binds the socket and starts the node.
     *
     * @throws DhtException when the socket cannot be bound ({@code cannot bind 127.0.0.2:6881: Address already
     *     in use}) or the data directory is unusable
     */
    public Dht start() {
      Optional<DataDir> dir = Optional.ofNullable(dataDir).map(DataDir::open);
      SecureRandom secure = new SecureRandom();
      NodeId id = nodeId;
      if (id == null) {
        id = dir.flatMap(DataDir::loadNodeId).orElseGet(() -> NodeId.random(secure));
      }
      List<Contact> saved = dir.map(DataDir::loadRoutingTable).orElse(List.of());
      if (dir.isPresent()) {
        try {
          dir.get().saveNodeId(id);
        } catch (IOException e) {
          throw new DhtException("cannot write to data directory " + dir.get() + ": " + e.getMessage(), e);
        }
      }
      InetAddress address = bindAddress;
      if (address == null) {
        address = Endpoint.parseAddress("0.0.0.0");
      }
      boolean ownsLoop = eventLoop == null;
      EventLoop loop = ownsLoop ? EventLoop.start("dht-loop-" + id.toString().substring(0, 8)) : eventLoop;
      NodeChannel channel;
      try {
        NodeId nodeIdFinal = id;
        DhtConfig cfg = config;
        long seed = secure.nextLong();
        channel =
            await(
                loop.bind(
                    new InetSocketAddress(address, port),
                    transport ->
                        new DhtNode(cfg, nodeIdFinal, transport, System::nanoTime, new SplittableRandom(seed))));
      } catch (RuntimeException e) {
        if (ownsLoop) {
          loop.close();
        }
        throw e;
      }
      Dht dht = new Dht(id, loop, ownsLoop, channel, dir, bootstrap, saveInterval);
      NodeId self = id;
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
