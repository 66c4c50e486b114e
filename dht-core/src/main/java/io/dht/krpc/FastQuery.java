package io.dht.krpc;

import io.dht.bencode.BString;
import io.dht.bencode.DecodeLimits;
import io.dht.id.NodeId;
import java.nio.charset.StandardCharsets;

/**
 * Decodes the queries a node answers most (ping, find_node, get_peers, announce_peer) straight from the datagram,
 * without building a bencode tree: the fast path of {@link KrpcCodec#decode}.
 *
 * <p>One validating pass checks the whole datagram against the strict decoder's rules (one value filling the
 * range, canonical string lengths and integers, dictionary keys that are strings in strictly increasing byte
 * order, a value after every key, nesting within {@link DecodeLimits#maxDepth()}) and notes where the top-level
 * fields are; a second walk over the already validated {@code a} dictionary picks out the arguments. It allocates
 * only the decoded {@link Query} and its parts.
 *
 * <p>The contract is "null or the same answer": {@link #tryDecode} returns either null or exactly the {@link
 * Query} that the tree decoder ({@link KrpcCodec#decodeTree}) returns for the same bytes. Anything it does not
 * handle, or would have to reject, gives null and the caller falls back to the tree decoder, which then produces
 * the usual result or error ({@code DecodeException}, {@code MalformedMessageException} with the reason the
 * other paths give). Null cases include other methods, a missing or mistyped field, integers of more than 18
 * digits (the tree decoder's overflow rules are not repeated here) and datagrams longer than {@link #MAX_LENGTH}.
 * {@code FastQueryTest} checks the contract on generated and mutated datagrams.
 *
 * <p>Stateless and thread-safe.
 */
final class FastQuery {
  private static final DecodeLimits LIMITS = DecodeLimits.krpc();

  /**
   * Longest datagram decoded here. Every bencode element takes at least two bytes of its own ({@code 0:}, {@code
   * le}, {@code i0e}), so a datagram of at most {@code 2 x maxElements} bytes cannot exceed the element limit,
   * and the scan does not need to count elements. KRPC queries are a few hundred bytes.
   */
  static final int MAX_LENGTH = Math.min(LIMITS.maxInputLength(), 2 * LIMITS.maxElements());

  /** Integers of more digits are left to the tree decoder (which rejects 64-bit overflow). */
  private static final int MAX_INTEGER_DIGITS = 18;

  private static final int PING = 0;
  private static final int FIND_NODE = 1;
  private static final int GET_PEERS = 2;
  private static final int ANNOUNCE_PEER = 3;

  private static final byte[] M_PING = ascii("ping");
  private static final byte[] M_FIND_NODE = ascii("find_node");
  private static final byte[] M_GET_PEERS = ascii("get_peers");
  private static final byte[] M_ANNOUNCE_PEER = ascii("announce_peer");
  private static final byte[] K_ID = ascii("id");
  private static final byte[] K_RO = ascii("ro");
  private static final byte[] K_TARGET = ascii("target");
  private static final byte[] K_INFO_HASH = ascii("info_hash");
  private static final byte[] K_WANT = ascii("want");
  private static final byte[] K_NOSEED = ascii("noseed");
  private static final byte[] K_SCRAPE = ascii("scrape");
  private static final byte[] K_TOKEN = ascii("token");
  private static final byte[] K_PORT = ascii("port");
  private static final byte[] K_IMPLIED_PORT = ascii("implied_port");
  private static final byte[] K_SEED = ascii("seed");

  private FastQuery() {}

  /**
   * The query in {@code data[offset, offset + length)}, or null when this fast path does not decode it (then
   * {@link KrpcCodec#decodeTree} must).
   */
  static Query tryDecode(byte[] data, int offset, int length) {
    if (length < 2 || length > MAX_LENGTH || data[offset] != 'd') {
      return null;
    }
    int end = offset + length;
    // The top-level dictionary, validated key by key; its nested values are validated by skipValid.
    int tPos = -1;
    int tLen = 0;
    int qPos = -1;
    int qLen = 0;
    int aPos = -1;
    boolean isQuery = false;
    boolean readOnly = false;
    int prevKeyPos = -1;
    int prevKeyLen = 0;
    int p = offset + 1;
    while (true) {
      if (p >= end) {
        return null;
      }
      if (data[p] == 'e') {
        p++;
        break;
      }
      int colon = lengthColon(data, p, end);
      if (colon < 0) {
        return null;
      }
      int kLen = lengthAt(data, p, colon);
      int kPos = colon + 1;
      if (prevKeyPos >= 0 && compare(data, prevKeyPos, prevKeyLen, kPos, kLen) >= 0) {
        return null;
      }
      prevKeyPos = kPos;
      prevKeyLen = kLen;
      int v = kPos + kLen;
      int next = skipValid(data, v, end, 2);
      if (next < 0) {
        return null;
      }
      if (kLen == 1) {
        switch (data[kPos]) {
          case 'a':
            aPos = data[v] == 'd' ? v : -1;
            break;
          case 'q':
            if (isDigit(data[v])) {
              qPos = colonAfter(data, v) + 1;
              qLen = next - qPos;
            }
            break;
          case 't':
            if (isDigit(data[v])) {
              tPos = colonAfter(data, v) + 1;
              tLen = next - tPos;
            }
            break;
          case 'y':
            isQuery = next - v == 3 && data[v] == '1' && data[v + 2] == 'q';
            break;
          default:
            break;
        }
      } else if (equal(data, kPos, kLen, K_RO)) {
        readOnly = next - v == 3 && data[v] == 'i' && data[v + 1] == '1'; // exactly i1e
      }
      p = next;
    }
    if (p != end || !isQuery || tPos < 0 || qPos < 0 || aPos < 0) {
      return null; // trailing data, or not a query with t, q and a: the tree decoder decides
    }
    int method;
    if (equal(data, qPos, qLen, M_PING)) {
      method = PING;
    } else if (equal(data, qPos, qLen, M_FIND_NODE)) {
      method = FIND_NODE;
    } else if (equal(data, qPos, qLen, M_GET_PEERS)) {
      method = GET_PEERS;
    } else if (equal(data, qPos, qLen, M_ANNOUNCE_PEER)) {
      method = ANNOUNCE_PEER;
    } else {
      return null;
    }
    return arguments(data, aPos, method, BString.of(data, tPos, tLen), readOnly);
  }

  /** Reads the (validated) {@code a} dictionary at {@code aPos} and builds the query. */
  private static Query arguments(byte[] data, int aPos, int method, BString tid, boolean readOnly) {
    int idPos = -1;
    int keyPos = -1; // target or info_hash
    int tokenPos = -1;
    int tokenLen = 0;
    boolean n4 = false;
    boolean n6 = false;
    boolean noSeed = false;
    boolean scrape = false;
    boolean seed = false;
    boolean impliedPort = false;
    boolean hasPort = false;
    long port = 0;
    byte[] keyName = method == FIND_NODE ? K_TARGET : K_INFO_HASH;
    int p = aPos + 1;
    while (data[p] != 'e') {
      int colon = colonAfter(data, p);
      int kLen = lengthAt(data, p, colon);
      int kPos = colon + 1;
      int v = kPos + kLen;
      int next = skipValidated(data, v);
      boolean isString = isDigit(data[v]);
      boolean isInteger = data[v] == 'i';
      if (equal(data, kPos, kLen, K_ID)) {
        if (!isString || next - colonAfter(data, v) - 1 != NodeId.LENGTH) {
          return null; // missing, non-string or not 20 bytes: a protocol error
        }
        idPos = colonAfter(data, v) + 1;
      } else if (method != PING && equal(data, kPos, kLen, keyName)) {
        if (!isString || next - colonAfter(data, v) - 1 != NodeId.LENGTH) {
          return null;
        }
        keyPos = colonAfter(data, v) + 1;
      } else if (equal(data, kPos, kLen, K_WANT)) {
        if (data[v] == 'l') {
          int w = v + 1;
          while (data[w] != 'e') {
            int wNext = skipValidated(data, w);
            if (wNext - w == 4 && data[w] == '2' && data[w + 2] == 'n') {
              n4 |= data[w + 3] == '4';
              n6 |= data[w + 3] == '6';
            }
            w = wNext;
          }
        }
      } else if (isInteger && equal(data, kPos, kLen, K_NOSEED)) {
        noSeed = !isZero(data, v);
      } else if (isInteger && equal(data, kPos, kLen, K_SCRAPE)) {
        scrape = !isZero(data, v);
      } else if (method == ANNOUNCE_PEER) {
        if (equal(data, kPos, kLen, K_TOKEN)) {
          if (isString) {
            tokenPos = colonAfter(data, v) + 1;
            tokenLen = next - tokenPos;
          }
        } else if (isInteger && equal(data, kPos, kLen, K_PORT)) {
          hasPort = true;
          port = integerAt(data, v);
        } else if (isInteger && equal(data, kPos, kLen, K_IMPLIED_PORT)) {
          impliedPort = !isZero(data, v);
        } else if (isInteger && equal(data, kPos, kLen, K_SEED)) {
          seed = !isZero(data, v);
        }
      }
      p = next;
    }
    if (idPos < 0 || (method != PING && keyPos < 0)) {
      return null;
    }
    NodeId sender = NodeId.of(data, idPos);
    Want want = n4 && n6 ? Want.BOTH : n4 ? Want.N4 : n6 ? Want.N6 : Want.SAME_FAMILY;
    switch (method) {
      case PING:
        return new Query.Ping(tid, sender, readOnly);
      case FIND_NODE:
        return new Query.FindNode(tid, sender, NodeId.of(data, keyPos), readOnly, want);
      case GET_PEERS:
        return new Query.GetPeers(tid, sender, NodeId.of(data, keyPos), readOnly, want, noSeed, scrape);
      default:
        {
          if (tokenPos < 0) {
            return null;
          }
          int portValue = 0;
          if (hasPort) {
            if (port < 1 || port > 65535) {
              if (!impliedPort) {
                return null; // port out of range: a protocol error
              }
            } else {
              portValue = (int) port;
            }
          } else if (!impliedPort) {
            return null; // missing port
          }
          return new Query.AnnouncePeer(
              tid,
              sender,
              NodeId.of(data, keyPos),
              portValue,
              impliedPort,
              BString.of(data, tokenPos, tokenLen),
              readOnly,
              seed);
        }
    }
  }

  // ------------------------------------------------------------------ validation

  /**
   * Validates the value at {@code p}, at nesting depth {@code depth} were it a container, and returns the
   * position after it, or -1 when the strict decoder would reject it (or when it is beyond this scan: integers of
   * more than {@value #MAX_INTEGER_DIGITS} digits). Recursion is bounded by {@link DecodeLimits#maxDepth()}.
   */
  private static int skipValid(byte[] data, int p, int end, int depth) {
    if (p >= end) {
      return -1;
    }
    byte c = data[p];
    if (isDigit(c)) {
      int colon = lengthColon(data, p, end);
      return colon < 0 ? -1 : colon + 1 + lengthAt(data, p, colon);
    }
    if (c == 'i') {
      return integerEnd(data, p, end);
    }
    if (c != 'l' && c != 'd') {
      return -1;
    }
    if (depth > LIMITS.maxDepth()) {
      return -1;
    }
    boolean dictionary = c == 'd';
    int prevKeyPos = -1;
    int prevKeyLen = 0;
    p++;
    while (true) {
      if (p >= end) {
        return -1;
      }
      if (data[p] == 'e') {
        return p + 1;
      }
      if (dictionary) {
        int colon = lengthColon(data, p, end);
        if (colon < 0) {
          return -1;
        }
        int kLen = lengthAt(data, p, colon);
        int kPos = colon + 1;
        if (prevKeyPos >= 0 && compare(data, prevKeyPos, prevKeyLen, kPos, kLen) >= 0) {
          return -1;
        }
        prevKeyPos = kPos;
        prevKeyLen = kLen;
        p = kPos + kLen;
      }
      p = skipValid(data, p, end, depth + 1);
      if (p < 0) {
        return -1;
      }
    }
  }

  /**
   * For a string at {@code p}: the position of the colon after its canonical length prefix, or -1 when the
   * prefix is not canonical (no digits, a leading zero, no colon) or the string does not fit before {@code end}.
   */
  private static int lengthColon(byte[] data, int p, int end) {
    if (!isDigit(data[p]) || (data[p] == '0' && p + 1 < end && isDigit(data[p + 1]))) {
      return -1;
    }
    long n = 0;
    int q = p;
    while (q < end && isDigit(data[q])) {
      if (q - p >= 9) {
        return -1; // longer than any datagram this class decodes
      }
      n = n * 10 + (data[q] - '0');
      q++;
    }
    if (q >= end || data[q] != ':' || n > LIMITS.maxStringLength() || n > end - q - 1) {
      return -1;
    }
    return q;
  }

  /** The position after a canonical integer at {@code p} of at most 18 digits, or -1. */
  private static int integerEnd(byte[] data, int p, int end) {
    p++;
    boolean negative = p < end && data[p] == '-';
    if (negative) {
      p++;
    }
    int start = p;
    while (p < end && isDigit(data[p])) {
      p++;
    }
    int digits = p - start;
    if (p >= end || data[p] != 'e' || digits == 0 || digits > MAX_INTEGER_DIGITS) {
      return -1;
    }
    if (data[start] == '0' && (digits > 1 || negative)) {
      return -1; // leading zero or negative zero
    }
    return p + 1;
  }

  // ------------------------------------------------------------------ walking validated bytes

  /** The position after the already validated value at {@code p}. */
  private static int skipValidated(byte[] data, int p) {
    int depth = 0;
    do {
      byte c = data[p];
      if (c == 'd' || c == 'l') {
        depth++;
        p++;
      } else if (c == 'e') {
        depth--;
        p++;
      } else if (c == 'i') {
        while (data[p] != 'e') {
          p++;
        }
        p++;
      } else {
        int colon = colonAfter(data, p);
        p = colon + 1 + lengthAt(data, p, colon);
      }
    } while (depth > 0);
    return p;
  }

  /** The value of the validated integer at {@code p} (at most 18 digits: no overflow). */
  private static long integerAt(byte[] data, int p) {
    p++;
    boolean negative = data[p] == '-';
    if (negative) {
      p++;
    }
    long n = 0;
    while (data[p] != 'e') {
      n = n * 10 + (data[p++] - '0');
    }
    return negative ? -n : n;
  }

  /** Whether the validated integer at {@code p} is {@code i0e}. */
  private static boolean isZero(byte[] data, int p) {
    return data[p + 1] == '0';
  }

  private static int colonAfter(byte[] data, int p) {
    while (data[p] != ':') {
      p++;
    }
    return p;
  }

  /** The decimal digits in {@code data[p, colon)}. */
  private static int lengthAt(byte[] data, int p, int colon) {
    int n = 0;
    for (int i = p; i < colon; i++) {
      n = n * 10 + (data[i] - '0');
    }
    return n;
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static boolean equal(byte[] data, int pos, int len, byte[] s) {
    if (len != s.length) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if (data[pos + i] != s[i]) {
        return false;
      }
    }
    return true;
  }

  /** Unsigned lexicographic order of two byte ranges, as {@link BString#compareTo}. */
  private static int compare(byte[] data, int aPos, int aLen, int bPos, int bLen) {
    int n = Math.min(aLen, bLen);
    for (int i = 0; i < n; i++) {
      int c = (data[aPos + i] & 0xff) - (data[bPos + i] & 0xff);
      if (c != 0) {
        return c;
      }
    }
    return aLen - bLen;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
