package io.dht.bench.load;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Allocation-free KRPC for the load generator: writes the four queries it sends (and the minimal reply it gives
 * to a target's own queries) into a reused direct buffer, and scans received datagrams for the few fields it
 * needs (top-level {@code t} and {@code y}, and {@code token} / {@code nodes} inside {@code r}) without building
 * any object. Positions are absolute indexes into the buffer; malformed input yields -1, never an exception.
 */
final class Wire {
  static final int PING = 0;
  static final int FIND_NODE = 1;
  static final int GET_PEERS = 2;
  static final int ANNOUNCE = 3;
  static final int TYPES = 4;
  static final String[] NAMES = {"ping", "find_node", "get_peers", "announce_peer"};

  /** Transaction ids are 4 bytes: 2 of slot, 2 of generation. */
  static final int TID_LENGTH = 4;
  static final int MAX_TOKEN = 32;

  private static final byte[] A_ID = ascii("d1:ad2:id20:");
  private static final byte[] TARGET = ascii("6:target20:");
  private static final byte[] INFO_HASH = ascii("9:info_hash20:");
  private static final byte[] IMPLIED = ascii("12:implied_porti1e9:info_hash20:");
  private static final byte[] PORT_TOKEN = ascii("4:porti6881e5:token");
  private static final byte[][] METHOD_T = {
    ascii("e1:q4:ping1:t4:"),
    ascii("e1:q9:find_node1:t4:"),
    ascii("e1:q9:get_peers1:t4:"),
    ascii("e1:q13:announce_peer1:t4:"),
  };
  private static final byte[] Y_Q = ascii("1:y1:qe");
  private static final byte[] R_ID = ascii("d1:rd2:id20:");
  private static final byte[] R_NODES_TOKEN = ascii("5:nodes0:5:token4:lgtk");
  private static final byte[] E_T = ascii("e1:t");
  private static final byte[] Y_R = ascii("1:y1:re");

  private Wire() {}

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Writes a query into {@code out} (cleared first, flipped after). {@code key} is the target or info-hash (unused
   * for ping); {@code token}/{@code tokenLength} only for announce_peer.
   */
  static void query(
      ByteBuffer out, int type, byte[] id, byte[] key, int slot, int gen, byte[] token, int tokenOffset,
      int tokenLength) {
    out.clear();
    out.put(A_ID).put(id);
    switch (type) {
      case FIND_NODE:
        out.put(TARGET).put(key);
        break;
      case GET_PEERS:
        out.put(INFO_HASH).put(key);
        break;
      case ANNOUNCE:
        out.put(IMPLIED).put(key).put(PORT_TOKEN);
        putLength(out, tokenLength);
        out.put((byte) ':').put(token, tokenOffset, tokenLength);
        break;
      default:
        break;
    }
    out.put(METHOD_T[type]);
    out.put((byte) (slot >>> 8)).put((byte) slot).put((byte) (gen >>> 8)).put((byte) gen);
    out.put(Y_Q);
    out.flip();
  }

  /** A reply to a target's query: our id, empty nodes and a dummy token (enough for ping/find_node/get_peers). */
  static void reply(ByteBuffer out, byte[] id, ByteBuffer in, int tidPos, int tidLength) {
    out.clear();
    out.put(R_ID).put(id).put(R_NODES_TOKEN).put(E_T);
    putLength(out, tidLength);
    out.put((byte) ':');
    for (int i = 0; i < tidLength; i++) {
      out.put(in.get(tidPos + i));
    }
    out.put(Y_R);
    out.flip();
  }

  private static void putLength(ByteBuffer out, int n) {
    if (n >= 100) {
      out.put((byte) ('0' + n / 100));
    }
    if (n >= 10) {
      out.put((byte) ('0' + n / 10 % 10));
    }
    out.put((byte) ('0' + n % 10));
  }

  // ------------------------------------------------------------------ scanning

  /** What {@link #scan} found; reused by its owner thread. */
  static final class Scan {
    int tidPos = -1;
    int tidLength;
    int y = -1;
    int rPos = -1; // position of the 'd' of the r dictionary
    int tokenPos = -1;
    int tokenLength;
    int nodesLength = -1;

    void clear() {
      tidPos = -1;
      tidLength = 0;
      y = -1;
      rPos = -1;
      tokenPos = -1;
      tokenLength = 0;
      nodesLength = -1;
    }
  }

  /** Scans the top-level dictionary of {@code b[0, end)}; false when it is not one. */
  static boolean scan(ByteBuffer b, int end, Scan s) {
    s.clear();
    if (end < 2 || b.get(0) != 'd') {
      return false;
    }
    int p = 1;
    for (int entries = 0; entries < 64 && p < end; entries++) {
      if (b.get(p) == 'e') {
        return true;
      }
      int keyLen = readLength(b, p, end);
      if (keyLen < 0) {
        return false;
      }
      int colon = indexOf(b, p, end, (byte) ':');
      int keyPos = colon + 1;
      int valuePos = keyPos + keyLen;
      if (valuePos >= end) {
        return false;
      }
      int next = skip(b, valuePos, end);
      if (next < 0) {
        return false;
      }
      if (keyLen == 1) {
        byte k = b.get(keyPos);
        if (k == 't') {
          int len = readLength(b, valuePos, end);
          if (len < 0) {
            return false;
          }
          s.tidPos = indexOf(b, valuePos, end, (byte) ':') + 1;
          s.tidLength = len;
        } else if (k == 'y') {
          if (readLength(b, valuePos, end) == 1) {
            s.y = b.get(indexOf(b, valuePos, end, (byte) ':') + 1);
          }
        } else if (k == 'r' && b.get(valuePos) == 'd') {
          s.rPos = valuePos;
        }
      }
      p = next;
    }
    return false;
  }

  /** Finds {@code token} and {@code nodes} in the r dictionary found by {@link #scan}. */
  static void scanR(ByteBuffer b, int end, Scan s) {
    if (s.rPos < 0) {
      return;
    }
    int p = s.rPos + 1;
    for (int entries = 0; entries < 64 && p < end; entries++) {
      if (b.get(p) == 'e') {
        return;
      }
      int keyLen = readLength(b, p, end);
      if (keyLen < 0) {
        return;
      }
      int keyPos = indexOf(b, p, end, (byte) ':') + 1;
      int valuePos = keyPos + keyLen;
      if (valuePos >= end) {
        return;
      }
      int next = skip(b, valuePos, end);
      if (next < 0) {
        return;
      }
      if (keyLen == 5 && b.get(keyPos) == 't' && b.get(keyPos + 1) == 'o' && b.get(keyPos + 4) == 'n') {
        int len = readLength(b, valuePos, end);
        if (len > 0 && len <= MAX_TOKEN) {
          s.tokenPos = indexOf(b, valuePos, end, (byte) ':') + 1;
          s.tokenLength = len;
        }
      } else if (keyLen == 5 && b.get(keyPos) == 'n' && b.get(keyPos + 4) == 's') {
        s.nodesLength = readLength(b, valuePos, end);
      }
      p = next;
    }
  }

  /** The length prefix of the string at {@code p}, or -1. */
  private static int readLength(ByteBuffer b, int p, int end) {
    int n = 0;
    int digits = 0;
    while (p < end) {
      byte c = b.get(p++);
      if (c == ':') {
        return digits == 0 ? -1 : n;
      }
      if (c < '0' || c > '9' || ++digits > 6) {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return -1;
  }

  private static int indexOf(ByteBuffer b, int p, int end, byte c) {
    for (int i = p; i < end; i++) {
      if (b.get(i) == c) {
        return i;
      }
    }
    return end;
  }

  /** The position after the value starting at {@code p}, or -1 if malformed. Iterative, bounded by {@code end}. */
  private static int skip(ByteBuffer b, int p, int end) {
    int depth = 0;
    do {
      if (p >= end) {
        return -1;
      }
      byte c = b.get(p);
      if (c == 'd' || c == 'l') {
        depth++;
        p++;
      } else if (c == 'e') {
        if (depth == 0) {
          return -1;
        }
        depth--;
        p++;
      } else if (c == 'i') {
        int e = indexOf(b, p, end, (byte) 'e');
        if (e >= end) {
          return -1;
        }
        p = e + 1;
      } else {
        int len = readLength(b, p, end);
        if (len < 0) {
          return -1;
        }
        p = indexOf(b, p, end, (byte) ':') + 1 + len;
        if (p > end) {
          return -1;
        }
      }
    } while (depth > 0);
    return p;
  }
}
