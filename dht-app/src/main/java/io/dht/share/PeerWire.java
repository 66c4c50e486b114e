package io.dht.share;

import io.dht.bencode.BString;
import io.dht.bencode.DecodeException;
import io.dht.id.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Pure codec of the peer wire protocol (BEP 3): the 68-byte handshake and length-prefixed messages. Decoding checks
 * lengths and signs and throws {@link DecodeException} for anything malformed; what a message means (a piece index
 * beyond the torrent, a request while choked) is the {@link Swarm}'s business. Encoders return flipped buffers
 * ready to write.
 */
final class PeerWire {
  static final byte[] PROTOCOL = "BitTorrent protocol".getBytes(StandardCharsets.US_ASCII);
  static final int HANDSHAKE_LENGTH = 1 + 19 + 8 + 20 + 20;
  /** Bytes of the length prefix. */
  static final int PREFIX = 4;
  /** reserved[5] & 0x10: the extension protocol (BEP 10). */
  static final int EXTENSION_BYTE = 5;

  static final int EXTENSION_BIT = 0x10;
  /** reserved[7] & 0x01: a DHT node (BEP 5); the peer may send a {@code port} message. */
  static final int DHT_BYTE = 7;

  static final int DHT_BIT = 0x01;

  private PeerWire() {}

  /** A decoded handshake. */
  record Handshake(NodeId infoHash, BString peerId, boolean extensionProtocol, boolean dht) {}

  /** Our handshake: protocol string, reserved bits (extension protocol, DHT), info-hash, peer id. */
  static ByteBuffer handshake(NodeId infoHash, byte[] peerId, boolean dht) {
    ByteBuffer b = ByteBuffer.allocate(HANDSHAKE_LENGTH);
    b.put((byte) PROTOCOL.length).put(PROTOCOL);
    byte[] reserved = new byte[8];
    reserved[EXTENSION_BYTE] |= EXTENSION_BIT;
    if (dht) {
      reserved[DHT_BYTE] |= DHT_BIT;
    }
    b.put(reserved).put(infoHash.toBytes()).put(peerId);
    return b.flip();
  }

  /** Decodes the 68 bytes at {@code data[offset]}. */
  static Handshake decodeHandshake(byte[] data, int offset) throws DecodeException {
    if (data[offset] != PROTOCOL.length) {
      throw new DecodeException(0, "handshake does not start with 19 (got " + (data[offset] & 0xff) + ")");
    }
    if (!Arrays.equals(data, offset + 1, offset + 20, PROTOCOL, 0, PROTOCOL.length)) {
      throw new DecodeException(1, "handshake protocol is not 'BitTorrent protocol'");
    }
    boolean ext = (data[offset + 20 + EXTENSION_BYTE] & EXTENSION_BIT) != 0;
    boolean dht = (data[offset + 20 + DHT_BYTE] & DHT_BIT) != 0;
    NodeId infoHash = NodeId.of(Arrays.copyOfRange(data, offset + 28, offset + 48));
    BString peerId = BString.of(data, offset + 48, 20);
    return new Handshake(infoHash, peerId, ext, dht);
  }

  /**
   * Decodes one message body ({@code length} bytes after the length prefix, id first; {@code length >= 1}). A
   * {@link PeerMessage.Piece} views {@code data}.
   */
  static PeerMessage decode(byte[] data, int offset, int length) throws DecodeException {
    int id = data[offset] & 0xff;
    int body = length - 1;
    switch (id) {
      case PeerMessage.CHOKE:
        expect(id, body, 0);
        return new PeerMessage.Choke();
      case PeerMessage.UNCHOKE:
        expect(id, body, 0);
        return new PeerMessage.Unchoke();
      case PeerMessage.INTERESTED:
        expect(id, body, 0);
        return new PeerMessage.Interested();
      case PeerMessage.NOT_INTERESTED:
        expect(id, body, 0);
        return new PeerMessage.NotInterested();
      case PeerMessage.HAVE:
        expect(id, body, 4);
        return new PeerMessage.Have(nonNegative(data, offset + 1, "have index"));
      case PeerMessage.BITFIELD:
        return new PeerMessage.Bitfield(Arrays.copyOfRange(data, offset + 1, offset + length));
      case PeerMessage.REQUEST:
        expect(id, body, 12);
        return new PeerMessage.Request(
            nonNegative(data, offset + 1, "request index"),
            nonNegative(data, offset + 5, "request begin"),
            nonNegative(data, offset + 9, "request length"));
      case PeerMessage.PIECE:
        if (body < 8) {
          throw new DecodeException(0, "piece message of " + length + " bytes");
        }
        return new PeerMessage.Piece(
            nonNegative(data, offset + 1, "piece index"),
            nonNegative(data, offset + 5, "piece begin"),
            data,
            offset + 9,
            body - 8);
      case PeerMessage.CANCEL:
        expect(id, body, 12);
        return new PeerMessage.Cancel(
            nonNegative(data, offset + 1, "cancel index"),
            nonNegative(data, offset + 5, "cancel begin"),
            nonNegative(data, offset + 9, "cancel length"));
      case PeerMessage.PORT:
        expect(id, body, 2);
        return new PeerMessage.Port((data[offset + 1] & 0xff) << 8 | (data[offset + 2] & 0xff));
      case PeerMessage.EXTENDED:
        if (body < 1) {
          throw new DecodeException(0, "extended message without an extended id");
        }
        return new PeerMessage.Extended(data[offset + 1] & 0xff, Arrays.copyOfRange(data, offset + 2, offset + length));
      default:
        return new PeerMessage.Unknown(id, length);
    }
  }

  private static void expect(int id, int body, int want) throws DecodeException {
    if (body != want) {
      throw new DecodeException(0, "message id " + id + " needs " + want + " payload bytes, got " + body);
    }
  }

  private static int nonNegative(byte[] data, int at, String what) throws DecodeException {
    int v = readInt(data, at);
    if (v < 0) {
      throw new DecodeException(at, what + " out of range: " + Integer.toUnsignedString(v));
    }
    return v;
  }

  static int readInt(byte[] data, int at) {
    return (data[at] & 0xff) << 24 | (data[at + 1] & 0xff) << 16 | (data[at + 2] & 0xff) << 8 | (data[at + 3] & 0xff);
  }

  // ------------------------------------------------------------------ encoders

  static ByteBuffer keepAlive() {
    return ByteBuffer.allocate(4).putInt(0).flip();
  }

  /** A message without payload: choke, unchoke, interested, not interested. */
  static ByteBuffer simple(int id) {
    return ByteBuffer.allocate(5).putInt(1).put((byte) id).flip();
  }

  static ByteBuffer have(int piece) {
    return ByteBuffer.allocate(9).putInt(5).put((byte) PeerMessage.HAVE).putInt(piece).flip();
  }

  /** A bitfield of {@code pieceCount} pieces, piece 0 in the high bit of the first byte, spare bits zero. */
  static ByteBuffer bitfield(BitSet have, int pieceCount) {
    int bytes = (pieceCount + 7) / 8;
    ByteBuffer b = ByteBuffer.allocate(5 + bytes).putInt(1 + bytes).put((byte) PeerMessage.BITFIELD);
    byte[] bits = new byte[bytes];
    for (int i = have.nextSetBit(0); i >= 0 && i < pieceCount; i = have.nextSetBit(i + 1)) {
      bits[i >>> 3] |= (byte) (0x80 >>> (i & 7));
    }
    return b.put(bits).flip();
  }

  /** The pieces a bitfield names, or null when its length does not fit {@code pieceCount}. */
  static BitSet parseBitfield(byte[] bits, int pieceCount) {
    if (bits.length != (pieceCount + 7) / 8) {
      return null;
    }
    BitSet set = new BitSet(pieceCount);
    for (int i = 0; i < pieceCount; i++) {
      if ((bits[i >>> 3] & (0x80 >>> (i & 7))) != 0) {
        set.set(i);
      }
    }
    return set;
  }

  static ByteBuffer request(int id, int piece, int begin, int length) {
    return ByteBuffer.allocate(17).putInt(13).put((byte) id).putInt(piece).putInt(begin).putInt(length).flip();
  }

  /** A piece message with room for {@code length} bytes of data at array offset 13, filled by the caller. */
  static ByteBuffer pieceHeader(int piece, int begin, int length) {
    ByteBuffer b = ByteBuffer.allocate(13 + length);
    b.putInt(9 + length).put((byte) PeerMessage.PIECE).putInt(piece).putInt(begin);
    return b;
  }

  static ByteBuffer port(int port) {
    return ByteBuffer.allocate(7).putInt(3).put((byte) PeerMessage.PORT).putShort((short) port).flip();
  }

  /** An extension message: {@code extendedId} then {@code payload} (and {@code trailer}, may be empty). */
  static ByteBuffer extended(int extendedId, byte[] payload, byte[] trailer, int trailerOffset, int trailerLength) {
    int length = 2 + payload.length + trailerLength;
    return ByteBuffer.allocate(4 + length)
        .putInt(length)
        .put((byte) PeerMessage.EXTENDED)
        .put((byte) extendedId)
        .put(payload)
        .put(trailer, trailerOffset, trailerLength)
        .flip();
  }
}
