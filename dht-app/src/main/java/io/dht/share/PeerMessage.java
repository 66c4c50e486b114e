package io.dht.share;

/**
 * The messages of the BitTorrent peer wire protocol (BEP 3), plus {@code port} (BEP 5) and {@code extended} (BEP
 * 10), as decoded by {@link PeerWire}. {@link Piece}, {@link Bitfield} and {@link Extended} carry bytes and are
 * final classes; a decoded {@link Piece} may view the connection's read buffer and is valid only while it is being
 * handled.
 */
sealed interface PeerMessage {
  int CHOKE = 0;
  int UNCHOKE = 1;
  int INTERESTED = 2;
  int NOT_INTERESTED = 3;
  int HAVE = 4;
  int BITFIELD = 5;
  int REQUEST = 6;
  int PIECE = 7;
  int CANCEL = 8;
  int PORT = 9;
  int EXTENDED = 20;

  /** A zero-length message: only resets the peer's idle timer. */
  record KeepAlive() implements PeerMessage {}

  record Choke() implements PeerMessage {}

  record Unchoke() implements PeerMessage {}

  record Interested() implements PeerMessage {}

  record NotInterested() implements PeerMessage {}

  /** The sender now has piece {@code piece}. */
  record Have(int piece) implements PeerMessage {}

  /** The pieces the sender has, first piece in the high bit of the first byte. */
  final class Bitfield implements PeerMessage {
    private final byte[] bits;

    Bitfield(byte[] bits) {
      this.bits = bits;
    }

    /** The raw bytes (not copied: package-internal use only). */
    byte[] bits() {
      return bits;
    }
  }

  /** A request for {@code length} bytes at {@code begin} of piece {@code piece}. */
  record Request(int piece, int begin, int length) implements PeerMessage {}

  /** A block of data: {@code length} bytes of {@code buffer} from {@code offset}. */
  final class Piece implements PeerMessage {
    private final int piece;
    private final int begin;
    private final byte[] buffer;
    private final int offset;
    private final int length;

    Piece(int piece, int begin, byte[] buffer, int offset, int length) {
      this.piece = piece;
      this.begin = begin;
      this.buffer = buffer;
      this.offset = offset;
      this.length = length;
    }

    int piece() {
      return piece;
    }

    int begin() {
      return begin;
    }

    byte[] buffer() {
      return buffer;
    }

    int offset() {
      return offset;
    }

    int length() {
      return length;
    }
  }

  record Cancel(int piece, int begin, int length) implements PeerMessage {}

  /** The sender's DHT node listens on UDP {@code port} (BEP 5). */
  record Port(int port) implements PeerMessage {}

  /** An extension message (BEP 10): id 0 is the extended handshake, others are ids we assigned. */
  final class Extended implements PeerMessage {
    private final int extendedId;
    private final byte[] payload;

    Extended(int extendedId, byte[] payload) {
      this.extendedId = extendedId;
      this.payload = payload;
    }

    int extendedId() {
      return extendedId;
    }

    byte[] payload() {
      return payload;
    }
  }

  /** A message id we do not implement (fast extension, hash requests...): ignored. */
  record Unknown(int id, int length) implements PeerMessage {}
}
