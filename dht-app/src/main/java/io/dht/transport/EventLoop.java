package io.dht.transport;

import io.dht.id.Endpoint;
import io.dht.node.DhtException;
import io.dht.node.DhtNode;
import io.dht.node.Transport;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One thread, one NIO {@link Selector}, any number of {@link DhtNode}s each bound to its own non-blocking
 * {@link DatagramChannel}. The loop thread is the only thread that ever touches those nodes: it reads datagrams,
 * runs submitted commands, fires loop timers and ticks the nodes whose deadline has passed. Other threads reach a
 * node only through {@link #execute(Runnable)}, which enqueues and wakes the selector.
 *
 * <p>A node may own two channels, one IPv4 and one IPv6 ({@link #bind(List, Function)}): BEP 32's dual stack.
 * Both are registered with the same selector; datagrams from either reach the same node, and the node's sends
 * leave through the channel of the destination's family.
 *
 * <p>Before a datagram reaches its node it passes the node's {@link FloodGuard}: a per-source-IP budget of
 * datagrams ({@value FloodGuard#RATE_FACTOR} times the node's per-IP query rate and burst; off when the node does
 * not throttle), so a flood is dropped for the price of a map lookup instead of a decode each, and the loop
 * drains its socket faster than the flood fills it.
 *
 * <p>Each iteration: block in {@code select} until the earliest node deadline (or a wakeup), read at most
 * {@value #MAX_DATAGRAMS_PER_CHANNEL} datagrams from each ready channel through one reused receive buffer, run at
 * most {@value #MAX_TASKS_PER_ITERATION} queued commands, fire due timers, then {@code tick()} each node whose
 * deadline has passed. The loop itself allocates nothing per datagram: reused buffers, ready keys handed over
 * without the selected-key set, and addresses converted through a small cache. Sends happen synchronously on the loop; a datagram the socket buffer cannot take is
 * dropped and counted, as UDP allows. An exception escaping a node is logged with the node id, counted in
 * {@link #failures()}, and the loop goes on: this is the project's only catch-all.
 */
public final class EventLoop implements AutoCloseable {
  /** Size of the receive buffer: larger than any UDP payload. */
  public static final int RECEIVE_BUFFER_BYTES = 65_536;
  /**
   * The flood guard lets each source IP send this many times the node's per-IP query rate and burst, in datagrams
   * of any kind, before it drops the excess unread.
   */
  public static final int FLOOD_GUARD_RATE_FACTOR = FloodGuard.RATE_FACTOR;
  /** The kernel receive buffer each channel asks for (the system may grant less). */
  public static final int SOCKET_RECEIVE_BUFFER_BYTES = 1 << 20;
  /** Datagrams read from one channel per wakeup before the loop serves the others. */
  public static final int MAX_DATAGRAMS_PER_CHANNEL = 64;
  /** Queued commands run per iteration before the loop serves the sockets again. */
  public static final int MAX_TASKS_PER_ITERATION = 1024;
  /** Bound of the command queue; {@link #execute} rejects beyond it. */
  public static final int TASK_QUEUE_CAPACITY = 65_536;
  /**
   * System property choosing the datagram I/O: {@code auto} (the default: batched {@code recvmmsg}/{@code
   * sendmmsg} when {@link #nativeIoUnavailableReason()} is null, else NIO), {@code nio}, or {@code native} (fail
   * when unavailable).
   */
  public static final String IO_PROPERTY = "dht.io";

  private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());
  private static final int RUNNING = 0;
  private static final int SHUTTING_DOWN = 1;
  private static final int TERMINATED = 2;
  private static final long CLOSE_WAIT_MILLIS = 10_000;

  private final String name;
  private final Selector selector;
  private final Thread thread;
  private final ArrayBlockingQueue<Runnable> tasks = new ArrayBlockingQueue<>(TASK_QUEUE_CAPACITY);
  private volatile int state = RUNNING;

  // Owned by the loop thread.
  private final List<NodeChannel> channels = new ArrayList<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private long timerSequence;
  private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(RECEIVE_BUFFER_BYTES);
  private final byte[] receiveBytes = new byte[RECEIVE_BUFFER_BYTES];
  private final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(RECEIVE_BUFFER_BYTES);
  /** Source and destination addresses converted without allocating (see {@link AddressCache}). */
  private final AddressCache addresses = new AddressCache();
  /** Handles one ready key; a field, so that a select allocates neither a lambda nor a selected-key set entry. */
  private final Consumer<SelectionKey> onReady = this::onReady;
  /** Batched datagram I/O; null when the loop uses NIO's one system call per datagram. */
  private final NativeDatagrams batched;
  private final NativeDatagrams.Counts batchedCounts = new NativeDatagrams.Counts();

  // Written only by the loop thread, read by anyone.
  private volatile long failures;
  private volatile long sendDrops;
  private volatile long sendErrors;
  private volatile long receiveErrors;

  private EventLoop(String name, String io) throws IOException {
    this.name = name;
    this.batched = chooseIo(io);
    this.selector = Selector.open();
    this.thread = new Thread(this::run, name);
  }

  /** Opens a selector and starts the loop thread under {@code name} (e.g. {@code dht-loop-0}). */
  public static EventLoop start(String name) {
    return start(name, System.getProperty(IO_PROPERTY, "auto"));
  }

  /**
   * As {@link #start(String)}, with the datagram I/O given as {@code io} ({@code auto}, {@code nio} or {@code
   * native}; see {@link #IO_PROPERTY}).
   *
   * @throws DhtException for another value, or for {@code native} when batched I/O is unavailable
   */
  public static EventLoop start(String name, String io) {
    EventLoop loop;
    try {
      loop = new EventLoop(name, io);
    } catch (IOException e) {
      throw new DhtException("cannot open a selector: " + e.getMessage(), e);
    }
    loop.thread.start();
    return loop;
  }

  /** The loop thread's name. */
  public String name() {
    return name;
  }

  /**
   * Why this JVM cannot use batched datagram I/O ({@link NativeDatagrams}), or null when it can: it needs Linux on
   * x86-64 or aarch64, JDK 17, and the JVM options {@code --add-modules jdk.incubator.foreign
   * --enable-native-access=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED}.
   */
  public static String nativeIoUnavailableReason() {
    if (ModuleLayer.boot().findModule("jdk.incubator.foreign").isEmpty()) {
      return "module jdk.incubator.foreign not added (--add-modules jdk.incubator.foreign)";
    }
    try {
      return NativeDatagrams.unavailableReason();
    } catch (LinkageError e) {
      return e.toString();
    }
  }

  private static NativeDatagrams chooseIo(String io) {
    String mode = io.trim().toLowerCase(java.util.Locale.ROOT);
    switch (mode) {
      case "nio":
        return null;
      case "auto":
        return nativeIoUnavailableReason() == null ? NativeDatagrams.createIfAvailable() : null;
      case "native":
        String why = nativeIoUnavailableReason();
        if (why != null) {
          throw new DhtException("datagram I/O 'native' asked for, but it is unavailable: " + why);
        }
        return NativeDatagrams.createIfAvailable();
      default:
        throw new DhtException("datagram I/O must be auto, nio or native, not '" + io + "'");
    }
  }

  /**
   * How this loop reads and writes datagrams: {@code "recvmmsg/sendmmsg, up to 32 datagrams read and 64 sent per
   * call"} or {@code "NIO, one system call per datagram"}.
   */
  public String io() {
    return batched != null
        ? "recvmmsg/sendmmsg, up to " + NativeDatagrams.RECEIVE_BATCH + " datagrams read and "
            + NativeDatagrams.SEND_BATCH + " sent per call"
        : "NIO, one system call per datagram";
  }

  /** Whether the calling thread is this loop's thread. */
  public boolean inEventLoop() {
    return Thread.currentThread() == thread;
  }

  /** Whether {@link #close()} has been called. */
  public boolean isClosed() {
    return state != RUNNING;
  }

  /**
   * Runs {@code task} on the loop: inline when called on the loop thread, otherwise queued with a selector wakeup.
   *
   * @throws RejectedExecutionException when the loop has terminated or its queue is full
   */
  public void execute(Runnable task) {
    if (inEventLoop()) {
      task.run();
      return;
    }
    if (state == TERMINATED) {
      throw new RejectedExecutionException(name + " is closed");
    }
    if (!tasks.offer(task)) {
      throw new RejectedExecutionException(name + ": command queue full");
    }
    if (state == TERMINATED && tasks.remove(task)) {
      // The loop's final drain has already passed; nobody would run it.
      throw new RejectedExecutionException(name + " is closed");
    }
    selector.wakeup();
  }

  /**
   * Runs {@code task} on the loop after {@code delay}. Callable from any thread. The returned handle's {@link
   * Timer#cancel()} is loop-only.
   */
  public Timer schedule(Duration delay, Runnable task) {
    Timer timer = new Timer(task);
    long delayNanos = delay.toNanos();
    execute(
        () -> {
          timer.deadlineNanos = System.nanoTime() + delayNanos;
          timer.sequence = timerSequence++;
          timers.add(timer);
        });
    return timer;
  }

  /** A future completed on the loop after {@code delay}: lets another thread wait without a thread of its own. */
  public CompletableFuture<Void> delay(Duration delay) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      schedule(delay, () -> done.complete(null));
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(e);
    }
    return done;
  }

  /**
   * Binds a non-blocking UDP channel to {@code address} on the calling thread, then, on the loop, registers it
   * and creates its node with {@code nodeFactory} (so the node is owned by the loop from birth).
   *
   * @throws DhtException when the address cannot be bound, e.g. {@code cannot bind 127.0.0.2:6881: Address
   *     already in use}
   */
  public CompletableFuture<NodeChannel> bind(
      InetSocketAddress address, Function<Transport, DhtNode> nodeFactory) {
    return bind(List.of(address), nodeFactory);
  }

  /**
   * Binds one node to one or two addresses: at most one IPv4 and one IPv6 address. With both, the node is BEP 32
   * dual-stack: one id, one routing table per family, and each datagram leaves through the socket of its
   * destination's family. The channels are bound on the calling thread (all or none), then registered on the
   * loop, where the node is created with {@code nodeFactory}.
   *
   * @throws IllegalArgumentException for no address, more than two, or two of one family
   * @throws DhtException when an address cannot be bound (any channel already bound is closed again)
   */
  public CompletableFuture<NodeChannel> bind(
      List<InetSocketAddress> addresses, Function<Transport, DhtNode> nodeFactory) {
    if (addresses.isEmpty() || addresses.size() > 2) {
      throw new IllegalArgumentException("a node binds one or two addresses, got " + addresses.size());
    }
    InetSocketAddress v4 = null;
    InetSocketAddress v6 = null;
    for (InetSocketAddress a : addresses) {
      boolean ipv6 = a.getAddress() instanceof Inet6Address;
      if (ipv6 ? v6 != null : v4 != null) {
        throw new IllegalArgumentException(
            "two addresses of one family: " + describe(ipv6 ? v6 : v4) + " and " + describe(a));
      }
      if (ipv6) {
        v6 = a;
      } else {
        v4 = a;
      }
    }
    DatagramChannel channel4 = null;
    DatagramChannel channel6 = null;
    Endpoint local4 = null;
    Endpoint local6 = null;
    try {
      if (v4 != null) {
        channel4 = openAndBind(v4);
        local4 = localOf(channel4, v4);
      }
      if (v6 != null) {
        channel6 = openAndBind(v6);
        local6 = localOf(channel6, v6);
      }
    } catch (RuntimeException e) {
      closeBoth(channel4, channel6);
      throw e;
    }
    DatagramChannel c4 = channel4;
    DatagramChannel c6 = channel6;
    NodeChannel nc = new NodeChannel(this, c4, local4, c6, local6);
    CompletableFuture<NodeChannel> bound = new CompletableFuture<>();
    try {
      execute(
          () -> {
            try {
              if (c4 != null) {
                nc.key4 = c4.register(selector, SelectionKey.OP_READ, nc);
                nc.fd4 = batched != null ? NativeDatagrams.fdOf(c4) : -1;
              }
              if (c6 != null) {
                nc.key6 = c6.register(selector, SelectionKey.OP_READ, nc);
                nc.fd6 = batched != null ? NativeDatagrams.fdOf(c6) : -1;
              }
              nc.node = nodeFactory.apply(nc);
              nc.nodeId = nc.node.id().toString();
              nc.guard =
                  FloodGuard.forQueryLimits(nc.node.config().queryRatePerIp(), nc.node.config().queryBurstPerIp());
              channels.add(nc);
              bound.complete(nc);
            } catch (IOException | RuntimeException e) {
              for (SelectionKey key : new SelectionKey[] {nc.key4, nc.key6}) {
                if (key != null) {
                  key.cancel();
                }
              }
              closeBoth(c4, c6);
              bound.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      closeBoth(c4, c6);
      bound.completeExceptionally(e);
    }
    return bound;
  }

  private static Endpoint localOf(DatagramChannel channel, InetSocketAddress requested) {
    try {
      InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
      return new Endpoint(local.getAddress(), local.getPort());
    } catch (IOException e) {
      throw new DhtException("cannot bind " + describe(requested) + ": " + e.getMessage(), e);
    }
  }

  private static void closeBoth(DatagramChannel a, DatagramChannel b) {
    if (a != null) {
      closeQuietly(a);
    }
    if (b != null) {
      closeQuietly(b);
    }
  }

  private static DatagramChannel openAndBind(InetSocketAddress address) {
    DatagramChannel channel = null;
    try {
      channel =
          DatagramChannel.open(
              address.getAddress() instanceof Inet6Address
                  ? StandardProtocolFamily.INET6
                  : StandardProtocolFamily.INET);
      channel.configureBlocking(false);
      requestReceiveBuffer(channel);
      channel.bind(address);
      return channel;
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        closeQuietly(channel);
      }
      throw new DhtException("cannot bind " + describe(address) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Asks for a {@value #SOCKET_RECEIVE_BUFFER_BYTES}-byte kernel receive buffer (Linux caps it at {@code
   * net.core.rmem_max}): while the loop thread is descheduled for a few milliseconds, a burst then waits in the
   * kernel instead of being dropped. Best effort: a refusal keeps the system default.
   */
  private static void requestReceiveBuffer(DatagramChannel channel) {
    try {
      channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_RECEIVE_BUFFER_BYTES);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      LOG.log(System.Logger.Level.DEBUG, "SO_RCVBUF not set: " + e);
    }
  }

  private static String describe(InetSocketAddress address) {
    return address.getAddress() == null
        ? address.getHostString() + ":" + address.getPort()
        : new Endpoint(address.getAddress(), address.getPort()).toString();
  }

  /** Exceptions that escaped a node and were caught by the loop; tests expect zero. */
  public long failures() {
    return failures;
  }

  /** Datagrams dropped because the socket send buffer was full. */
  public long sendDrops() {
    return sendDrops;
  }

  /** Datagrams that could not be sent at all (unreachable, wrong address family, closed channel). */
  public long sendErrors() {
    return sendErrors;
  }

  /** Failed socket reads. */
  public long receiveErrors() {
    return receiveErrors;
  }

  /**
   * Stops the loop: closes every node (their pending futures fail with {@code NodeClosedException}) and channel,
   * runs the commands still queued, and ends the thread. Idempotent; waits for the thread unless called on it.
   */
  @Override
  public void close() {
    if (state == RUNNING) {
      state = SHUTTING_DOWN;
      selector.wakeup();
    }
    if (!inEventLoop()) {
      try {
        thread.join(CLOSE_WAIT_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    try {
      while (state == RUNNING) {
        long timeoutNanos = nextTimeoutNanos();
        // The consumer variants hand each ready key to onReady directly, without the selected-key set.
        if (!tasks.isEmpty() || timeoutNanos <= 0) {
          selector.selectNow(onReady);
        } else if (timeoutNanos == Long.MAX_VALUE) {
          selector.select(onReady);
        } else {
          selector.select(onReady, Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos + 999_999)));
        }
        runTasks(MAX_TASKS_PER_ITERATION);
        runDueTimers();
        tickDueNodes();
        flushSends();
      }
    } catch (IOException | ClosedSelectorException e) {
      LOG.log(System.Logger.Level.ERROR, name + ": selector failed, stopping: " + e);
    } finally {
      shutdown();
    }
  }

  private long nextTimeoutNanos() {
    long now = System.nanoTime();
    long earliest = Long.MAX_VALUE;
    for (NodeChannel nc : channels) {
      long deadline = deadlineOf(nc);
      if (deadline < earliest) {
        earliest = deadline;
      }
    }
    Timer first = timers.peek();
    if (first != null && first.deadlineNanos < earliest) {
      earliest = first.deadlineNanos;
    }
    return earliest == Long.MAX_VALUE ? Long.MAX_VALUE : earliest - now;
  }

  private long deadlineOf(NodeChannel nc) {
    try {
      return nc.node.nextDeadlineNanos();
    } catch (RuntimeException | Error e) {
      failed(nc.nodeId, "nextDeadlineNanos", e);
      return Long.MAX_VALUE;
    }
  }

  private void onReady(SelectionKey key) {
    if (key.isValid() && key.isReadable()) {
      NodeChannel nc = (NodeChannel) key.attachment();
      if (batched != null) {
        readBatchNative(nc, key == nc.key4 ? nc.fd4 : nc.fd6);
      } else {
        readBatch(nc, (DatagramChannel) key.channel());
      }
    }
  }

  /**
   * As {@link #readBatch}, with one {@code recvmmsg} for the whole batch; the replies the node sends meanwhile are
   * queued and leave together in one {@code sendmmsg} at the end.
   */
  private void readBatchNative(NodeChannel nc, int fd) {
    for (int read = 0; read < MAX_DATAGRAMS_PER_CHANNEL && !nc.closed; ) {
      int n = batched.receive(fd, MAX_DATAGRAMS_PER_CHANNEL - read);
      if (n < 0) {
        receiveErrors++;
        break;
      }
      long now = System.nanoTime();
      for (int i = 0; i < n && !nc.closed; i++) {
        Endpoint source = batched.source(i);
        if (source == null || !nc.admit(source.address(), now)) {
          continue; // not IPv4 or IPv6; or a flooding IP, dropped before it costs a decode
        }
        int length = batched.copy(i, receiveBytes);
        try {
          nc.node.onDatagram(source, receiveBytes, 0, length);
        } catch (RuntimeException | Error e) {
          failed(nc.nodeId, "onDatagram from " + source, e);
        }
      }
      read += n;
      if (n < NativeDatagrams.RECEIVE_BATCH) {
        break; // the socket is drained
      }
    }
    flushSends();
  }

  /** Sends the datagrams {@link #batched} holds; with NIO there are none. */
  private void flushSends() {
    if (batched == null || !batched.hasPending()) {
      return;
    }
    batched.flush(batchedCounts);
    takeBatchedCounts();
  }

  private void takeBatchedCounts() {
    if (batchedCounts.drops != 0) {
      sendDrops += batchedCounts.drops;
      batchedCounts.drops = 0;
    }
    if (batchedCounts.errors != 0) {
      sendErrors += batchedCounts.errors;
      batchedCounts.errors = 0;
    }
  }

  /** Before {@code nc}'s channels close: what is queued for them leaves now, while the sockets still exist. */
  void beforeChannelsClose(NodeChannel nc) {
    flushSends();
  }

  /**
   * Reads up to {@value #MAX_DATAGRAMS_PER_CHANNEL} datagrams and hands each to the node. Nothing is allocated per
   * datagram here: one direct receive buffer, one reused byte array the node decodes from (the node keeps no
   * reference to it), and the sender's {@link Endpoint} from {@link #addresses}.
   */
  private void readBatch(NodeChannel nc, DatagramChannel channel) {
    for (int i = 0; i < MAX_DATAGRAMS_PER_CHANNEL && !nc.closed; i++) {
      receiveBuffer.clear();
      SocketAddress from;
      try {
        from = channel.receive(receiveBuffer);
      } catch (IOException e) {
        receiveErrors++;
        return;
      }
      if (from == null) {
        return;
      }
      InetSocketAddress source = (InetSocketAddress) from;
      if (!nc.admit(source.getAddress(), System.nanoTime())) {
        continue; // a flooding IP: dropped before it costs a decode
      }
      receiveBuffer.flip();
      int length = receiveBuffer.remaining();
      receiveBuffer.get(receiveBytes, 0, length);
      try {
        nc.node.onDatagram(addresses.endpointOf(source), receiveBytes, 0, length);
      } catch (RuntimeException | Error e) {
        failed(nc.nodeId, "onDatagram from " + source, e);
      }
    }
  }

  private void runTasks(int max) {
    for (int i = 0; i < max; i++) {
      Runnable task = tasks.poll();
      if (task == null) {
        return;
      }
      runGuarded(null, "command", task);
    }
  }

  private void runDueTimers() {
    long now = System.nanoTime();
    Timer timer;
    while ((timer = timers.peek()) != null && timer.deadlineNanos - now <= 0) {
      timers.poll();
      if (!timer.cancelled) {
        runGuarded(null, "timer", timer.task);
      }
    }
  }

  private void tickDueNodes() {
    long now = System.nanoTime();
    for (int i = 0; i < channels.size(); i++) {
      NodeChannel nc = channels.get(i);
      if (deadlineOf(nc) <= now) {
        try {
          nc.node.tick();
        } catch (RuntimeException | Error e) {
          failed(nc.nodeId, "tick", e);
        }
      }
    }
  }

  /** Runs {@code task}; an exception escaping it is logged (with the node id, if any), counted and swallowed. */
  void runGuarded(String nodeId, String what, Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      failed(nodeId, what, e);
    }
  }

  private void failed(String nodeId, String what, Throwable e) {
    if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
      throw (VirtualMachineError) e;
    }
    long n = ++failures;
    if (n <= 100 || n % 1000 == 0) {
      String who = nodeId == null ? name : name + " node " + nodeId;
      LOG.log(System.Logger.Level.ERROR, who + ": " + what + " threw (failure #" + n + ")", e);
    }
  }

  private void shutdown() {
    state = SHUTTING_DOWN;
    for (NodeChannel nc : new ArrayList<>(channels)) {
      nc.closeOnLoop();
    }
    runTasks(Integer.MAX_VALUE);
    state = TERMINATED;
    runTasks(Integer.MAX_VALUE);
    if (batched != null) {
      flushSends();
      batched.close();
    }
    try {
      selector.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, name + ": closing the selector: " + e);
    }
  }

  void send(NodeChannel nc, Endpoint to, byte[] data, int offset, int length) {
    assert inEventLoop() : "send off the loop thread";
    if (nc.closed) {
      return;
    }
    DatagramChannel channel = nc.channelFor(to);
    if (channel == null) {
      // BEP 32: no socket of the destination's family; dropped and counted
      nc.countFamilyDrop();
      sendErrors++;
      return;
    }
    if (batched != null) {
      boolean v6Socket = channel == nc.channel6;
      int queued = batched.queue(v6Socket ? nc.fd6 : nc.fd4, v6Socket, to, data, offset, length, batchedCounts);
      takeBatchedCounts();
      if (queued == NativeDatagrams.QUEUED) {
        return;
      }
      if (queued == NativeDatagrams.WRONG_FAMILY) {
        sendErrors++;
        return;
      }
      flushSends(); // too large for a slot: after what is queued, through NIO
    }
    if (length > sendBuffer.capacity()) {
      sendErrors++;
      return;
    }
    sendBuffer.clear();
    sendBuffer.put(data, offset, length).flip();
    try {
      if (channel.send(sendBuffer, addresses.socketAddressOf(to)) == 0) {
        sendDrops++;
      }
    } catch (IOException | IllegalArgumentException | SecurityException e) {
      // IllegalArgumentException covers UnsupportedAddressTypeException (IPv6 target on an IPv4 socket).
      sendErrors++;
    }
  }

  void unregister(NodeChannel nc) {
    channels.remove(nc);
  }

  static void closeQuietly(DatagramChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing a channel: " + e);
    }
  }

  /** A task scheduled on the loop with {@link #schedule}. */
  public static final class Timer implements Comparable<Timer> {
    private final Runnable task;
    private long deadlineNanos;
    private long sequence;
    private boolean cancelled;

    private Timer(Runnable task) {
      this.task = task;
    }

    /** Stops the task from running if it has not yet; loop thread only. */
    public void cancel() {
      cancelled = true;
    }

    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(deadlineNanos - o.deadlineNanos, 0);
      return c != 0 ? c : Long.compare(sequence, o.sequence);
    }
  }
}
