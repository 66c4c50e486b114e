package io.dht.share;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Which blocks to request next: rarest piece first (fewest connected peers have it, random among equals), finishing
 * started pieces before starting new ones, {@link Torrent#BLOCK_SIZE} blocks. When every missing block is already
 * requested (end game), a block may be requested from a second peer; the first copy to arrive wins and the other
 * request is cancelled. Tracks who contributed to each piece so that a piece failing its hash can be blamed.
 *
 * <p>A block is named by a {@code long} key: piece index in the high 32 bits, byte offset in the low 32. Not
 * thread-safe: owned by one swarm thread.
 */
final class PiecePicker {
  /** Outcome of a received block. */
  enum Received {
    /** Already had it (a late end-game copy): drop the data. */
    DUPLICATE,
    /** Stored; the piece still misses blocks. */
    BLOCK,
    /** Stored, and it was the piece's last block: verify the piece now. */
    PIECE_COMPLETE
  }

  private static final byte FREE = 0;
  private static final byte REQUESTED = 1;
  private static final byte RECEIVED = 2;
  /** Most outstanding requests for one block (2 = one end-game duplicate). */
  private static final int MAX_REQUESTS_PER_BLOCK = 2;

  private final Torrent torrent;
  private final BitSet have;
  private final int[] availability;
  private final Map<Integer, Partial> partials = new TreeMap<>();
  private final RandomGenerator random;
  private int freeBlocksInPartials;

  /** A started piece: the state of each block and who sent the received ones. */
  private static final class Partial {
    final byte[] state;
    final byte[] requests;
    final Set<InetAddress> contributors = new HashSet<>();
    int received;

    Partial(int blocks) {
      state = new byte[blocks];
      requests = new byte[blocks];
    }
  }

  PiecePicker(Torrent torrent, BitSet have, RandomGenerator random) {
    this.torrent = torrent;
    this.have = (BitSet) have.clone();
    this.availability = new int[torrent.pieceCount()];
    this.random = random;
  }

  static long key(int piece, int begin) {
    return ((long) piece << 32) | (begin & 0xffffffffL);
  }

  static int piece(long key) {
    return (int) (key >>> 32);
  }

  static int begin(long key) {
    return (int) key;
  }

  /** Length of the block named by {@code key}. */
  int blockLength(long key) {
    return Math.min(Torrent.BLOCK_SIZE, torrent.pieceSize(piece(key)) - begin(key));
  }

  boolean has(int piece) {
    return have.get(piece);
  }

  BitSet have() {
    return (BitSet) have.clone();
  }

  int haveCount() {
    return have.cardinality();
  }

  boolean complete() {
    return have.cardinality() == torrent.pieceCount();
  }

  /** Bytes of the verified pieces. */
  long verifiedBytes() {
    long n = 0;
    for (int i = have.nextSetBit(0); i >= 0; i = have.nextSetBit(i + 1)) {
      n += torrent.pieceSize(i);
    }
    return n;
  }

  // ------------------------------------------------------------------ availability

  void addAvailability(BitSet pieces) {
    for (int i = pieces.nextSetBit(0); i >= 0 && i < availability.length; i = pieces.nextSetBit(i + 1)) {
      availability[i]++;
    }
  }

  void addAvailability(int piece) {
    availability[piece]++;
  }

  void removeAvailability(BitSet pieces) {
    for (int i = pieces.nextSetBit(0); i >= 0 && i < availability.length; i = pieces.nextSetBit(i + 1)) {
      availability[i]--;
    }
  }

  /** How many connected peers have {@code piece}. */
  int availability(int piece) {
    return availability[piece];
  }

  /** Whether a peer with {@code pieces} has anything we lack. */
  boolean interesting(BitSet pieces) {
    BitSet lack = (BitSet) pieces.clone();
    lack.andNot(have);
    return !lack.isEmpty();
  }

  // ------------------------------------------------------------------ picking

  /**
   * Up to {@code max} blocks to request from a peer that has {@code pieces}, none of them in {@code mine} (the
   * peer's outstanding requests). Marks them requested.
   */
  List<Long> pick(BitSet pieces, int max, Set<Long> mine) {
    List<Long> out = new ArrayList<>();
    if (max <= 0) {
      return out;
    }
    // 1. Finish started pieces.
    for (Map.Entry<Integer, Partial> e : partials.entrySet()) {
      if (out.size() >= max) {
        return out;
      }
      if (pieces.get(e.getKey())) {
        takeFree(e.getKey(), e.getValue(), max, out);
      }
    }
    // 2. Start the rarest pieces.
    while (out.size() < max) {
      int piece = rarestUnstarted(pieces);
      if (piece < 0) {
        break;
      }
      Partial p = new Partial(torrent.blockCount(piece));
      partials.put(piece, p);
      freeBlocksInPartials += p.state.length;
      takeFree(piece, p, max, out);
    }
    // 3. End game: every missing block is requested; ask this peer too for blocks others are slow to deliver.
    if (out.size() < max && endGame()) {
      for (Map.Entry<Integer, Partial> e : partials.entrySet()) {
        if (!pieces.get(e.getKey())) {
          continue;
        }
        Partial p = e.getValue();
        for (int b = 0; b < p.state.length && out.size() < max; b++) {
          long k = key(e.getKey(), b * Torrent.BLOCK_SIZE);
          if (p.state[b] == REQUESTED && p.requests[b] < MAX_REQUESTS_PER_BLOCK && !mine.contains(k)
              && !out.contains(k)) {
            p.requests[b]++;
            out.add(k);
          }
        }
      }
    }
    return out;
  }

  /** Whether every missing block is requested or received (no free block, no unstarted missing piece). */
  boolean endGame() {
    return freeBlocksInPartials == 0 && have.cardinality() + partials.size() == torrent.pieceCount();
  }

  private void takeFree(int piece, Partial p, int max, List<Long> out) {
    for (int b = 0; b < p.state.length && out.size() < max; b++) {
      if (p.state[b] == FREE) {
        p.state[b] = REQUESTED;
        p.requests[b] = 1;
        freeBlocksInPartials--;
        out.add(key(piece, b * Torrent.BLOCK_SIZE));
      }
    }
  }

  /** The unstarted missing piece in {@code pieces} with the lowest availability; random among equals; or -1. */
  private int rarestUnstarted(BitSet pieces) {
    int n = torrent.pieceCount();
    int start = random.nextInt(n);
    int best = -1;
    int bestAvailability = Integer.MAX_VALUE;
    for (int j = 0; j < n; j++) {
      int i = start + j < n ? start + j : start + j - n;
      if (!pieces.get(i) || have.get(i) || partials.containsKey(i)) {
        continue;
      }
      if (availability[i] < bestAvailability) {
        best = i;
        bestAvailability = availability[i];
        if (bestAvailability <= 1) {
          break; // nobody else has it: cannot be rarer
        }
      }
    }
    return best;
  }

  /** A request for {@code key} was dropped (cancelled, choked, peer gone) before the block arrived. */
  void release(long key) {
    Partial p = partials.get(piece(key));
    if (p == null) {
      return;
    }
    int b = begin(key) / Torrent.BLOCK_SIZE;
    if (p.state[b] == REQUESTED && --p.requests[b] <= 0) {
      p.requests[b] = 0;
      p.state[b] = FREE;
      freeBlocksInPartials++;
    }
  }

  /** The block {@code key} arrived from {@code from}, on a request we made. */
  Received received(long key, InetAddress from) {
    int piece = piece(key);
    Partial p = partials.get(piece);
    if (p == null) {
      return Received.DUPLICATE; // already verified
    }
    int b = begin(key) / Torrent.BLOCK_SIZE;
    if (p.state[b] == RECEIVED) {
      return Received.DUPLICATE;
    }
    if (p.state[b] == FREE) {
      freeBlocksInPartials--;
    }
    p.state[b] = RECEIVED;
    p.requests[b] = 0;
    p.received++;
    p.contributors.add(from);
    return p.received == p.state.length ? Received.PIECE_COMPLETE : Received.BLOCK;
  }

  /** The completed piece matched its hash. */
  void verified(int piece) {
    Partial p = partials.remove(piece);
    if (p != null) {
      freeBlocksInPartials -= countFree(p);
    }
    have.set(piece);
  }

  /** The completed piece failed its hash: forget its blocks; returns who sent them. */
  Set<InetAddress> failed(int piece) {
    Partial p = partials.remove(piece);
    if (p == null) {
      return Set.of();
    }
    freeBlocksInPartials -= countFree(p);
    return p.contributors;
  }

  private static int countFree(Partial p) {
    int n = 0;
    for (byte s : p.state) {
      if (s == FREE) {
        n++;
      }
    }
    return n;
  }

  /** Pieces started but not verified (for tests and stats). */
  int partialCount() {
    return partials.size();
  }
}
