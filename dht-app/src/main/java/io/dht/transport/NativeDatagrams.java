package io.dht.transport;

import io.dht.id.Endpoint;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.util.Locale;
import jdk.incubator.foreign.CLinker;
import jdk.incubator.foreign.FunctionDescriptor;
import jdk.incubator.foreign.MemoryAccess;
import jdk.incubator.foreign.MemoryAddress;
import jdk.incubator.foreign.MemorySegment;
import jdk.incubator.foreign.ResourceScope;
import jdk.incubator.foreign.SymbolLookup;

/**
 * Batched datagram I/O for the {@link EventLoop} on Linux: {@code recvmmsg(2)} reads up to {@value
 * #RECEIVE_BATCH} datagrams in one system call and {@code sendmmsg(2)} sends up to {@value #SEND_BATCH} replies in
 * one, where JDK 17's {@link
 * DatagramChannel} makes one {@code recvfrom} and one {@code sendto} per datagram. The channels stay NIO channels,
 * registered with the loop's selector for readiness; only the reads and writes go through their file descriptors.
 *
 * <p>JDK 17 can call C only through its incubating foreign linker, so this class needs three JVM options:
 * {@code --add-modules jdk.incubator.foreign --enable-native-access=ALL-UNNAMED --add-opens
 * java.base/sun.nio.ch=ALL-UNNAMED} (the last one to read a channel's descriptor). {@link #availability()} says
 * whether they were given and the platform fits (Linux on x86-64 or aarch64, whose {@code struct mmsghdr} layout
 * this class writes by hand); when not, the loop uses plain NIO. The incubator API changed after JDK 17, so on a
 * later JDK this class is simply unavailable. Loop thread only, except {@link #availability()}.
 *
 * <p>Memory: one native block for receiving, {@value #RECEIVE_BATCH} slots of a {@code mmsghdr}, an {@code
 * iovec}, a socket address and a {@value #RECEIVE_SLOT_BYTES}-byte payload (any UDP datagram fits, as with NIO),
 * and one for sending, {@value #SEND_BATCH} slots of {@value #SEND_SLOT_BYTES} bytes (a larger datagram, which a
 * node hardly ever sends, goes through NIO): about 2.2 MiB per loop, freed by {@link #close()} when the loop ends.
 * Sends are queued in the send block and leave in one {@code sendmmsg} when the block is full, when a send is for
 * another socket, or when the loop flushes (after each batch it read, before it blocks, before a channel closes); a
 * send the socket buffer cannot take is dropped and counted, as with NIO.
 */
final class NativeDatagrams {
  /** Datagrams read per {@code recvmmsg}. */
  static final int RECEIVE_BATCH = 32;
  /** Payload bytes per receive slot: larger than any UDP payload. */
  static final int RECEIVE_SLOT_BYTES = 65_536;
  /** Datagrams sent per {@code sendmmsg} at most. */
  static final int SEND_BATCH = 64;
  /** Payload bytes per send slot: twice the default cap on our datagrams ({@code DhtConfig.maxReplyBytes}, 1,024). */
  static final int SEND_SLOT_BYTES = 2_048;

  /** Outcomes of {@link #queue}. */
  static final int QUEUED = 0;
  static final int TOO_LARGE = 1;
  static final int WRONG_FAMILY = 2;

  // Linux x86-64 / aarch64 (LP64) layouts.
  private static final int MMSGHDR = 64; // struct msghdr (56) + unsigned int msg_len, padded to 8
  private static final int MSG_NAME = 0;
  private static final int MSG_NAMELEN = 8;
  private static final int MSG_IOV = 16;
  private static final int MSG_IOVLEN = 24;
  private static final int MSG_CONTROL = 32;
  private static final int MSG_CONTROLLEN = 40;
  private static final int MSG_LEN = 56;
  private static final int IOVEC = 16;
  private static final int NAME = 32; // sockaddr_in6 is 28 bytes
  private static final int SOCKADDR_IN = 16;
  private static final int SOCKADDR_IN6 = 28;
  private static final int AF_INET = 2;
  private static final int AF_INET6 = 10;
  private static final int MSG_DONTWAIT = 0x40;
  private static final int EAGAIN = 11;
  private static final int EINTR = 4;

  /** Where a block's parts start: headers at 0, then iovecs, socket addresses, payloads. */
  private record Layout(int slots, int slotBytes) {
    int header(int i) {
      return i * MMSGHDR;
    }

    int iovec(int i) {
      return slots * MMSGHDR + i * IOVEC;
    }

    int name(int i) {
      return slots * (MMSGHDR + IOVEC) + i * NAME;
    }

    int data(int i) {
      return slots * (MMSGHDR + IOVEC + NAME) + i * slotBytes;
    }

    int size() {
      return data(slots);
    }
  }

  private static final Layout IN = new Layout(RECEIVE_BATCH, RECEIVE_SLOT_BYTES);
  private static final Layout OUT = new Layout(SEND_BATCH, SEND_SLOT_BYTES);

  /** Null when available, else why not. */
  private static final String UNAVAILABLE;

  private static final MethodHandle RECVMMSG;
  private static final MethodHandle SENDMMSG;
  private static final MethodHandle ERRNO_LOCATION;
  private static final Field FD_VAL;

  static {
    String why = null;
    MethodHandle recv = null;
    MethodHandle send = null;
    MethodHandle errno = null;
    Field fd = null;
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.startsWith("linux")) {
      why = "not Linux (" + os + ")";
    } else if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
      why = "not x86-64 or aarch64 (" + arch + ")";
    } else if (Runtime.version().feature() != 17) {
      why = "JDK " + Runtime.version().feature() + ", not 17 (the incubating foreign API of JDK 17 is used)";
    } else {
      try {
        CLinker linker = CLinker.getInstance();
        SymbolLookup libc = CLinker.systemLookup();
        recv =
            linker.downcallHandle(
                libc.lookup("recvmmsg").orElseThrow(),
                MethodType.methodType(
                    int.class, int.class, MemoryAddress.class, int.class, int.class, MemoryAddress.class),
                FunctionDescriptor.of(
                    CLinker.C_INT, CLinker.C_INT, CLinker.C_POINTER, CLinker.C_INT, CLinker.C_INT,
                    CLinker.C_POINTER));
        send =
            linker.downcallHandle(
                libc.lookup("sendmmsg").orElseThrow(),
                MethodType.methodType(int.class, int.class, MemoryAddress.class, int.class, int.class),
                FunctionDescriptor.of(
                    CLinker.C_INT, CLinker.C_INT, CLinker.C_POINTER, CLinker.C_INT, CLinker.C_INT));
        errno =
            linker.downcallHandle(
                libc.lookup("__errno_location").orElseThrow(),
                MethodType.methodType(MemoryAddress.class),
                FunctionDescriptor.of(CLinker.C_POINTER));
        fd = Class.forName("sun.nio.ch.DatagramChannelImpl").getDeclaredField("fdVal");
        fd.setAccessible(true);
      } catch (IllegalCallerException e) {
        why = "native access not enabled (--enable-native-access=ALL-UNNAMED)";
      } catch (RuntimeException | ReflectiveOperationException | LinkageError e) {
        // InaccessibleObjectException without --add-opens java.base/sun.nio.ch=ALL-UNNAMED; NoClassDefFoundError
        // without --add-modules jdk.incubator.foreign; NoSuchElementException without the libc symbols.
        why = e.getClass().getSimpleName() + ": " + e.getMessage();
      }
    }
    UNAVAILABLE = why;
    RECVMMSG = recv;
    SENDMMSG = send;
    ERRNO_LOCATION = errno;
    FD_VAL = fd;
  }

  private final ResourceScope scope;
  private final ByteBuffer in;
  private final ByteBuffer out;
  private final MemoryAddress inVector;
  private final MemoryAddress outVector;
  private MemorySegment errnoCell;
  private boolean closed;

  /** Sends queued in {@link #out}, all for {@link #pendingFd}. */
  private int pending;
  private int pendingFd = -1;

  private final SourceCache sources = new SourceCache();
  private final DestinationCache destinations = new DestinationCache();

  private NativeDatagrams() {
    scope = ResourceScope.newSharedScope();
    MemorySegment inBlock = MemorySegment.allocateNative(IN.size(), 64, scope);
    MemorySegment outBlock = MemorySegment.allocateNative(OUT.size(), 64, scope);
    in = inBlock.asByteBuffer().order(ByteOrder.nativeOrder());
    out = outBlock.asByteBuffer().order(ByteOrder.nativeOrder());
    inVector = inBlock.address();
    outVector = outBlock.address();
    layOut(in, IN, inVector.toRawLongValue(), RECEIVE_SLOT_BYTES);
    layOut(out, OUT, outVector.toRawLongValue(), 0);
  }

  /** Frees the native memory; the queued sends are dropped (flush first). Idempotent. */
  void close() {
    if (!closed) {
      closed = true;
      pending = 0;
      scope.close();
    }
  }

  /** Why batched I/O is unavailable in this JVM, or null when it is available. */
  static String unavailableReason() {
    return UNAVAILABLE;
  }

  /** A new instance for one loop, or null when unavailable. */
  static NativeDatagrams createIfAvailable() {
    return UNAVAILABLE == null ? new NativeDatagrams() : null;
  }

  /** The descriptor of {@code channel}. */
  static int fdOf(DatagramChannel channel) {
    try {
      return FD_VAL.getInt(channel);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("descriptor of " + channel, e);
    }
  }

  private static void layOut(ByteBuffer b, Layout layout, long base, int iovLength) {
    for (int i = 0; i < layout.slots(); i++) {
      int h = layout.header(i);
      int v = layout.iovec(i);
      b.putLong(h + MSG_NAME, base + layout.name(i));
      b.putInt(h + MSG_NAMELEN, SOCKADDR_IN6);
      b.putLong(h + MSG_IOV, base + v);
      b.putLong(h + MSG_IOVLEN, 1);
      b.putLong(h + MSG_CONTROL, 0);
      b.putLong(h + MSG_CONTROLLEN, 0);
      b.putLong(v, base + layout.data(i));
      b.putLong(v + 8, iovLength);
    }
  }

  /**
   * Reads up to {@code max} (≤ {@value #RECEIVE_BATCH}) datagrams waiting on {@code fd} without blocking. Returns
   * how many (0 when none waits), or -1 after an error other than "nothing to read".
   */
  int receive(int fd, int max) {
    int n = Math.min(max, RECEIVE_BATCH);
    for (int i = 0; i < n; i++) {
      in.putInt(IN.header(i) + MSG_NAMELEN, SOCKADDR_IN6);
    }
    int got;
    try {
      got = (int) RECVMMSG.invokeExact(fd, inVector, n, MSG_DONTWAIT, MemoryAddress.NULL);
    } catch (Throwable t) {
      throw new IllegalStateException("recvmmsg", t);
    }
    if (got >= 0) {
      return got;
    }
    int e = errno();
    return e == EAGAIN || e == EINTR ? 0 : -1;
  }

  /** Length of received datagram {@code i}. */
  int length(int i) {
    return in.getInt(IN.header(i) + MSG_LEN);
  }

  /** Copies received datagram {@code i} into {@code dst}; returns its length. */
  int copy(int i, byte[] dst) {
    int length = Math.min(length(i), dst.length);
    in.get(IN.data(i), dst, 0, length);
    return length;
  }

  /** The source of received datagram {@code i}, or null for an address family other than IPv4 and IPv6. */
  Endpoint source(int i) {
    return sources.endpointOf(in, IN.name(i));
  }

  /**
   * Queues a datagram for {@code fd} (a socket of family IPv6 when {@code v6Socket}; an IPv4 destination then goes
   * as an IPv4-mapped address). Flushes first when the block is full or holds sends for another socket. Returns
   * {@link #QUEUED}; or, queuing nothing, {@link #TOO_LARGE} for a payload larger than a slot (the caller sends it
   * another way, after a {@link #flush}) and {@link #WRONG_FAMILY} for an IPv6 destination on an IPv4 socket.
   */
  int queue(int fd, boolean v6Socket, Endpoint to, byte[] data, int offset, int length, Counts counts) {
    if (!v6Socket && to.isIpv6()) {
      return WRONG_FAMILY;
    }
    if (length > SEND_SLOT_BYTES || closed) {
      return TOO_LARGE;
    }
    if (pending > 0 && (pendingFd != fd || pending == SEND_BATCH)) {
      flush(counts);
    }
    int i = pending;
    out.putInt(OUT.header(i) + MSG_NAMELEN, destinations.write(out, OUT.name(i), to, v6Socket));
    out.putLong(OUT.iovec(i) + 8, length);
    out.put(OUT.data(i), data, offset, length);
    pendingFd = fd;
    pending++;
    return QUEUED;
  }

  /** Whether sends are queued. */
  boolean hasPending() {
    return pending > 0;
  }

  /**
   * Sends everything queued with as few {@code sendmmsg} calls as the socket allows. A datagram the socket buffer
   * cannot take (and every one after it) is dropped and counted in {@code counts.drops}; one the kernel refuses
   * for another reason is counted in {@code counts.errors} and the rest still go.
   */
  void flush(Counts counts) {
    if (closed) {
      return;
    }
    int start = 0;
    while (start < pending) {
      int sent;
      try {
        sent =
            (int)
                SENDMMSG.invokeExact(
                    pendingFd, outVector.addOffset((long) start * MMSGHDR), pending - start, MSG_DONTWAIT);
      } catch (Throwable t) {
        throw new IllegalStateException("sendmmsg", t);
      }
      if (sent > 0) {
        start += sent;
        continue;
      }
      int e = errno();
      if (e == EINTR) {
        continue;
      }
      if (e == EAGAIN) {
        counts.drops += pending - start;
        break;
      }
      counts.errors++;
      start++;
    }
    pending = 0;
    pendingFd = -1;
  }

  private int errno() {
    if (errnoCell == null) {
      // errno lives in the calling thread; this instance is only used on its loop thread.
      try {
        errnoCell = ((MemoryAddress) ERRNO_LOCATION.invokeExact()).asSegment(4, ResourceScope.globalScope());
      } catch (Throwable t) {
        throw new IllegalStateException("__errno_location", t);
      }
    }
    return MemoryAccess.getInt(errnoCell);
  }

  /** Send outcomes the loop adds to its own counters. */
  static final class Counts {
    long drops;
    long errors;
  }

  /**
   * Sources of received datagrams as {@link Endpoint}s, without allocating for a source seen before: direct-mapped
   * on the raw socket address (family, address, port, IPv6 scope). An IPv4-mapped IPv6 source is an IPv4 endpoint,
   * as NIO reports it.
   */
  static final class SourceCache {
    static final int SLOTS = 1024;
    private final long[] high = new long[SLOTS];
    private final long[] low = new long[SLOTS];
    /** port | family bit << 16 | 1 << 17 (filled), and the scope id. */
    private final int[] tag = new int[SLOTS];
    private final int[] scope = new int[SLOTS];
    private final Endpoint[] endpoints = new Endpoint[SLOTS];

    Endpoint endpointOf(ByteBuffer b, int name) {
      int family = b.getShort(name) & 0xffff;
      int port = ((b.get(name + 2) & 0xff) << 8) | (b.get(name + 3) & 0xff);
      long hi;
      long lo;
      int scopeId = 0;
      boolean v6;
      if (family == AF_INET) {
        hi = 0;
        lo = b.getInt(name + 4) & 0xffffffffL;
        v6 = false;
      } else if (family == AF_INET6) {
        hi = b.getLong(name + 8);
        lo = b.getLong(name + 16);
        scopeId = b.getInt(name + 24);
        v6 = !isV4Mapped(b, name + 8);
        if (!v6) {
          hi = 0;
          lo = b.getInt(name + 20) & 0xffffffffL;
          scopeId = 0;
        }
      } else {
        return null;
      }
      int t = port | (v6 ? 1 << 16 : 0) | 1 << 17;
      long mix = (hi * 0x9E3779B97F4A7C15L) ^ (lo * 0xC2B2AE3D27D4EB4FL) ^ (t * 0x165667B19E3779F9L);
      int slot = (int) (mix ^ (mix >>> 29) ^ (mix >>> 47)) & (SLOTS - 1);
      if (tag[slot] == t && high[slot] == hi && low[slot] == lo && scope[slot] == scopeId) {
        return endpoints[slot];
      }
      Endpoint endpoint = new Endpoint(addressOf(b, name, v6, scopeId), port);
      high[slot] = hi;
      low[slot] = lo;
      tag[slot] = t;
      scope[slot] = scopeId;
      endpoints[slot] = endpoint;
      return endpoint;
    }

    private static boolean isV4Mapped(ByteBuffer b, int addr) {
      for (int i = 0; i < 10; i++) {
        if (b.get(addr + i) != 0) {
          return false;
        }
      }
      return b.get(addr + 10) == (byte) 0xff && b.get(addr + 11) == (byte) 0xff;
    }

    private static InetAddress addressOf(ByteBuffer b, int name, boolean v6, int scopeId) {
      byte[] raw = new byte[v6 ? 16 : 4];
      b.get(v6 ? name + 8 : (b.getShort(name) & 0xffff) == AF_INET ? name + 4 : name + 20, raw);
      try {
        return v6 && scopeId != 0 ? Inet6Address.getByAddress(null, raw, scopeId) : InetAddress.getByAddress(raw);
      } catch (UnknownHostException e) {
        throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
      }
    }
  }

  /**
   * Destinations as raw socket addresses, cached per {@link Endpoint} so that a reply to a known sender costs no
   * {@link InetAddress#getAddress()} copy.
   */
  static final class DestinationCache {
    static final int SLOTS = 1024;
    private final Endpoint[] endpoints = new Endpoint[SLOTS];
    private final byte[][] addresses = new byte[SLOTS][];
    private final int[] scopes = new int[SLOTS];

    /** Writes the socket address of {@code to} at {@code name}; returns its length. */
    int write(ByteBuffer b, int name, Endpoint to, boolean v6Socket) {
      int slot = (to.hashCode() ^ (to.hashCode() >>> 16)) & (SLOTS - 1);
      Endpoint cached = endpoints[slot];
      if (cached != to && (cached == null || !cached.equals(to) || !sameScope(cached, to))) {
        InetAddress a = to.address();
        addresses[slot] = a.getAddress();
        scopes[slot] = a instanceof Inet6Address a6 ? a6.getScopeId() : 0;
        endpoints[slot] = to;
      }
      byte[] raw = addresses[slot];
      int port = to.port();
      if (!v6Socket) {
        b.putShort(name, (short) AF_INET);
        b.put(name + 2, (byte) (port >>> 8)).put(name + 3, (byte) port);
        b.put(name + 4, raw);
        b.putLong(name + 8, 0);
        return SOCKADDR_IN;
      }
      b.putShort(name, (short) AF_INET6);
      b.put(name + 2, (byte) (port >>> 8)).put(name + 3, (byte) port);
      b.putInt(name + 4, 0); // flow info
      if (raw.length == 4) {
        b.putLong(name + 8, 0);
        b.putShort(name + 16, (short) 0);
        b.put(name + 18, (byte) 0xff).put(name + 19, (byte) 0xff);
        b.put(name + 20, raw);
        b.putInt(name + 24, 0);
      } else {
        b.put(name + 8, raw);
        b.putInt(name + 24, scopes[slot]);
      }
      return SOCKADDR_IN6;
    }

    private static boolean sameScope(Endpoint a, Endpoint b) {
      return !(a.address() instanceof Inet6Address a6)
          || a6.getScopeId() == ((Inet6Address) b.address()).getScopeId();
    }
  }
}
