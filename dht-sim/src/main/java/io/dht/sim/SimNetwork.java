package io.dht.sim;

import io.dht.id.Endpoint;
import io.dht.node.Transport;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * An in-memory datagram network between simulated hosts. Every host has a distinct virtual IPv4 endpoint (never a
 * real socket). A datagram sent now is copied and delivered to its receiver by a {@link Scheduler} event at
 * {@code now + base latency of the link + jitter}, unless the {@link NetworkConditions} lose it, the hosts are in
 * different partition groups at arrival time, or the receiver is down at arrival time. Delivered datagrams feed
 * the {@link #traceHash() trace hash}.
 *
 * <p>Single-threaded, like everything driven by the scheduler.
 */
public final class SimNetwork {
  /** The port every simulated host listens on. */
  public static final int PORT = 6881;

  /** What a host does with a datagram that reached it. */
  @FunctionalInterface
  public interface Receiver {
    /** {@code data} belongs to the receiver. */
    void receive(Endpoint from, byte[] data);
  }

  private final Scheduler scheduler;
  private final RandomGenerator addressRandom;
  private final RandomGenerator faultRandom;
  private final long linkSeed;
  private final Map<Endpoint, Port> ports = new HashMap<>();
  private final TraceHash trace = new TraceHash();
  private NetworkConditions conditions;
  private boolean partitioned;

  private long sent;
  private long delivered;
  private long duplicated;
  private long lost;
  private long droppedByPartition;
  private long droppedHostDown;
  private long unreachable;
  private long bytesDelivered;

  /**
   * A network whose addresses come from {@code random.identities()} and whose faults come from
   * {@code random.network()}.
   */
  public SimNetwork(Scheduler scheduler, NetworkConditions conditions, SimRandom random) {
    this.scheduler = scheduler;
    this.conditions = conditions;
    this.addressRandom = random.identities();
    this.faultRandom = random.network();
    this.linkSeed = random.linkSeed();
  }

  public NetworkConditions conditions() {
    return conditions;
  }

  /** Changes the conditions for datagrams sent from now on. */
  public void setConditions(NetworkConditions conditions) {
    this.conditions = conditions;
  }

  /**
   * Draws a fresh endpoint (a random IPv4 address in 1.0.0.0-223.255.255.255 outside 127.0.0.0/8, distinct from
   * every address handed out before, port {@link #PORT}) and attaches {@code receiver} to it. The host starts up.
   */
  public Endpoint attach(Receiver receiver) {
    Endpoint endpoint = allocate();
    attach(endpoint, receiver);
    return endpoint;
  }

  /** Draws a fresh endpoint as {@link #attach(Receiver)} does, reserving it for a later {@link #attach}. */
  public Endpoint allocate() {
    while (true) {
      int a = addressRandom.nextInt();
      int first = a >>> 24;
      if (first == 0 || first == 127 || first >= 224) {
        continue;
      }
      byte[] bytes = {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
      Endpoint endpoint = Endpoint.of(bytes, PORT);
      if (!ports.containsKey(endpoint)) {
        ports.put(endpoint, new Port(endpoint, (from, data) -> {}));
        return endpoint;
      }
    }
  }

  /** Attaches {@code receiver} to an endpoint from {@link #allocate()} (or replaces it, for a restarted host). */
  public void attach(Endpoint endpoint, Receiver receiver) {
    port(endpoint).receiver = receiver;
  }

  /** The transport a host at {@code from} hands to its node. */
  public Transport transport(Endpoint from) {
    Port source = port(from);
    return (to, data, offset, length) -> send(source, to, data, offset, length);
  }

  /** Sends one datagram from the host at {@code from}; the bytes are copied before this returns. */
  public void send(Endpoint from, Endpoint to, byte[] data, int offset, int length) {
    send(port(from), to, data, offset, length);
  }

  /** Marks a host down: it neither sends nor receives (datagrams in flight to it are dropped on arrival). */
  public void setUp(Endpoint endpoint, boolean up) {
    port(endpoint).up = up;
  }

  public boolean isUp(Endpoint endpoint) {
    return port(endpoint).up;
  }

  /**
   * Splits the network: hosts in different groups cannot exchange datagrams (checked on arrival). Hosts named in
   * no group form one more group together. Replaces any earlier partition.
   */
  public void partition(List<? extends Collection<Endpoint>> groups) {
    for (Port p : ports.values()) {
      p.group = 0;
    }
    int group = 1;
    for (Collection<Endpoint> members : groups) {
      for (Endpoint e : members) {
        Port p = port(e);
        if (p.group != 0) {
          throw new IllegalArgumentException(e + " is in two partition groups");
        }
        p.group = group;
      }
      group++;
    }
    partitioned = true;
  }

  /** Removes the partition: every pair of hosts can talk again. */
  public void heal() {
    for (Port p : ports.values()) {
      p.group = 0;
    }
    partitioned = false;
  }

  /** The fixed base one-way latency between two hosts; symmetric and a pure function of seed and addresses. */
  public Duration baseLatency(Endpoint a, Endpoint b) {
    return Duration.ofNanos(baseLatencyNanos(a, b));
  }

  /** The fingerprint of every datagram delivered so far. */
  public long traceHash() {
    return trace.value();
  }

  public NetworkStats stats() {
    return new NetworkStats(
        sent, delivered, duplicated, lost, droppedByPartition, droppedHostDown, unreachable, bytesDelivered);
  }

  private void send(Port source, Endpoint to, byte[] data, int offset, int length) {
    if (!source.up) {
      droppedHostDown++;
      return;
    }
    sent++;
    Port target = ports.get(to);
    if (target == null) {
      unreachable++;
      return;
    }
    if (conditions.lossProbability() > 0 && faultRandom.nextDouble() < conditions.lossProbability()) {
      lost++;
      return;
    }
    byte[] copy = new byte[length];
    System.arraycopy(data, offset, copy, 0, length);
    long base = baseLatencyNanos(source.endpoint, to);
    scheduleDelivery(source, target, copy, base);
    if (conditions.duplicateProbability() > 0 && faultRandom.nextDouble() < conditions.duplicateProbability()) {
      duplicated++;
      scheduleDelivery(source, target, copy.clone(), base);
    }
  }

  private void scheduleDelivery(Port source, Port target, byte[] data, long baseNanos) {
    long jitterMax = conditions.jitterMax().toNanos();
    long jitter = jitterMax > 0 ? faultRandom.nextLong(jitterMax + 1) : 0;
    scheduler.scheduleAfter(baseNanos + jitter, () -> deliver(source, target, data));
  }

  private void deliver(Port source, Port target, byte[] data) {
    if (!target.up) {
      droppedHostDown++;
      return;
    }
    if (partitioned && source.group != target.group) {
      droppedByPartition++;
      return;
    }
    delivered++;
    bytesDelivered += data.length;
    trace.add(scheduler.nowNanos(), source.endpoint, target.endpoint, data);
    target.receiver.receive(source.endpoint, data);
  }

  private long baseLatencyNanos(Endpoint a, Endpoint b) {
    long ka = key(a);
    long kb = key(b);
    long lo = Math.min(ka, kb);
    long hi = Math.max(ka, kb);
    long h = SimRandom.mix64(SimRandom.mix64(linkSeed ^ lo) + hi);
    long min = conditions.latencyMin().toNanos();
    long max = conditions.latencyMax().toNanos();
    if (conditions.logNormal()) {
      // Box-Muller on two independent hashes of the link: a standard normal z, then median * e^(sigma z)
      double u1 = 1.0 - SimRandom.unitInterval(h); // (0, 1]
      double u2 = SimRandom.unitInterval(SimRandom.mix64(h));
      double z = Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
      double v = conditions.latencyMedian().toNanos() * Math.exp(conditions.latencySigma() * z);
      return Math.max(min, Math.min(max, (long) v));
    }
    long span = max - min;
    return min + (long) (SimRandom.unitInterval(h) * span);
  }

  private static long key(Endpoint e) {
    if (e.address() instanceof Inet4Address) {
      byte[] a = e.address().getAddress();
      long ip = (a[0] & 0xffL) << 24 | (a[1] & 0xffL) << 16 | (a[2] & 0xffL) << 8 | (a[3] & 0xffL);
      return ip << 16 | e.port();
    }
    return e.hashCode();
  }

  private Port port(Endpoint endpoint) {
    Port p = ports.get(endpoint);
    if (p == null) {
      throw new IllegalArgumentException("no simulated host at " + endpoint);
    }
    return p;
  }

  /** One attached endpoint. */
  private static final class Port {
    final Endpoint endpoint;
    Receiver receiver;
    boolean up = true;
    int group;

    Port(Endpoint endpoint, Receiver receiver) {
      this.endpoint = endpoint;
      this.receiver = receiver;
    }
  }
}
