package io.dht.share;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BInteger;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import io.dht.bencode.DecodeLimits;

/**
 * A BEP 9 {@code ut_metadata} message: a bencoded dictionary ({@code msg_type}, {@code piece}, and for data
 * {@code total_size}), followed, for data, by up to 16 KiB of the info dictionary.
 */
final class MetadataMessage {
  static final int REQUEST = 0;
  static final int DATA = 1;
  static final int REJECT = 2;
  /** Bytes of info dictionary per metadata piece. */
  static final int PIECE_SIZE = 16 * 1024;

  private static final DecodeLimits LIMITS = new DecodeLimits(1024, 4, 256, 64);
  private static final int MAX_DEPTH = 8;

  private final int type;
  private final int piece;
  private final long totalSize;
  private final byte[] payload;
  private final int dataOffset;

  private MetadataMessage(int type, int piece, long totalSize, byte[] payload, int dataOffset) {
    this.type = type;
    this.piece = piece;
    this.totalSize = totalSize;
    this.payload = payload;
    this.dataOffset = dataOffset;
  }

  int type() {
    return type;
  }

  int piece() {
    return piece;
  }

  /** {@code total_size} of a data message; -1 otherwise. */
  long totalSize() {
    return totalSize;
  }

  /** Offset of the data in {@link #payload()} (data messages). */
  int dataOffset() {
    return dataOffset;
  }

  int dataLength() {
    return payload.length - dataOffset;
  }

  byte[] payload() {
    return payload;
  }

  static byte[] request(int piece) {
    return Bencode.encode(BDictionary.builder().put("msg_type", REQUEST).put("piece", piece).build());
  }

  static byte[] reject(int piece) {
    return Bencode.encode(BDictionary.builder().put("msg_type", REJECT).put("piece", piece).build());
  }

  /** The dictionary of a data message; the piece bytes follow it in the same extended message. */
  static byte[] dataHeader(int piece, int totalSize) {
    return Bencode.encode(
        BDictionary.builder().put("msg_type", DATA).put("piece", piece).put("total_size", totalSize).build());
  }

  /** Decodes the payload of an extended message sent with our {@code ut_metadata} id. */
  static MetadataMessage decode(byte[] payload) throws DecodeException {
    int dictLength = valueLength(payload, 0, payload.length);
    BValue v = Bencode.decode(payload, 0, dictLength, LIMITS);
    if (!(v instanceof BDictionary d)) {
      throw new DecodeException(0, "ut_metadata message is not a dictionary");
    }
    BInteger type = d.getInteger("msg_type");
    BInteger piece = d.getInteger("piece");
    if (type == null || piece == null || piece.value() < 0 || piece.value() > Integer.MAX_VALUE) {
      throw new DecodeException(0, "ut_metadata message lacks msg_type or piece");
    }
    long total = -1;
    if (type.value() == DATA) {
      BInteger t = d.getInteger("total_size");
      if (t == null || t.value() <= 0) {
        throw new DecodeException(0, "ut_metadata data without total_size");
      }
      total = t.value();
    } else if (dictLength != payload.length) {
      throw new DecodeException(dictLength, "bytes after a ut_metadata request or reject");
    }
    if (type.value() < 0 || type.value() > 2) {
      // BEP 9: unknown message types are ignored; report them as type -1.
      return new MetadataMessage(-1, (int) piece.value(), total, payload, payload.length);
    }
    return new MetadataMessage((int) type.value(), (int) piece.value(), total, payload, dictLength);
  }

  /**
   * Length of the one bencoded value at {@code data[offset]} (structure only; the strict decoder checks the rest).
   *
   * @throws DecodeException when the value is malformed, too deep, or runs past {@code end}
   */
  static int valueLength(byte[] data, int offset, int end) throws DecodeException {
    int pos = offset;
    int depth = 0;
    do {
      if (pos >= end) {
        throw new DecodeException(pos - offset, "truncated bencoded value");
      }
      byte c = data[pos];
      if (c == 'd' || c == 'l') {
        if (++depth > MAX_DEPTH) {
          throw new DecodeException(pos - offset, "nesting deeper than " + MAX_DEPTH);
        }
        pos++;
      } else if (c == 'e') {
        if (depth == 0) {
          throw new DecodeException(pos - offset, "unexpected 'e'");
        }
        depth--;
        pos++;
      } else if (c == 'i') {
        int e = pos + 1;
        while (e < end && e - pos <= 21 && data[e] != 'e') {
          e++;
        }
        if (e >= end || data[e] != 'e') {
          throw new DecodeException(pos - offset, "unterminated integer");
        }
        pos = e + 1;
      } else if (c >= '0' && c <= '9') {
        long len = 0;
        int p = pos;
        while (p < end && data[p] >= '0' && data[p] <= '9' && p - pos < 10) {
          len = len * 10 + (data[p] - '0');
          p++;
        }
        if (p >= end || data[p] != ':') {
          throw new DecodeException(p - offset, "bad string length");
        }
        if (len > end - p - 1) {
          throw new DecodeException(p - offset, "string runs past the end");
        }
        pos = p + 1 + (int) len;
      } else {
        throw new DecodeException(pos - offset, "unexpected byte " + (c & 0xff));
      }
    } while (depth > 0);
    return pos - offset;
  }
}
