package io.dht;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BList;
import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.krpc.KrpcCodec;
import io.dht.krpc.MalformedMessageException;
import io.dht.krpc.Message;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A test client that speaks KRPC by hand over a plain {@link DatagramSocket}: it builds queries byte by byte and
 * hands back every reply both as the raw top-level dictionary (to check keys such as {@code ip}, {@code ro},
 * {@code nodes6}) and as the codec's {@link Message}. Every wait is bounded in time and in datagrams read.
 */
public final class RawKrpc implements AutoCloseable {
  /** Datagrams read while waiting for one reply before giving up (the node may ping us meanwhile). */
  private static final int MAX_READS_PER_WAIT = 1000;

  private final DatagramSocket socket;
  private final NodeId id;

  private RawKrpc(DatagramSocket socket, NodeId id) {
    this.socket = socket;
    this.id = id;
  }

  /** A client bound to {@code address} (ephemeral port) that calls itself {@code id}. */
  public static RawKrpc open(InetAddress address, NodeId id) throws IOException {
    return new RawKrpc(new DatagramSocket(new InetSocketAddress(address, 0)), id);
  }

  public Endpoint endpoint() {
    return new Endpoint(socket.getLocalAddress(), socket.getLocalPort());
  }

  public NodeId id() {
    return id;
  }

  /** A received datagram: its source, raw bytes, top-level dictionary (null if not one) and decoded message. */
  public record Datagram(Endpoint from, byte[] bytes, BDictionary dict, Optional<Message> message) {
    public String type() {
      BString y = dict == null ? null : dict.getString("y");
      return y == null ? "?" : y.asUtf8();
    }

    public BString tid() {
      return dict == null ? null : dict.getString("t");
    }

    /** The {@code r} dictionary of a response. */
    public BDictionary body() {
      return dict.getDictionary("r");
    }

    /** The error code of an error reply, or -1. */
    public long errorCode() {
      BList e = dict == null ? null : dict.getList("e");
      return e == null || e.values().isEmpty() ? -1 : ((io.dht.bencode.BInteger) e.values().get(0)).value();
    }

    @Override
    public String toString() {
      return "from " + from + ": " + new String(bytes, StandardCharsets.ISO_8859_1);
    }
  }

  /** Builds a query: {@code a} = {@code args} + our id, plus any extra top-level entries (e.g. {@code ro}). */
  public byte[] query(String method, byte[] tid, BDictionary.Builder args, Object... topLevel) {
    args.put("id", id.toBytes());
    BDictionary.Builder msg =
        BDictionary.builder()
            .put("t", tid)
            .put("y", BString.utf8("q"))
            .put("q", BString.utf8(method))
            .put("a", args.build());
    for (int i = 0; i < topLevel.length; i += 2) {
      msg.put((String) topLevel[i], value(topLevel[i + 1]));
    }
    return Bencode.encode(msg.build());
  }

  static BValue value(Object o) {
    if (o instanceof BValue v) {
      return v;
    }
    if (o instanceof byte[] b) {
      return BString.of(b);
    }
    if (o instanceof String s) {
      return BString.of(s.getBytes(StandardCharsets.ISO_8859_1));
    }
    if (o instanceof Number n) {
      return new io.dht.bencode.BInteger(n.longValue());
    }
    throw new IllegalArgumentException("unsupported " + o);
  }

  /** {@code ["n4", "n6"]}-style lists. */
  public static BList strings(String... values) {
    List<BValue> out = new ArrayList<>();
    for (String v : values) {
      out.add(BString.utf8(v));
    }
    return new BList(out);
  }

  public void send(Endpoint to, byte[] data) throws IOException {
    socket.send(new DatagramPacket(data, data.length, to.address(), to.port()));
  }

  /** Sends {@code data} and waits for the reply (response or error) carrying {@code tid}. */
  public Optional<Datagram> ask(Endpoint to, byte[] tid, byte[] data, Duration timeout) throws IOException {
    send(to, data);
    return awaitReply(tid, timeout);
  }

  /** Waits for a response or error with transaction id {@code tid}, skipping queries and other replies. */
  public Optional<Datagram> awaitReply(byte[] tid, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int i = 0; i < MAX_READS_PER_WAIT; i++) {
      Optional<Datagram> d = receive(Duration.ofNanos(deadline - System.nanoTime()));
      if (d.isEmpty()) {
        return Optional.empty();
      }
      if (!d.get().type().equals("q") && d.get().tid() != null && Arrays.equals(d.get().tid().toByteArray(), tid)) {
        return d;
      }
    }
    return Optional.empty();
  }

  /** The next datagram, or empty after {@code timeout}. */
  public Optional<Datagram> receive(Duration timeout) throws IOException {
    long millis = Math.max(1, timeout.toMillis());
    if (timeout.isNegative() || timeout.isZero()) {
      return Optional.empty();
    }
    byte[] buf = new byte[65_536];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, millis));
    try {
      socket.receive(p);
    } catch (SocketTimeoutException e) {
      return Optional.empty();
    }
    byte[] data = Arrays.copyOf(p.getData(), p.getLength());
    BDictionary dict = null;
    try {
      if (Bencode.decode(data) instanceof BDictionary d) {
        dict = d;
      }
    } catch (DecodeException e) {
      // not bencode: dict stays null
    }
    Optional<Message> message;
    try {
      message = Optional.of(KrpcCodec.decode(data, 0, data.length));
    } catch (DecodeException | MalformedMessageException e) {
      message = Optional.empty();
    }
    return Optional.of(new Datagram(new Endpoint(p.getAddress(), p.getPort()), data, dict, message));
  }

  /** Every datagram that arrives within {@code window} (at most {@code max}). */
  public List<Datagram> drain(Duration window, int max) throws IOException {
    List<Datagram> out = new ArrayList<>();
    long deadline = System.nanoTime() + window.toNanos();
    while (out.size() < max) {
      Optional<Datagram> d = receive(Duration.ofNanos(deadline - System.nanoTime()));
      if (d.isEmpty()) {
        break;
      }
      out.add(d.get());
    }
    return out;
  }

  /** Answers a query datagram {@code q} with an empty response (our id only). */
  public void answer(Datagram q) throws IOException {
    byte[] reply =
        KrpcCodec.encodeResponse(q.tid(), id, BDictionary.builder(), q.from(), null);
    send(q.from(), reply);
  }

  @Override
  public void close() {
    socket.close();
  }
}
