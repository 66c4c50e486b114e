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
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One thread, one NIO {@link Selector}, any number of {@link DhtNode}s each bound to its own non-blocking
 * {@link DatagramChannel}. The loop thread is the only thread that ever touches those nodes: it reads datagrams,
 * runs submitted commands, fires loop timers and ticks the nodes whose deadline has passed. Other threads reach a
 * node only through {@link #execute(Runnable)}, which enqueues and wakes the selector.
 *
 * <p>Each iteration: block in {@code select} until the earliest node deadline (or a wakeup), read at most
 * {@value #MAX_DATAGRAMS_PER_CHANNEL} datagrams from each ready channel through one reused receive buffer, run at
 * most {@value #MAX_TASKS_PER_ITERATION} queued commands, fire due timers, then {@code tick()} each node whose
 * deadline has passed. Sends happen synchronously on the loop; a datagram the socket buffer cannot take is
 * dropped and counted, as UDP allows. An exception escaping a node is logged with the node id, counted in
 * {@link #failures()}, and the loop goes on: this is the project's only catch-all.
 */
public final class EventLoop implements AutoCloseable {
  /** Size of the receive buffer: larger than any UDP payload. */
  public static final int RECEIVE_BUFFER_BYTES = 65_536;
  /** Datagrams read from one channel per wakeup before the loop serves the others. */
  public static final int MAX_DATAGRAMS_PER_CHANNEL = 64;
  /** Queued commands run per iteration before the loop serves the sockets again. */
  public static final int MAX_TASKS_PER_ITERATION = 1024;
  /** Bound of the command queue; {@link #execute} rejects beyond it. */
  public static final int TASK_QUEUE_CAPACITY = 65_536;

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

  // Written only by the loop thread, read by anyone.
  private volatile long failures;
  private volatile long sendDrops;
  private volatile long sendErrors;
  private volatile long receiveErrors;

  private EventLoop(String name) throws IOException {
    this.name = name;
    this.selector = Selector.open();
    this.thread = new Thread(this::run, name);
  }

  /** Opens a selector and starts the loop thread under {@code name} (e.g. {@code dht-loop-0}). */
  public static EventLoop start(String name) {
    EventLoop loop;
    try {
      loop = new EventLoop(name);
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
    DatagramChannel channel = openAndBind(address);
    InetSocketAddress local;
    try {
      local = (InetSocketAddress) channel.getLocalAddress();
    } catch (IOException e) {
      closeQuietly(channel);
      throw new DhtException("cannot bind " + describe(address) + ": " + e.getMessage(), e);
    }
    Endpoint localEndpoint = new Endpoint(local.getAddress(), local.getPort());
    CompletableFuture<NodeChannel> bound = new CompletableFuture<>();
    try {
      execute(
          () -> {
            try {
              NodeChannel nc = new NodeChannel(this, channel, localEndpoint);
              nc.key = channel.register(selector, SelectionKey.OP_READ, nc);
              nc.node = nodeFactory.apply(nc);
              nc.nodeId = nc.node.id().toString();
              channels.add(nc);
              bound.complete(nc);
            } catch (IOException | RuntimeException e) {
              closeQuietly(channel);
              bound.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      closeQuietly(channel);
      bound.completeExceptionally(e);
    }
    return bound;
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
      channel.bind(address);
      return channel;
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        closeQuietly(channel);
      }
      throw new DhtException("cannot bind " + describe(address) + ": " + e.getMessage(), e);
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
        int ready;
        if (!tasks.isEmpty() || timeoutNanos <= 0) {
          ready = selector.selectNow();
        } else if (timeoutNanos == Long.MAX_VALUE) {
          ready = selector.select();
        } else {
          ready = selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos + 999_999)));
        }
        if (ready > 0) {
          readReadyChannels();
        }
        runTasks(MAX_TASKS_PER_ITERATION);
        runDueTimers();
        tickDueNodes();
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

  private void readReadyChannels() {
    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
    while (it.hasNext()) {
      SelectionKey key = it.next();
      it.remove();
      if (key.isValid() && key.isReadable()) {
        readBatch((NodeChannel) key.attachment());
      }
    }
  }

  private void readBatch(NodeChannel nc) {
    for (int i = 0; i < MAX_DATAGRAMS_PER_CHANNEL && !nc.closed; i++) {
      receiveBuffer.clear();
      SocketAddress from;
      try {
        from = nc.channel.receive(receiveBuffer);
      } catch (IOException e) {
        receiveErrors++;
        return;
      }
      if (from == null) {
        return;
      }
      receiveBuffer.flip();
      int length = receiveBuffer.remaining();
      receiveBuffer.get(receiveBytes, 0, length);
      InetSocketAddress source = (InetSocketAddress) from;
      try {
        nc.node.onDatagram(new Endpoint(source.getAddress(), source.getPort()), receiveBytes, 0, length);
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
    if (length > sendBuffer.capacity()) {
      sendErrors++;
      return;
    }
    sendBuffer.clear();
    sendBuffer.put(data, offset, length).flip();
    try {
      if (nc.channel.send(sendBuffer, new InetSocketAddress(to.address(), to.port())) == 0) {
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
