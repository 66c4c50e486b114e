package io.dht.share;

import io.dht.id.NodeId;
import io.dht.item.Sha1;
import java.util.BitSet;

/**
 * The info dictionary being received with BEP 9, in {@link MetadataMessage#PIECE_SIZE} pieces, from one peer at a
 * time. Checks each piece's length; the whole is trusted only once its SHA-1 equals the info-hash.
 */
final class MetadataAssembly {
  private final int size;
  private final byte[] data;
  private final BitSet received = new BitSet();
  private final BitSet requested = new BitSet();

  MetadataAssembly(int size) {
    if (size <= 0) {
      throw new IllegalArgumentException("metadata size must be positive, got " + size);
    }
    this.size = size;
    this.data = new byte[size];
  }

  int size() {
    return size;
  }

  int pieceCount() {
    return (size + MetadataMessage.PIECE_SIZE - 1) / MetadataMessage.PIECE_SIZE;
  }

  int pieceLength(int piece) {
    return Math.min(MetadataMessage.PIECE_SIZE, size - piece * MetadataMessage.PIECE_SIZE);
  }

  /** The next piece neither received nor requested, marked requested; -1 when none. */
  int nextToRequest() {
    int piece = requested.nextClearBit(0);
    if (piece >= pieceCount()) {
      return -1;
    }
    requested.set(piece);
    return piece;
  }

  /** Number of pieces requested and not yet received. */
  int outstanding() {
    BitSet pending = (BitSet) requested.clone();
    pending.andNot(received);
    return pending.cardinality();
  }

  /** Forgets the requests not answered (the peer is gone): they may be asked of another peer. */
  void releaseRequests() {
    requested.clear();
    requested.or(received);
  }

  /** Stores one piece; false when the piece index or its length is wrong (or it was not requested). */
  boolean accept(int piece, byte[] src, int offset, int length) {
    if (piece < 0 || piece >= pieceCount() || !requested.get(piece) || length != pieceLength(piece)) {
      return false;
    }
    System.arraycopy(src, offset, data, piece * MetadataMessage.PIECE_SIZE, length);
    received.set(piece);
    return true;
  }

  boolean complete() {
    return received.cardinality() == pieceCount();
  }

  /** Whether the complete data hashes to {@code infoHash}. */
  boolean matches(NodeId infoHash) {
    return complete() && Sha1.of(data).equals(infoHash);
  }

  byte[] bytes() {
    return data;
  }
}
