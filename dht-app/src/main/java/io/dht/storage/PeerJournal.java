package io.dht.storage;

import static io.dht.storage.NodeDatabase.Family.PEERS;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.storage.Records.StoredPeer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.rocksdb.RocksDBException;

/**
 * Announced peers on disk: install it with {@code peerStore.setJournal(journal)} and every stored announce is
 * written, as (info-hash, IP, port, seed, wall-clock millis) keyed by info-hash and IP (one record per peer, as the
 * peer store keeps one per IP; a re-announce overwrites it). After a restart, {@link #restoreInto} replays the
 * peers that have not expired, with their ages, and deletes the rest.
 *
 * <p>Bounded: every {@value #PRUNE_EVERY} writes, expired records are deleted and, beyond {@code maxPeerRecords},
 * the oldest announces. A failed write is logged (rate-limited) and dropped: the peer is still served from memory.
 * Loop thread only.
 */
public final class PeerJournal implements PeerStore.Journal {
  /** Writes between two prunes. */
  static final int PRUNE_EVERY = 4096;

  private final NodeDatabase db;
  private final long ttlMillis;
  private final int maxRecords;
  private int writesSincePrune;

  PeerJournal(NodeDatabase db, NodeDatabase.Settings settings) {
    this.db = db;
    this.ttlMillis = Math.max(1, settings.peerTtlNanos() / 1_000_000);
    this.maxRecords = settings.maxPeerRecords();
  }

  @Override
  public void announced(NodeId infoHash, Endpoint peer, boolean seed) {
    long now = db.settings().wallMillis().getAsLong();
    try {
      db.put(PEERS, Records.peerKey(infoHash, peer.address()), Records.encodePeer(peer.port(), seed, now));
    } catch (RocksDBException e) {
      db.warnFailure("journaling peer " + peer + " of " + infoHash, e);
      return;
    }
    if (++writesSincePrune >= PRUNE_EVERY) {
      prune();
    }
  }

  /**
   * Re-inserts into {@code store} every journaled peer that has not expired, oldest announce first (so the store's
   * announce order and per-info-hash eviction come out as before the restart), and deletes expired and corrupt
   * records. {@code now} is the node's monotonic time. Call it on the node's loop before the node serves.
   *
   * @return how many peers were handed to the store
   */
  public int restoreInto(PeerStore store, long now) {
    List<StoredPeer> live = prune();
    long wallNow = db.settings().wallMillis().getAsLong();
    for (StoredPeer p : live) {
      long ageNanos = Math.max(0, wallNow - p.announcedMillis()) * 1_000_000;
      store.restore(p.infoHash(), p.peer(), p.seed(), ageNanos, now);
    }
    return live.size();
  }

  /**
   * Deletes expired and corrupt records and, beyond the bound, the oldest ones; returns the rest, oldest
   * announce first.
   */
  List<StoredPeer> prune() {
    writesSincePrune = 0;
    long wallNow = db.settings().wallMillis().getAsLong();
    List<StoredPeer> live = new ArrayList<>();
    List<byte[]> drop = new ArrayList<>();
    try {
      db.forEach(
          PEERS,
          (key, value) -> {
            StoredPeer p;
            try {
              p = Records.decodePeer(key, value);
            } catch (RuntimeException e) {
              NodeDatabase.warnCorrupt("peer", key, e);
              drop.add(key);
              return;
            }
            if (wallNow - p.announcedMillis() >= ttlMillis) {
              drop.add(key);
            } else {
              live.add(p);
            }
          });
    } catch (RocksDBException e) {
      db.warnFailure("reading the peer journal", e);
      return List.of();
    }
    live.sort(Comparator.comparingLong(StoredPeer::announcedMillis));
    int excess = live.size() - maxRecords;
    for (int i = 0; i < excess; i++) {
      drop.add(Records.peerKey(live.get(i).infoHash(), live.get(i).peer().address()));
    }
    List<StoredPeer> kept = excess > 0 ? new ArrayList<>(live.subList(excess, live.size())) : live;
    if (!drop.isEmpty()) {
      try {
        db.update(PEERS, drop, null, null);
      } catch (RocksDBException e) {
        db.warnFailure("deleting " + drop.size() + " journaled peers", e);
      }
    }
    return kept;
  }
}
