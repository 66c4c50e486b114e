package io.dht.share;

import io.dht.bencode.BString;
import io.dht.id.Endpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One TCP connection to a peer: the socket, its read buffer and write queue, and the per-peer protocol state
 * (handshake, choke and interest flags, the pieces it has, our requests to it and its requests to us). Plain
 * state; the {@link Swarm} decides. Owned by the swarm thread.
 */
final class PeerConnection {
  enum Phase {
    /** Outgoing, TCP connect in progress. */
    CONNECTING,
    /** Waiting for the peer's 68-byte handshake. */
    HANDSHAKING,
    /** Handshakes exchanged: messages flow. */
    OPEN,
    CLOSED
  }

  private static final int INITIAL_BUFFER = 32 * 1024 + 64;

  final SocketChannel channel;
  final Endpoint remote;
  final boolean outgoing;
  SelectionKey key;
  Phase phase;
  final long createdNanos;
  long lastReceivedNanos;
  long lastSentNanos;
  /** When the oldest of our outstanding requests became due (last block received or first request sent). */
  long requestClockNanos;
  long unchokedAtNanos;
  long chokedAtNanos;

  // Handshake.
  boolean handshakeSent;
  BString peerId;
  boolean peerExtensions;
  boolean peerDht;
  ExtendedHandshake extended; // null until the peer's extended handshake arrives
  boolean dhtPortPinged;

  // Choking and interest (BEP 3): both sides start choked and not interested.
  boolean amChoking = true;
  boolean amInterested;
  boolean peerChoking = true;
  boolean peerInterested;

  /** Pieces the peer has (validated against the torrent once the metadata is known). */
  BitSet peerHas = new BitSet();
  /** Whether {@link #peerHas} is counted in the picker's availability. */
  boolean availabilityCounted;
  /** A bitfield received before we knew the piece count; checked when the metadata arrives. */
  byte[] earlyBitfield;

  /** Our outstanding block requests to this peer, by picker key, oldest first. */
  final Set<Long> outstanding = new LinkedHashSet<>();
  /** The peer's requests to us, in arrival order. */
  final ArrayDeque<PeerMessage.Request> requests = new ArrayDeque<>();

  // Metadata (BEP 9) we asked this peer for.
  long metadataRequestedNanos;

  // Counters.
  long downloaded;
  long uploaded;

  private ByteBuffer in = ByteBuffer.allocate(INITIAL_BUFFER);
  private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
  private long outBytes;

  PeerConnection(SocketChannel channel, Endpoint remote, boolean outgoing, long nowNanos) {
    this.channel = channel;
    this.remote = remote;
    this.outgoing = outgoing;
    this.phase = outgoing ? Phase.CONNECTING : Phase.HANDSHAKING;
    this.createdNanos = nowNanos;
    this.lastReceivedNanos = nowNanos;
    this.lastSentNanos = nowNanos;
  }

  boolean isOpen() {
    return phase == Phase.OPEN;
  }

  /** The read buffer, in write mode: bytes [0, position) are received and not yet parsed. */
  ByteBuffer in() {
    return in;
  }

  /** Grows the read buffer to hold at least {@code bytes} (callers bound it by the message limit). */
  void ensureCapacity(int bytes) {
    if (in.capacity() < bytes) {
      ByteBuffer bigger = ByteBuffer.allocate(bytes);
      in.flip();
      bigger.put(in);
      in = bigger;
    }
  }

  /** Drops {@code consumed} parsed bytes from the front of the read buffer; shrinks it back when it is empty. */
  void consume(int consumed) {
    int remaining = in.position() - consumed;
    if (remaining == 0 && in.capacity() > INITIAL_BUFFER) {
      in = ByteBuffer.allocate(INITIAL_BUFFER);
      return;
    }
    System.arraycopy(in.array(), consumed, in.array(), 0, remaining);
    in.position(remaining);
  }

  /** Reads what the socket has, up to the free space of the read buffer; -1 at end of stream. */
  int read() throws IOException {
    if (!in.hasRemaining()) {
      return 0;
    }
    return channel.read(in);
  }

  /** Queues a message (a flipped buffer) and asks for write readiness. */
  void send(ByteBuffer message, long nowNanos) {
    if (phase == Phase.CLOSED) {
      return;
    }
    out.add(message);
    outBytes += message.remaining();
    lastSentNanos = nowNanos;
    if (key != null && key.isValid()) {
      key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
    }
  }

  /** Bytes queued and not yet written. */
  long queuedBytes() {
    return outBytes;
  }

  /** Writes as much of the queue as the socket takes; returns bytes written. */
  long flush() throws IOException {
    long written = 0;
    while (!out.isEmpty()) {
      ByteBuffer head = out.peek();
      int n = channel.write(head);
      written += n;
      outBytes -= n;
      if (head.hasRemaining()) {
        break;
      }
      out.poll();
    }
    if (out.isEmpty() && key != null && key.isValid()) {
      key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
    }
    return written;
  }

  /** Closes the socket; idempotent. */
  void closeChannel() {
    phase = Phase.CLOSED;
    out.clear();
    outBytes = 0;
    if (key != null) {
      key.cancel();
    }
    try {
      channel.close();
    } catch (IOException e) {
      // already closed by the peer
    }
  }

  @Override
  public String toString() {
    return (outgoing ? "out " : "in ") + remote;
  }
}
