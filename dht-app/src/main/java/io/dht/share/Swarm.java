package io.dht.share;

import io.dht.Dht;
import io.dht.bencode.DecodeException;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.AnnounceResult;
import io.dht.node.PeersResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The peers exchanging one torrent, from our side: a TCP listener, outgoing connections, the pieces, and the DHT
 * announces and lookups. Runs on its own thread ({@code dht-share-<hash>} or {@code dht-fetch-<hash>}), which owns
 * every field below: a NIO {@link Selector} loop that handles socket events, runs the commands other threads hand
 * it (through a bounded queue, then {@link Selector#wakeup()}), and every {@value #TICK_MILLIS} ms checks timers
 * (timeouts, keep-alives, lookups, announces, rechoking, progress). Disk reads and writes of 16 KiB blocks and
 * piece hashing run on this thread too; hashing what is on disk when a download starts blocks it for as long as
 * that takes.
 *
 * <p>Input from peers is untrusted: decoding errors, out-of-range indexes and oversized messages close that one
 * connection ({@link SwarmStats#protocolErrors()}). An unexpected exception while handling one connection closes
 * that connection and is counted in {@link SwarmStats#internalErrors()}; the loop goes on.
 */
final class Swarm {
  private static final System.Logger LOG = System.getLogger(Swarm.class.getName());

  static final String CLIENT = "dht-java 0.1";
  static final int TICK_MILLIS = 100;
  /** Queued outgoing bytes above which a peer's requests wait (it is not reading fast enough). */
  private static final int HIGH_WATER_BYTES = 256 * 1024;
  private static final int READ_ROUNDS = 8;
  private static final int ACCEPTS_PER_EVENT = 64;
  private static final int MAX_CANDIDATES = 1000;
  private static final int COMMAND_QUEUE = 4096;
  private static final int METADATA_WINDOW = 4;
  private static final int STRIKES_TO_BAN = 2;
  private static final long LOOKUP_WHILE_ALONE_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final long RECONNECT_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long METADATA_REFUSAL_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final long STOP_WAIT_SECONDS = 10;

  /** A peer we may connect to, with its retry backoff. */
  private static final class Candidate {
    boolean connected;
    int failures;
    long nextAttemptNanos;
  }

  // ------------------------------------------------------------------ configuration (immutable)
  private final String name;
  private final Dht dht;
  private final NodeId infoHash;
  private final boolean sharing; // a Share: complete from the start, never connects out or looks up
  private final InetAddress bindAddress;
  private final int requestedPort;
  private final PeerLimits limits;
  private final long announceIntervalNanos; // 0 = never
  private final long lookupIntervalNanos;
  private final int pipelineDepth;
  private final long progressIntervalNanos;
  private final boolean noSeed;
  private final Path outDir; // fetch only
  private final byte[] peerId;
  private final SplittableRandom random;

  // ------------------------------------------------------------------ hand-off between threads
  private final ArrayBlockingQueue<Runnable> commands = new ArrayBlockingQueue<>(COMMAND_QUEUE);
  private final Object handoff = new Object(); // guards 'accepting' together with the offer to 'commands'
  private boolean accepting = true; // guarded by handoff
  private volatile boolean stopping;
  private volatile FetchProgress lastProgress;
  private volatile SwarmStats finalStats;
  private final CompletableFuture<Path> done = new CompletableFuture<>();
  private final Thread thread;
  private volatile Selector selector; // set before the thread starts; read by execute() on any thread
  private ServerSocketChannel listener;
  private volatile Endpoint listening;

  // ------------------------------------------------------------------ loop-owned state
  private long now;
  private long nextTickNanos;
  private Torrent torrent; // null until the metadata is known
  private Storage storage;
  private PiecePicker picker;
  private Path finalPath;
  private Path contentPath;
  private FetchProgress.Phase phase;
  private ShareException failure;
  private MetadataAssembly metadata;
  private PeerConnection metadataSource;
  private final Map<Endpoint, Long> metadataRefusedUntil = new HashMap<>();
  private final List<PeerConnection> connections = new ArrayList<>();
  private final Map<Endpoint, Candidate> candidates = new LinkedHashMap<>();
  private final Set<InetAddress> banned = new HashSet<>();
  private final Map<InetAddress, Integer> strikes = new HashMap<>();
  private final Set<Endpoint> selfEndpoints = new HashSet<>();
  private final List<Consumer<FetchProgress>> listeners = new ArrayList<>();
  private final ArrayDeque<long[]> rateSamples = new ArrayDeque<>();
  private long nextLookupNanos;
  private long nextAnnounceNanos;
  private long nextRechokeNanos;
  private long nextProgressNanos;
  private boolean lookupInFlight;
  private boolean announceInFlight;
  private long verifiedBytes;
  // counters
  private long bytesDownloaded;
  private long bytesUploaded;
  private long bytesRequested;
  private long bytesWasted;
  private long bytesResumed;
  private int piecesVerified;
  private int piecesFailed;
  private int metadataPiecesServed;
  private long connectionsAccepted;
  private long connectionsRefused;
  private long connectionsOpened;
  private long protocolErrors;
  private long timeouts;
  private long requestsDropped;
  private int lookups;
  private int announces;
  private long internalErrors;

  private Swarm(
      String kind,
      Dht dht,
      NodeId infoHash,
      boolean sharing,
      Optional<InetAddress> bind,
      int port,
      PeerLimits limits,
      Duration announceInterval,
      Duration lookupInterval,
      int pipelineDepth,
      Duration progressInterval,
      boolean noSeed,
      Path outDir) {
    this.dht = dht;
    this.infoHash = infoHash;
    this.sharing = sharing;
    this.bindAddress = bind.orElseGet(() -> dht.localEndpoint().address());
    this.requestedPort = port;
    this.limits = limits;
    this.announceIntervalNanos = announceInterval.toNanos();
    this.lookupIntervalNanos = lookupInterval.toNanos();
    this.pipelineDepth = pipelineDepth;
    this.progressIntervalNanos = progressInterval.toNanos();
    this.noSeed = noSeed;
    this.outDir = outDir;
    SecureRandom secure = new SecureRandom();
    this.random = new SplittableRandom(secure.nextLong());
    this.peerId = new byte[20];
    byte[] prefix = "-DJ0010-".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(prefix, 0, peerId, 0, prefix.length);
    byte[] tail = new byte[20 - prefix.length];
    secure.nextBytes(tail);
    System.arraycopy(tail, 0, peerId, prefix.length, tail.length);
    this.name = "dht-" + kind + "-" + infoHash.toString().substring(0, 8);
    this.thread = new Thread(this::run, name);
  }

  /** A swarm serving complete content ({@link Share}); takes ownership of {@code storage}. */
  static Swarm forShare(Dht dht, Torrent torrent, Storage storage, ShareOptions options) {
    Swarm s =
        new Swarm("share", dht, torrent.infoHash(), true, options.bindAddress(), options.port(), options.limits(),
            options.announceInterval(), Duration.ofDays(1), 1, Duration.ZERO, false, null);
    s.torrent = torrent;
    s.storage = storage;
    BitSet all = new BitSet(torrent.pieceCount());
    all.set(0, torrent.pieceCount());
    s.picker = new PiecePicker(torrent, all, s.random);
    s.verifiedBytes = torrent.totalLength();
    s.phase = FetchProgress.Phase.SEEDING;
    s.finalPath = storage.root();
    s.contentPath = storage.root();
    return s;
  }

  /** A swarm downloading {@code magnet} into {@code outDir} ({@link Fetch}). */
  static Swarm forFetch(Dht dht, Magnet magnet, Path outDir, FetchOptions options) {
    Swarm s =
        new Swarm("fetch", dht, magnet.infoHash(), false, options.bindAddress(), options.port(), options.limits(),
            options.announceInterval(), options.lookupInterval(), options.pipelineDepth(),
            options.progressInterval(), options.noSeed(), outDir);
    s.phase = FetchProgress.Phase.METADATA;
    List<Endpoint> hints = new ArrayList<>(magnet.peers());
    hints.addAll(options.peers());
    s.addCandidates(hints);
    return s;
  }

  /**
   * Binds the listener and starts the thread.
   *
   * @throws ShareException when the TCP port cannot be bound
   */
  void start() {
    try {
      selector = Selector.open();
      listener = ServerSocketChannel.open();
      listener.bind(new InetSocketAddress(bindAddress, requestedPort), 64);
      listener.configureBlocking(false);
      listener.register(selector, SelectionKey.OP_ACCEPT, null);
      InetSocketAddress local = (InetSocketAddress) listener.getLocalAddress();
      listening = new Endpoint(local.getAddress(), local.getPort());
    } catch (IOException e) {
      closeQuietly();
      throw new ShareException(
          "cannot listen on " + bindAddress.getHostAddress() + ":" + requestedPort + ": " + e.getMessage(), e);
    }
    lastProgress = progressSnapshot();
    thread.start();
  }

  // ------------------------------------------------------------------ API for the handles (any thread)

  NodeId infoHash() {
    return infoHash;
  }

  Endpoint listening() {
    return listening;
  }

  /** Completes (on the swarm thread) with the content path when complete; fails on error or cancellation. */
  CompletableFuture<Path> done() {
    return done;
  }

  FetchProgress progress() {
    return lastProgress;
  }

  void addListener(Consumer<FetchProgress> listener) {
    execute(() -> listeners.add(listener));
  }

  CompletableFuture<SwarmStats> stats() {
    SwarmStats last = finalStats;
    if (last != null) {
      return CompletableFuture.completedFuture(last);
    }
    CompletableFuture<SwarmStats> f = new CompletableFuture<>();
    if (!execute(() -> f.complete(statsSnapshot()))) {
      // The loop stopped between the check and the hand-off: by now it has published its final stats.
      SwarmStats fin = finalStats;
      if (fin != null) {
        f.complete(fin);
      } else {
        f.completeExceptionally(new ShareException(name + " is stopped"));
      }
    }
    return f;
  }

  /** Hands {@code command} to the swarm thread; false when the swarm is stopped or its queue is full. */
  boolean execute(Runnable command) {
    synchronized (handoff) {
      if (!accepting || !commands.offer(command)) {
        return false;
      }
    }
    Selector s = selector;
    if (s != null) {
      s.wakeup();
    }
    return true;
  }

  /**
   * Stops the swarm: closes connections, the listener and the files; a fetch not yet complete fails its {@link
   * #done()} with a {@link CancellationException}. Waits (bounded) for the thread unless called on it.
   */
  void stop() {
    stopping = true;
    Selector s = selector;
    if (s != null) {
      s.wakeup();
    }
    if (Thread.currentThread() != thread && thread.isAlive()) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(STOP_WAIT_SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        LOG.log(System.Logger.Level.WARNING, name + ": did not stop within " + STOP_WAIT_SECONDS + " s");
      }
    }
  }

  // ------------------------------------------------------------------ the loop

  private void run() {
    now = System.nanoTime();
    nextTickNanos = now;
    nextLookupNanos = now;
    nextAnnounceNanos = now;
    nextRechokeNanos = now + limits.rechoke().toNanos();
    nextProgressNanos = now;
    try {
      while (!stopping) {
        long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTickNanos - System.nanoTime()) + 1);
        selector.select(Math.min(waitMillis, TICK_MILLIS));
        now = System.nanoTime();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          handleKey(key);
        }
        runCommands();
        if (now - nextTickNanos >= 0 && !stopping) {
          nextTickNanos = now + TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
          try {
            tick();
          } catch (RuntimeException e) {
            internalError("timer", e);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      internalError("loop", e);
      if (failure == null && !done.isDone() && phase != FetchProgress.Phase.SEEDING) {
        failure = new ShareException(name + ": " + e, e);
      }
    } finally {
      shutdown();
    }
  }

  private void runCommands() {
    for (int i = 0; i < COMMAND_QUEUE; i++) {
      Runnable r = commands.poll();
      if (r == null) {
        return;
      }
      try {
        r.run();
      } catch (RuntimeException e) {
        internalError("command", e);
      }
    }
  }

  private void internalError(String where, Throwable e) {
    internalErrors++;
    LOG.log(System.Logger.Level.WARNING, name + ": unexpected error in " + where + ": " + e, e);
  }

  private void handleKey(SelectionKey key) {
    if (!key.isValid()) {
      return;
    }
    Object attachment = key.attachment();
    if (attachment == null) {
      accept();
      return;
    }
    PeerConnection conn = (PeerConnection) attachment;
    try {
      if (key.isConnectable()) {
        onConnected(conn);
      }
      if (key.isValid() && key.isReadable()) {
        onReadable(conn);
      }
      if (key.isValid() && key.isWritable() && conn.phase != PeerConnection.Phase.CLOSED) {
        conn.flush();
        pumpUploads(conn);
      }
    } catch (IOException e) {
      close(conn, e.getClass().getSimpleName() + ": " + e.getMessage(), false);
    } catch (RuntimeException e) {
      internalError("connection " + conn, e);
      close(conn, "internal error", false);
    }
  }

  private void shutdown() {
    for (PeerConnection c : new ArrayList<>(connections)) {
      c.closeChannel();
    }
    connections.clear();
    if (storage != null) {
      storage.close();
    }
    closeQuietly();
    if (failure != null) {
      phase = FetchProgress.Phase.FAILED;
    } else if (phase != FetchProgress.Phase.SEEDING && phase != FetchProgress.Phase.DONE) {
      phase = FetchProgress.Phase.CANCELLED;
    }
    finalStats = statsSnapshot();
    lastProgress = progressSnapshot();
    synchronized (handoff) {
      accepting = false;
    }
    runCommands(); // whatever was handed over before 'accepting' turned false
    notifyListeners();
    if (phase == FetchProgress.Phase.DONE || phase == FetchProgress.Phase.SEEDING) {
      done.complete(finalPath);
    } else if (phase == FetchProgress.Phase.FAILED) {
      done.completeExceptionally(failure);
    } else {
      done.completeExceptionally(new CancellationException(name + " was cancelled"));
    }
  }

  private void closeQuietly() {
    try {
      if (listener != null) {
        listener.close();
      }
    } catch (IOException e) {
      // nothing to do
    }
    try {
      if (selector != null) {
        selector.close();
      }
    } catch (IOException e) {
      // nothing to do
    }
  }

  // ------------------------------------------------------------------ connections

  private void accept() {
    for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
      SocketChannel ch;
      try {
        ch = listener.accept();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.DEBUG, name + ": accept failed: " + e);
        return;
      }
      if (ch == null) {
        return;
      }
      try {
        InetSocketAddress ra = (InetSocketAddress) ch.getRemoteAddress();
        if (connections.size() >= limits.maxConnections() || banned.contains(ra.getAddress())) {
          connectionsRefused++;
          ch.close();
          continue;
        }
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        PeerConnection conn = new PeerConnection(ch, new Endpoint(ra.getAddress(), ra.getPort()), false, now);
        conn.key = ch.register(selector, SelectionKey.OP_READ, conn);
        connections.add(conn);
        connectionsAccepted++;
      } catch (IOException e) {
        connectionsRefused++;
        try {
          ch.close();
        } catch (IOException ignored) {
          // gone
        }
      }
    }
  }

  private void connect(Endpoint to, Candidate c) {
    SocketChannel ch = null;
    try {
      ch = SocketChannel.open();
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      if (!bindAddress.isAnyLocalAddress()) {
        ch.bind(new InetSocketAddress(bindAddress, 0));
      }
      PeerConnection conn = new PeerConnection(ch, to, true, now);
      c.connected = true;
      connections.add(conn);
      connectionsOpened++;
      if (ch.connect(new InetSocketAddress(to.address(), to.port()))) {
        conn.key = ch.register(selector, SelectionKey.OP_READ, conn);
        startHandshake(conn);
      } else {
        conn.key = ch.register(selector, SelectionKey.OP_CONNECT, conn);
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, name + ": cannot connect to " + to + ": " + e);
      c.connected = false;
      backoff(c);
      if (ch != null) {
        for (PeerConnection p : connections) {
          if (p.channel == ch) {
            connections.remove(p);
            break;
          }
        }
        try {
          ch.close();
        } catch (IOException ignored) {
          // nothing to do
        }
      }
    }
  }

  private void onConnected(PeerConnection conn) throws IOException {
    if (conn.channel.finishConnect()) {
      conn.key.interestOps(SelectionKey.OP_READ);
      startHandshake(conn);
    }
  }

  private void startHandshake(PeerConnection conn) {
    conn.phase = PeerConnection.Phase.HANDSHAKING;
    conn.send(PeerWire.handshake(infoHash, peerId, true), now);
    conn.handshakeSent = true;
  }

  private void backoff(Candidate c) {
    c.failures++;
    long delay = TimeUnit.SECONDS.toNanos(5) << Math.min(c.failures - 1, 6);
    c.nextAttemptNanos = now + Math.min(delay, TimeUnit.MINUTES.toNanos(5));
  }

  /**
   * Closes {@code conn} and gives back what it held: its requested blocks, its share of piece availability, its
   * upload slot, the metadata it was sending.
   */
  private void close(PeerConnection conn, String reason, boolean protocolError) {
    if (conn.phase == PeerConnection.Phase.CLOSED) {
      return;
    }
    boolean wasOpen = conn.isOpen();
    boolean wasUnchoked = wasOpen && !conn.amChoking;
    LOG.log(System.Logger.Level.DEBUG, () -> name + ": closing " + conn + ": " + reason);
    if (protocolError) {
      protocolErrors++;
    }
    releaseOutstanding(conn);
    if (conn.availabilityCounted && picker != null) {
      picker.removeAvailability(conn.peerHas);
      conn.availabilityCounted = false;
    }
    conn.closeChannel();
    connections.remove(conn);
    if (metadataSource == conn) {
      metadataSource = null;
      if (metadata != null) {
        metadata.releaseRequests();
      }
    }
    if (conn.outgoing) {
      Candidate c = candidates.get(conn.remote);
      if (c != null) {
        c.connected = false;
        if (wasOpen) {
          c.failures = 0;
          c.nextAttemptNanos = now + RECONNECT_NANOS;
        } else {
          backoff(c);
        }
      }
    }
    if (wasUnchoked) {
      unchokeWaiting();
    }
  }

  private void protocolError(PeerConnection conn, String reason) {
    close(conn, reason, true);
  }

  // ------------------------------------------------------------------ reading and parsing

  private void onReadable(PeerConnection conn) throws IOException {
    for (int round = 0; round < READ_ROUNDS && conn.phase != PeerConnection.Phase.CLOSED; round++) {
      int n = conn.read();
      if (n < 0) {
        close(conn, "closed by the peer", false);
        return;
      }
      if (n > 0) {
        conn.lastReceivedNanos = now;
      }
      parse(conn);
      if (n == 0) {
        return;
      }
    }
  }

  /** Parses the handshake and every complete message in the read buffer. */
  private void parse(PeerConnection conn) {
    ByteBuffer in = conn.in();
    byte[] a = in.array();
    int available = in.position();
    int pos = 0;
    if (conn.phase == PeerConnection.Phase.HANDSHAKING) {
      int check = Math.min(available, 1 + PeerWire.PROTOCOL.length);
      for (int i = 0; i < check; i++) {
        int expected = i == 0 ? PeerWire.PROTOCOL.length : PeerWire.PROTOCOL[i - 1];
        if (a[i] != (byte) expected) {
          protocolError(conn, "not a BitTorrent handshake");
          return;
        }
      }
      if (available < PeerWire.HANDSHAKE_LENGTH) {
        return;
      }
      PeerWire.Handshake hs;
      try {
        hs = PeerWire.decodeHandshake(a, 0);
      } catch (DecodeException e) {
        protocolError(conn, "bad handshake: " + e.getMessage());
        return;
      }
      pos = PeerWire.HANDSHAKE_LENGTH;
      onHandshake(conn, hs);
    }
    while (conn.isOpen()) {
      if (available - pos < PeerWire.PREFIX) {
        break;
      }
      int length = PeerWire.readInt(a, pos);
      if (length < 0 || length > limits.maxMessageBytes()) {
        protocolError(conn, "message of " + Integer.toUnsignedString(length) + " bytes (limit "
            + limits.maxMessageBytes() + ")");
        return;
      }
      if (available - pos - PeerWire.PREFIX < length) {
        conn.consume(pos);
        conn.ensureCapacity(PeerWire.PREFIX + length);
        return;
      }
      if (length > 0) {
        PeerMessage message;
        try {
          message = PeerWire.decode(a, pos + PeerWire.PREFIX, length);
        } catch (DecodeException e) {
          protocolError(conn, "bad message: " + e.getMessage());
          return;
        }
        onMessage(conn, message);
      }
      pos += PeerWire.PREFIX + length;
    }
    if (conn.phase != PeerConnection.Phase.CLOSED) {
      conn.consume(pos);
    }
  }

  private void onHandshake(PeerConnection conn, PeerWire.Handshake hs) {
    if (!hs.infoHash().equals(infoHash)) {
      protocolError(conn, "handshake for another torrent " + hs.infoHash());
      return;
    }
    if (hs.peerId().contentEquals(peerId)) {
      if (conn.outgoing) {
        selfEndpoints.add(conn.remote);
      }
      close(conn, "connected to ourselves", false);
      return;
    }
    for (PeerConnection other : connections) {
      if (other != conn && other.isOpen() && hs.peerId().equals(other.peerId)) {
        close(conn, "already connected to this peer", false);
        return;
      }
    }
    conn.peerId = hs.peerId();
    conn.peerExtensions = hs.extensionProtocol();
    conn.peerDht = hs.dht();
    if (!conn.handshakeSent) {
      conn.send(PeerWire.handshake(infoHash, peerId, true), now);
      conn.handshakeSent = true;
    }
    conn.phase = PeerConnection.Phase.OPEN;
    conn.lastReceivedNanos = now;
    if (conn.outgoing) {
      Candidate c = candidates.get(conn.remote);
      if (c != null) {
        c.failures = 0;
      }
    }
    if (picker != null) {
      conn.availabilityCounted = true;
      if (picker.haveCount() > 0) {
        conn.send(PeerWire.bitfield(picker.have(), torrent.pieceCount()), now);
      }
    }
    if (conn.peerExtensions) {
      byte[] ext =
          ExtendedHandshake.encode(
              torrent == null ? -1 : torrent.infoSize(), listening.port(), limits.requestQueue(), CLIENT);
      conn.send(PeerWire.extended(0, ext, new byte[0], 0, 0), now);
    }
    if (conn.peerDht) {
      conn.send(PeerWire.port(dht.localEndpoint().port()), now);
    }
  }

  private void onMessage(PeerConnection conn, PeerMessage message) {
    if (message instanceof PeerMessage.KeepAlive) {
      return;
    } else if (message instanceof PeerMessage.Choke) {
      conn.peerChoking = true;
      releaseOutstanding(conn);
    } else if (message instanceof PeerMessage.Unchoke) {
      conn.peerChoking = false;
      pumpRequests(conn);
    } else if (message instanceof PeerMessage.Interested) {
      conn.peerInterested = true;
      maybeUnchoke(conn);
    } else if (message instanceof PeerMessage.NotInterested) {
      conn.peerInterested = false;
      if (!conn.amChoking) {
        choke(conn);
        unchokeWaiting();
      }
    } else if (message instanceof PeerMessage.Have h) {
      onHave(conn, h.piece());
    } else if (message instanceof PeerMessage.Bitfield b) {
      onBitfield(conn, b.bits());
    } else if (message instanceof PeerMessage.Request r) {
      onRequest(conn, r);
    } else if (message instanceof PeerMessage.Piece p) {
      onPiece(conn, p);
    } else if (message instanceof PeerMessage.Cancel c) {
      conn.requests.removeIf(r -> r.piece() == c.piece() && r.begin() == c.begin() && r.length() == c.length());
    } else if (message instanceof PeerMessage.Port p) {
      onPort(conn, p.port());
    } else if (message instanceof PeerMessage.Extended e) {
      onExtended(conn, e);
    } else if (message instanceof PeerMessage.Unknown) {
      // Fast extension, hash requests and the like: we did not announce them, so ignore them (BEP 3 practice).
      return;
    } else {
      throw new AssertionError("unhandled message " + message);
    }
  }

  /** The most pieces a torrent within the metadata size limit can have: bounds state kept before the metadata. */
  private int maxPiecesBeforeMetadata() {
    return limits.maxMetadataBytes() / 20;
  }

  private void onHave(PeerConnection conn, int piece) {
    if (torrent == null) {
      if (piece >= maxPiecesBeforeMetadata()) {
        protocolError(conn, "have " + piece + " beyond any torrent we would accept");
        return;
      }
      conn.peerHas.set(piece);
      return;
    }
    if (piece >= torrent.pieceCount()) {
      protocolError(conn, "have " + piece + " beyond the last piece " + (torrent.pieceCount() - 1));
      return;
    }
    if (!conn.peerHas.get(piece)) {
      conn.peerHas.set(piece);
      if (conn.availabilityCounted) {
        picker.addAvailability(piece);
      }
    }
    afterPeerPieces(conn);
  }

  private void onBitfield(PeerConnection conn, byte[] bits) {
    if (torrent == null) {
      if (bits.length > maxPiecesBeforeMetadata() / 8 + 1) {
        protocolError(conn, "bitfield of " + bits.length + " bytes before the metadata");
        return;
      }
      conn.earlyBitfield = bits;
      return;
    }
    BitSet set = PeerWire.parseBitfield(bits, torrent.pieceCount());
    if (set == null) {
      protocolError(conn, "bitfield of " + bits.length + " bytes for " + torrent.pieceCount() + " pieces");
      return;
    }
    if (conn.availabilityCounted) {
      picker.removeAvailability(conn.peerHas);
    }
    set.or(conn.peerHas);
    conn.peerHas = set;
    picker.addAvailability(set);
    conn.availabilityCounted = true;
    afterPeerPieces(conn);
  }

  /** The peer's pieces changed: update our interest, ask for blocks, drop seed-to-seed connections. */
  private void afterPeerPieces(PeerConnection conn) {
    if (picker.complete() && conn.peerHas.cardinality() == torrent.pieceCount()) {
      close(conn, "both complete", false);
      return;
    }
    updateInterest(conn);
    pumpRequests(conn);
  }

  private void onRequest(PeerConnection conn, PeerMessage.Request r) {
    if (torrent == null) {
      protocolError(conn, "request before we have the metadata");
      return;
    }
    if (r.length() == 0 || r.length() > Torrent.BLOCK_SIZE) {
      protocolError(conn, "request of " + r.length() + " bytes (limit " + Torrent.BLOCK_SIZE + ")");
      return;
    }
    if (r.piece() >= torrent.pieceCount() || (long) r.begin() + r.length() > torrent.pieceSize(r.piece())) {
      protocolError(conn, "request beyond the end: piece " + r.piece() + " at " + r.begin() + " +" + r.length());
      return;
    }
    if (!picker.has(r.piece())) {
      protocolError(conn, "request for piece " + r.piece() + ", which we do not have");
      return;
    }
    if (conn.amChoking || conn.requests.size() >= limits.requestQueue()) {
      requestsDropped++;
      return;
    }
    conn.requests.add(r);
    pumpUploads(conn);
  }

  /** Serves queued requests while the peer reads fast enough. */
  private void pumpUploads(PeerConnection conn) {
    try {
      while (conn.isOpen() && !conn.amChoking && !conn.requests.isEmpty()
          && conn.queuedBytes() < HIGH_WATER_BYTES) {
        PeerMessage.Request r = conn.requests.poll();
        ByteBuffer m = PeerWire.pieceHeader(r.piece(), r.begin(), r.length());
        if (!storage.read(r.piece(), r.begin(), m.array(), 13, r.length())) {
          LOG.log(System.Logger.Level.WARNING, name + ": " + contentPath + " is shorter than the torrent says");
          close(conn, "content missing on disk", false);
          return;
        }
        m.position(13 + r.length()).flip();
        conn.send(m, now);
        conn.uploaded += r.length();
        bytesUploaded += r.length();
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, name + ": cannot read " + contentPath + ": " + e.getMessage());
      close(conn, "cannot read the content: " + e.getMessage(), false);
    }
  }

  private void onPiece(PeerConnection conn, PeerMessage.Piece p) {
    long key = PiecePicker.key(p.piece(), p.begin());
    if (picker == null || !conn.outstanding.remove(key)) {
      bytesWasted += p.length(); // cancelled, or never asked for
      return;
    }
    bytesDownloaded += p.length();
    conn.downloaded += p.length();
    conn.requestClockNanos = now;
    if (p.length() != picker.blockLength(key)) {
      picker.release(key);
      protocolError(conn, "block of " + p.length() + " bytes for a request of " + picker.blockLength(key));
      return;
    }
    PiecePicker.Received outcome = picker.received(key, conn.remote.address());
    if (outcome == PiecePicker.Received.DUPLICATE) {
      bytesWasted += p.length();
    } else {
      try {
        storage.write(p.piece(), p.begin(), p.buffer(), p.offset(), p.length());
      } catch (IOException e) {
        fail("cannot write " + contentPath + ": " + e.getMessage(), e);
        return;
      }
      for (PeerConnection other : connections) {
        if (other != conn && other.outstanding.remove(key)) {
          other.send(PeerWire.request(PeerMessage.CANCEL, p.piece(), p.begin(), p.length()), now);
        }
      }
      if (outcome == PiecePicker.Received.PIECE_COMPLETE) {
        onPieceComplete(p.piece());
      }
    }
    if (conn.isOpen()) {
      pumpRequests(conn);
    }
  }

  private void onPieceComplete(int piece) {
    boolean good;
    try {
      good = storage.verify(piece);
    } catch (IOException e) {
      fail("cannot read back " + contentPath + ": " + e.getMessage(), e);
      return;
    }
    if (!good) {
      piecesFailed++;
      bytesWasted += torrent.pieceSize(piece);
      Set<InetAddress> senders = picker.failed(piece);
      LOG.log(System.Logger.Level.DEBUG, () -> name + ": piece " + piece + " failed its hash; sent by " + senders);
      for (InetAddress who : senders) {
        int count = strikes.merge(who, 1, Integer::sum);
        if (senders.size() == 1 || count >= STRIKES_TO_BAN) {
          ban(who, "sent a corrupt piece");
        }
      }
      return;
    }
    picker.verified(piece);
    piecesVerified++;
    verifiedBytes += torrent.pieceSize(piece);
    for (PeerConnection c : new ArrayList<>(connections)) {
      if (c.isOpen()) {
        if (!c.peerHas.get(piece)) {
          c.send(PeerWire.have(piece), now);
        }
        updateInterest(c);
      }
    }
    if (progressIntervalNanos == 0) {
      notifyListeners();
    }
    if (picker.complete()) {
      finish();
    }
  }

  private void ban(InetAddress who, String why) {
    if (!banned.add(who)) {
      return;
    }
    LOG.log(System.Logger.Level.DEBUG, () -> name + ": banned " + who.getHostAddress() + ": " + why);
    for (PeerConnection c : new ArrayList<>(connections)) {
      if (c.remote.address().equals(who)) {
        close(c, "banned: " + why, false);
      }
    }
    candidates.keySet().removeIf(e -> e.address().equals(who));
  }

  private void onPort(PeerConnection conn, int port) {
    if (conn.dhtPortPinged || port == 0) {
      return;
    }
    conn.dhtPortPinged = true;
    // BEP 5: a peer's DHT node is a contact worth having; the ping adds it to our routing table when it answers.
    dht.ping(new Endpoint(conn.remote.address(), port));
  }

  private void onExtended(PeerConnection conn, PeerMessage.Extended e) {
    if (e.extendedId() == 0) {
      try {
        conn.extended = ExtendedHandshake.decode(e.payload());
      } catch (DecodeException ex) {
        // Not canonical bencode or not a dictionary: treat the peer as speaking no extension.
        LOG.log(System.Logger.Level.DEBUG, () -> name + ": " + conn + ": unreadable extended handshake: " + ex);
        conn.extended = new ExtendedHandshake(0, -1, 0, "", 0);
      }
      maybeRequestMetadata();
      return;
    }
    if (e.extendedId() == ExtendedHandshake.OUR_UT_METADATA_ID) {
      MetadataMessage m;
      try {
        m = MetadataMessage.decode(e.payload());
      } catch (DecodeException ex) {
        protocolError(conn, "bad ut_metadata message: " + ex.getMessage());
        return;
      }
      onMetadataMessage(conn, m);
    }
    // Other ids: extensions we did not offer; ignore.
  }

  // ------------------------------------------------------------------ metadata (BEP 9)

  private void onMetadataMessage(PeerConnection conn, MetadataMessage m) {
    int theirId = conn.extended == null ? 0 : conn.extended.utMetadataId();
    switch (m.type()) {
      case MetadataMessage.REQUEST -> {
        if (theirId == 0) {
          return; // cannot answer a peer that did not tell us its ut_metadata id
        }
        int pieces = torrent == null ? 0 : (torrent.infoSize() + MetadataMessage.PIECE_SIZE - 1) / MetadataMessage.PIECE_SIZE;
        if (m.piece() >= pieces || conn.queuedBytes() >= HIGH_WATER_BYTES) {
          conn.send(PeerWire.extended(theirId, MetadataMessage.reject(m.piece()), new byte[0], 0, 0), now);
          return;
        }
        int offset = m.piece() * MetadataMessage.PIECE_SIZE;
        int length = Math.min(MetadataMessage.PIECE_SIZE, torrent.infoSize() - offset);
        byte[] slice = new byte[length];
        torrent.copyInfo(offset, slice, 0, length);
        conn.send(
            PeerWire.extended(theirId, MetadataMessage.dataHeader(m.piece(), torrent.infoSize()), slice, 0, length),
            now);
        metadataPiecesServed++;
      }
      case MetadataMessage.DATA -> {
        if (torrent != null || conn != metadataSource || metadata == null) {
          return; // late or unrequested
        }
        if (m.totalSize() != metadata.size()) {
          refuseMetadataSource(conn, "total_size " + m.totalSize() + " differs from metadata_size " + metadata.size());
          return;
        }
        if (!metadata.accept(m.piece(), m.payload(), m.dataOffset(), m.dataLength())) {
          protocolError(conn, "metadata piece " + m.piece() + " of " + m.dataLength() + " bytes was not asked for");
          return;
        }
        conn.metadataRequestedNanos = now;
        if (metadata.complete()) {
          onMetadataComplete(conn);
        } else {
          requestMoreMetadata(conn);
        }
      }
      case MetadataMessage.REJECT -> {
        if (conn == metadataSource) {
          refuseMetadataSource(conn, "rejected metadata piece " + m.piece());
        }
      }
      default -> {
        // unknown msg_type: ignored (BEP 9)
      }
    }
  }

  private void refuseMetadataSource(PeerConnection conn, String why) {
    LOG.log(System.Logger.Level.DEBUG, () -> name + ": metadata from " + conn + ": " + why);
    metadataRefusedUntil.put(conn.remote, now + METADATA_REFUSAL_NANOS);
    metadataSource = null;
    if (metadata != null) {
      metadata.releaseRequests();
    }
    maybeRequestMetadata();
  }

  /** Without metadata and without a source, picks a peer that offers it (BEP 9) and asks it. */
  private void maybeRequestMetadata() {
    if (torrent != null || (metadataSource != null && metadataSource.isOpen())) {
      return;
    }
    metadataRefusedUntil.values().removeIf(until -> now - until >= 0);
    for (PeerConnection c : connections) {
      ExtendedHandshake x = c.extended;
      if (!c.isOpen() || x == null || x.utMetadataId() == 0 || x.metadataSize() <= 0
          || metadataRefusedUntil.containsKey(c.remote)) {
        continue;
      }
      if (x.metadataSize() > limits.maxMetadataBytes()) {
        metadataRefusedUntil.put(c.remote, Long.MAX_VALUE / 2 + now);
        LOG.log(System.Logger.Level.DEBUG, () -> name + ": " + c + " offers " + x.metadataSize()
            + " bytes of metadata, over the limit " + limits.maxMetadataBytes());
        continue;
      }
      if (metadata == null || metadata.size() != x.metadataSize()) {
        metadata = new MetadataAssembly((int) x.metadataSize());
      } else {
        metadata.releaseRequests();
      }
      metadataSource = c;
      c.metadataRequestedNanos = now;
      requestMoreMetadata(c);
      return;
    }
  }

  private void requestMoreMetadata(PeerConnection conn) {
    while (metadata.outstanding() < METADATA_WINDOW) {
      int piece = metadata.nextToRequest();
      if (piece < 0) {
        return;
      }
      conn.send(PeerWire.extended(conn.extended.utMetadataId(), MetadataMessage.request(piece), new byte[0], 0, 0),
          now);
    }
  }

  private void onMetadataComplete(PeerConnection source) {
    if (!metadata.matches(infoHash)) {
      metadata = null;
      metadataSource = null;
      ban(source.remote.address(), "sent metadata that does not match the info-hash");
      maybeRequestMetadata();
      return;
    }
    Torrent t;
    try {
      t = Torrent.parseInfo(metadata.bytes());
    } catch (DecodeException e) {
      fail("the torrent's metadata is unusable: " + e.getMessage(), null);
      return;
    }
    metadata = null;
    metadataSource = null;
    onTorrent(t);
  }

  /** The metadata is known: open the files, check what is already there, start downloading. */
  private void onTorrent(Torrent t) {
    torrent = t;
    phase = FetchProgress.Phase.CHECKING;
    notifyListeners();
    finalPath = outDir.resolve(t.name());
    Path part = outDir.resolve(t.name() + ".part");
    BitSet have;
    try {
      Files.createDirectories(outDir);
      if (Files.exists(finalPath, LinkOption.NOFOLLOW_LINKS)) {
        Storage existing;
        try {
          existing = Storage.openForReading(t, finalPath);
        } catch (IOException e) {
          fail(finalPath + " already exists and is not this torrent's content (" + e.getMessage() + ")", null);
          return;
        }
        have = existing.verifyAll();
        if (have.cardinality() != t.pieceCount()) {
          existing.close();
          fail(finalPath + " already exists and differs from this torrent's content", null);
          return;
        }
        storage = existing;
        contentPath = finalPath;
      } else {
        storage = Storage.openForWriting(t, part);
        contentPath = part;
        have = storage.verifyAll();
      }
    } catch (IOException e) {
      fail("cannot prepare " + part + ": " + e.getMessage(), e);
      return;
    }
    picker = new PiecePicker(t, have, random);
    verifiedBytes = picker.verifiedBytes();
    bytesResumed = verifiedBytes;
    phase = FetchProgress.Phase.DOWNLOADING;
    for (PeerConnection c : new ArrayList<>(connections)) {
      if (c.isOpen()) {
        adoptEarlyPieces(c);
      }
    }
    notifyListeners();
    if (picker.complete()) {
      finish();
      return;
    }
    for (PeerConnection c : new ArrayList<>(connections)) {
      if (c.isOpen()) {
        for (int i = have.nextSetBit(0); i >= 0; i = have.nextSetBit(i + 1)) {
          c.send(PeerWire.have(i), now);
        }
        afterPeerPieces(c);
        maybeUnchoke(c);
      }
    }
  }

  /** Checks the bitfield and haves a peer sent before we knew the piece count, and counts them. */
  private void adoptEarlyPieces(PeerConnection c) {
    BitSet has = new BitSet(torrent.pieceCount());
    if (c.earlyBitfield != null) {
      BitSet parsed = PeerWire.parseBitfield(c.earlyBitfield, torrent.pieceCount());
      if (parsed == null) {
        protocolError(c, "bitfield of " + c.earlyBitfield.length + " bytes for " + torrent.pieceCount() + " pieces");
        return;
      }
      has.or(parsed);
      c.earlyBitfield = null;
    }
    if (c.peerHas.length() > torrent.pieceCount()) {
      protocolError(c, "have beyond the last piece " + (torrent.pieceCount() - 1));
      return;
    }
    has.or(c.peerHas);
    c.peerHas = has;
    picker.addAvailability(has);
    c.availabilityCounted = true;
  }

  /** Every piece verified: flush, rename {@code .part} to the final name, then seed or stop. */
  private void finish() {
    try {
      storage.force();
      if (!contentPath.equals(finalPath)) {
        Files.move(contentPath, finalPath, StandardCopyOption.ATOMIC_MOVE);
        storage.moved(finalPath);
        contentPath = finalPath;
      }
    } catch (IOException e) {
      fail("cannot rename " + contentPath + " to " + finalPath + ": " + e, e);
      return;
    }
    LOG.log(System.Logger.Level.DEBUG, () -> name + ": complete: " + finalPath);
    phase = FetchProgress.Phase.SEEDING;
    if (noSeed) {
      phase = FetchProgress.Phase.DONE;
      stopping = true;
      return;
    }
    for (PeerConnection c : new ArrayList<>(connections)) {
      if (c.isOpen()) {
        afterPeerPieces(c);
      }
    }
    notifyListeners();
    done.complete(finalPath);
  }

  private void fail(String message, Throwable cause) {
    if (failure == null) {
      failure = cause == null ? new ShareException(message) : new ShareException(message, cause);
    }
    LOG.log(System.Logger.Level.DEBUG, () -> name + ": failed: " + message);
    stopping = true;
  }

  // ------------------------------------------------------------------ requesting (download side)

  private void updateInterest(PeerConnection conn) {
    boolean want = picker != null && !picker.complete() && picker.interesting(conn.peerHas);
    if (want != conn.amInterested) {
      conn.amInterested = want;
      conn.send(PeerWire.simple(want ? PeerMessage.INTERESTED : PeerMessage.NOT_INTERESTED), now);
    }
  }

  private void pumpRequests(PeerConnection conn) {
    if (picker == null || picker.complete() || !conn.isOpen() || conn.peerChoking || !conn.amInterested) {
      return;
    }
    int depth = pipelineDepth;
    if (conn.extended != null && conn.extended.requestQueue() > 0) {
      depth = Math.min(depth, conn.extended.requestQueue());
    }
    int want = depth - conn.outstanding.size();
    if (want <= 0) {
      return;
    }
    List<Long> keys = picker.pick(conn.peerHas, want, conn.outstanding);
    if (keys.isEmpty()) {
      return;
    }
    if (conn.outstanding.isEmpty()) {
      conn.requestClockNanos = now;
    }
    for (long k : keys) {
      int length = picker.blockLength(k);
      conn.outstanding.add(k);
      conn.send(PeerWire.request(PeerMessage.REQUEST, PiecePicker.piece(k), PiecePicker.begin(k), length), now);
      bytesRequested += length;
    }
  }

  private void releaseOutstanding(PeerConnection conn) {
    if (picker != null) {
      for (long k : conn.outstanding) {
        picker.release(k);
      }
    }
    conn.outstanding.clear();
  }

  // ------------------------------------------------------------------ choking (upload side)

  private boolean canServe() {
    return picker != null && picker.haveCount() > 0;
  }

  private int unchokedCount() {
    int n = 0;
    for (PeerConnection c : connections) {
      if (c.isOpen() && !c.amChoking) {
        n++;
      }
    }
    return n;
  }

  private void maybeUnchoke(PeerConnection conn) {
    if (conn.isOpen() && conn.amChoking && conn.peerInterested && canServe()
        && unchokedCount() < limits.uploadSlots()) {
      unchoke(conn);
    }
  }

  private void unchoke(PeerConnection conn) {
    conn.amChoking = false;
    conn.unchokedAtNanos = now;
    conn.send(PeerWire.simple(PeerMessage.UNCHOKE), now);
  }

  private void choke(PeerConnection conn) {
    conn.amChoking = true;
    conn.chokedAtNanos = now;
    conn.requests.clear(); // BEP 3: a choke discards the peer's pending requests
    conn.send(PeerWire.simple(PeerMessage.CHOKE), now);
  }

  /** Fills free upload slots with the interested peers that waited longest. */
  private void unchokeWaiting() {
    if (!canServe()) {
      return;
    }
    int free = limits.uploadSlots() - unchokedCount();
    while (free > 0) {
      PeerConnection next = null;
      for (PeerConnection c : connections) {
        if (c.isOpen() && c.amChoking && c.peerInterested
            && (next == null || c.chokedAtNanos - next.chokedAtNanos < 0)) {
          next = c;
        }
      }
      if (next == null) {
        return;
      }
      unchoke(next);
      free--;
    }
  }

  /** When peers wait for a slot, the peer unchoked longest (at least one rechoke period) makes room. */
  private void rechoke() {
    boolean waiting = false;
    PeerConnection longest = null;
    for (PeerConnection c : connections) {
      if (!c.isOpen()) {
        continue;
      }
      if (c.amChoking && c.peerInterested) {
        waiting = true;
      } else if (!c.amChoking && (longest == null || c.unchokedAtNanos - longest.unchokedAtNanos < 0)) {
        longest = c;
      }
    }
    if (waiting && longest != null && unchokedCount() >= limits.uploadSlots()
        && now - longest.unchokedAtNanos >= limits.rechoke().toNanos()) {
      choke(longest);
      unchokeWaiting();
    }
  }

  // ------------------------------------------------------------------ timers

  private void tick() {
    for (PeerConnection c : new ArrayList<>(connections)) {
      checkTimers(c);
    }
    if (metadataSource != null && now - metadataSource.metadataRequestedNanos > limits.requestTimeout().toNanos()) {
      refuseMetadataSource(metadataSource, "no metadata within " + limits.requestTimeout().toSeconds() + " s");
    }
    if (torrent == null) {
      maybeRequestMetadata();
    }
    boolean downloading = !sharing && (picker == null || !picker.complete());
    if (downloading && !lookupInFlight && now - nextLookupNanos >= 0) {
      startLookup();
    }
    if ((sharing || !noSeed) && !announceInFlight && now - nextAnnounceNanos >= 0) {
      startAnnounce();
    }
    if (downloading) {
      connectMore();
    }
    if (now - nextRechokeNanos >= 0) {
      nextRechokeNanos = now + limits.rechoke().toNanos();
      rechoke();
    }
    for (PeerConnection c : new ArrayList<>(connections)) {
      pumpRequests(c);
    }
    sampleRate();
    if (progressIntervalNanos > 0 && now - nextProgressNanos >= 0) {
      nextProgressNanos = now + progressIntervalNanos;
      notifyListeners();
    } else if (progressIntervalNanos == 0 && now - nextProgressNanos >= 0) {
      nextProgressNanos = now + TimeUnit.MILLISECONDS.toNanos(500);
      notifyListeners();
    }
  }

  private void checkTimers(PeerConnection c) {
    switch (c.phase) {
      case CONNECTING -> {
        if (now - c.createdNanos > limits.connectTimeout().toNanos()) {
          timeouts++;
          close(c, "connect timed out", false);
        }
      }
      case HANDSHAKING -> {
        if (now - c.createdNanos > limits.handshakeTimeout().toNanos()) {
          timeouts++;
          close(c, "no handshake within " + limits.handshakeTimeout().toSeconds() + " s", false);
        }
      }
      case OPEN -> {
        if (now - c.lastReceivedNanos > limits.idleTimeout().toNanos()) {
          timeouts++;
          close(c, "silent for " + limits.idleTimeout().toSeconds() + " s", false);
        } else if (!c.outstanding.isEmpty() && now - c.requestClockNanos > limits.requestTimeout().toNanos()) {
          timeouts++;
          close(c, "no block within " + limits.requestTimeout().toSeconds() + " s", false);
        } else if (now - c.lastSentNanos > limits.keepAliveInterval().toNanos()) {
          c.send(PeerWire.keepAlive(), now);
        }
      }
      case CLOSED -> {
        // already gone
      }
    }
  }

  private void connectMore() {
    int halfOpen = 0;
    for (PeerConnection c : connections) {
      if (c.outgoing && !c.isOpen()) {
        halfOpen++;
      }
    }
    for (Map.Entry<Endpoint, Candidate> e : new ArrayList<>(candidates.entrySet())) {
      if (halfOpen >= limits.maxHalfOpen() || connections.size() >= limits.maxConnections()) {
        return;
      }
      Endpoint to = e.getKey();
      Candidate c = e.getValue();
      if (c.connected || now - c.nextAttemptNanos < 0 || banned.contains(to.address())
          || selfEndpoints.contains(to) || to.equals(listening)) {
        continue;
      }
      connect(to, c);
      halfOpen++;
    }
  }

  private void addCandidates(List<Endpoint> peers) {
    for (Endpoint e : peers) {
      if (candidates.size() >= MAX_CANDIDATES) {
        return;
      }
      if (e.port() == 0 || banned.contains(e.address()) || e.equals(listening) || selfEndpoints.contains(e)) {
        continue;
      }
      candidates.putIfAbsent(e, new Candidate());
    }
  }

  private void startLookup() {
    lookupInFlight = true;
    boolean alone = openPeers() == 0;
    nextLookupNanos = now + (alone ? Math.min(lookupIntervalNanos, LOOKUP_WHILE_ALONE_NANOS) : lookupIntervalNanos);
    CompletableFuture<PeersResult> f = dht.getPeers(infoHash);
    f.whenComplete((result, error) -> {
      // On the DHT's loop thread: hop to ours.
      execute(() -> onLookup(result, error));
    });
  }

  private void onLookup(PeersResult result, Throwable error) {
    lookupInFlight = false;
    if (error != null) {
      LOG.log(System.Logger.Level.DEBUG, () -> name + ": get_peers failed: " + error);
      return;
    }
    lookups++;
    addCandidates(result.peers());
    if (!sharing && (picker == null || !picker.complete())) {
      connectMore();
    }
  }

  private void startAnnounce() {
    announceInFlight = true;
    nextAnnounceNanos = now + announceIntervalNanos;
    CompletableFuture<AnnounceResult> f = dht.announce(infoHash, listening.port());
    f.whenComplete((result, error) -> execute(() -> onAnnounce(result, error)));
  }

  private void onAnnounce(AnnounceResult result, Throwable error) {
    announceInFlight = false;
    if (error != null) {
      LOG.log(System.Logger.Level.DEBUG, () -> name + ": announce failed: " + error);
      nextAnnounceNanos = Math.min(nextAnnounceNanos, now + TimeUnit.SECONDS.toNanos(30));
      return;
    }
    announces++;
    if (result.storedOn().isEmpty()) {
      // Nobody took it (a DHT still joining): try again soon rather than in 15 minutes.
      nextAnnounceNanos = Math.min(nextAnnounceNanos, now + TimeUnit.SECONDS.toNanos(30));
    }
    addCandidates(sharing ? List.of() : result.lookup().peers());
  }

  // ------------------------------------------------------------------ progress and stats

  private int openPeers() {
    int n = 0;
    for (PeerConnection c : connections) {
      if (c.isOpen()) {
        n++;
      }
    }
    return n;
  }

  private void sampleRate() {
    rateSamples.addLast(new long[] {now, bytesDownloaded});
    while (rateSamples.size() > 2 && now - rateSamples.peekFirst()[0] > RATE_WINDOW_NANOS) {
      rateSamples.pollFirst();
    }
  }

  private double rate() {
    if (rateSamples.size() < 2) {
      return 0;
    }
    long[] first = rateSamples.peekFirst();
    long[] last = rateSamples.peekLast();
    long dt = last[0] - first[0];
    return dt <= 0 ? 0 : (last[1] - first[1]) * 1e9 / dt;
  }

  private FetchProgress progressSnapshot() {
    long total = torrent == null ? 0 : torrent.totalLength();
    double rate = rate();
    Optional<Duration> eta = Optional.empty();
    if (total > 0 && verifiedBytes >= total) {
      eta = Optional.of(Duration.ZERO);
    } else if (total > 0 && rate >= 1) {
      eta = Optional.of(Duration.ofMillis((long) ((total - verifiedBytes) * 1000 / rate)));
    }
    return new FetchProgress(phase, verifiedBytes, total, bytesResumed, rate, openPeers(), eta);
  }

  private void notifyListeners() {
    FetchProgress p = progressSnapshot();
    lastProgress = p;
    for (Consumer<FetchProgress> l : listeners) {
      try {
        l.accept(p);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, name + ": a progress listener threw " + e, e);
      }
    }
  }

  private SwarmStats statsSnapshot() {
    return new SwarmStats(
        listening,
        connections.size(),
        openPeers(),
        bytesDownloaded,
        bytesUploaded,
        bytesRequested,
        bytesWasted,
        bytesResumed,
        piecesVerified,
        piecesFailed,
        metadataPiecesServed,
        new ArrayList<>(banned),
        connectionsAccepted,
        connectionsRefused,
        connectionsOpened,
        protocolErrors,
        timeouts,
        requestsDropped,
        lookups,
        announces,
        internalErrors);
  }

  /** The metadata, once known (for the handles; read on the swarm thread). */
  CompletableFuture<Optional<Torrent>> torrent() {
    CompletableFuture<Optional<Torrent>> f = new CompletableFuture<>();
    if (!execute(() -> f.complete(Optional.ofNullable(torrent)))) {
      f.complete(Optional.empty());
    }
    return f;
  }

  @Override
  public String toString() {
    return name + " on " + listening;
  }
}
