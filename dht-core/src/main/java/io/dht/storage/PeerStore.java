package io.dht.storage;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Peers announced to us, per info-hash, unique per (info-hash, IP) as BEP 33 asks; a re-announce updates the port
 * and the time. A peer expires {@code ttlNanos} after its last announce.
 *
 * <p>Bounds and policy when full: at most {@code maxPeersPerInfoHash} peers per info-hash, a new peer evicting the
 * one announced longest ago; at most {@code maxInfoHashes} info-hashes, a new info-hash evicting the info-hash whose
 * most recent announce is the oldest. Owned by the node's loop.
 */
public final class PeerStore {
  private final long ttlNanos;
  private final int maxPeersPerInfoHash;
  private final int maxInfoHashes;
  private final Map<NodeId, Swarm> swarms = new HashMap<>();
  private int peerCount;
  private Journal journal = (infoHash, peer, seed) -> {};

  /**
   * Told of every stored announce, so that the application can persist peers (it stamps them with wall-clock time
   * and replays them with {@link #restore} after a restart).
   */
  @FunctionalInterface
  public interface Journal {
    void announced(NodeId infoHash, Endpoint peer, boolean seed);
  }

  /** Installs the journal (one at a time; the default does nothing). */
  public void setJournal(Journal journal) {
    this.journal = journal;
  }

  /** Re-inserts a persisted peer that was announced {@code ageNanos} ago, without journaling it again. */
  public void restore(NodeId infoHash, Endpoint peer, boolean seed, long ageNanos, long now) {
    if (ageNanos < ttlNanos) {
      store(infoHash, peer, seed, now - Math.max(0, ageNanos));
    }
  }

  private static final class Peer {
    final Endpoint endpoint;
    final long announcedNanos;
    final boolean seed;

    Peer(Endpoint endpoint, long announcedNanos, boolean seed) {
      this.endpoint = endpoint;
      this.announcedNanos = announcedNanos;
      this.seed = seed;
    }
  }

  private static final class Swarm {
    /** Insertion order = announce order: a re-announce moves the peer to the end. */
    final LinkedHashMap<InetAddress, Peer> peers = new LinkedHashMap<>();
    long newestNanos = Long.MIN_VALUE;
  }

  public PeerStore(long ttlNanos, int maxPeersPerInfoHash, int maxInfoHashes) {
    this.ttlNanos = ttlNanos;
    this.maxPeersPerInfoHash = maxPeersPerInfoHash;
    this.maxInfoHashes = maxInfoHashes;
  }

  /** Stores or refreshes {@code peer} (not a seed) under {@code infoHash}. */
  public void announce(NodeId infoHash, Endpoint peer, long now) {
    announce(infoHash, peer, false, now);
  }

  /** Stores or refreshes {@code peer} under {@code infoHash}; {@code seed} is BEP 33's flag. */
  public void announce(NodeId infoHash, Endpoint peer, boolean seed, long now) {
    store(infoHash, peer, seed, now);
    journal.announced(infoHash, peer, seed);
  }

  private void store(NodeId infoHash, Endpoint peer, boolean seed, long now) {
    Swarm swarm = swarms.get(infoHash);
    if (swarm == null) {
      if (swarms.size() >= maxInfoHashes) {
        evictStalestSwarm();
      }
      swarm = new Swarm();
      swarms.put(infoHash, swarm);
    }
    Peer old = swarm.peers.remove(peer.address());
    if (old == null) {
      peerCount++;
      if (swarm.peers.size() >= maxPeersPerInfoHash) {
        Iterator<Peer> oldest = swarm.peers.values().iterator();
        oldest.next();
        oldest.remove();
        peerCount--;
      }
    }
    swarm.peers.put(peer.address(), new Peer(peer, now, seed));
    swarm.newestNanos = Math.max(swarm.newestNanos, now);
  }

  private void evictStalestSwarm() {
    NodeId stalest = null;
    long oldest = Long.MAX_VALUE;
    for (Map.Entry<NodeId, Swarm> e : swarms.entrySet()) {
      if (e.getValue().newestNanos < oldest
          || (e.getValue().newestNanos == oldest && e.getKey().compareTo(stalest) < 0)) {
        oldest = e.getValue().newestNanos;
        stalest = e.getKey();
      }
    }
    if (stalest != null) {
      peerCount -= swarms.remove(stalest).peers.size();
    }
  }

  /**
   * Up to {@code max} live peers of {@code infoHash}, most recently announced first, of one address family.
   */
  public List<Endpoint> peers(NodeId infoHash, int max, boolean ipv6, long now) {
    return peers(infoHash, max, ipv6, false, now);
  }

  /**
   * Up to {@code max} live peers of {@code infoHash}, most recently announced first, of one address family; with
   * {@code noSeed} (BEP 33) non-seeds come first and seeds only fill the remaining room.
   */
  public List<Endpoint> peers(NodeId infoHash, int max, boolean ipv6, boolean noSeed, long now) {
    Swarm swarm = swarms.get(infoHash);
    if (swarm == null || max <= 0) {
      return List.of();
    }
    List<Endpoint> out = new ArrayList<>(Math.min(max, swarm.peers.size()));
    List<Peer> all = new ArrayList<>(swarm.peers.values());
    for (int pass = noSeed ? 0 : 1; pass < 2; pass++) {
      for (int i = all.size() - 1; i >= 0 && out.size() < max; i--) {
        Peer p = all.get(i);
        boolean eligible = pass == 1 ? !(noSeed && !p.seed) : !p.seed;
        if (eligible && now - p.announcedNanos < ttlNanos && p.endpoint.isIpv6() == ipv6) {
          out.add(p.endpoint);
        }
      }
    }
    return out;
  }

  /** BEP 33 filters of the live peers of {@code infoHash}: {@code [seeds, non-seeds]}; empty when none. */
  public Optional<ScrapeFilter[]> scrape(NodeId infoHash, long now) {
    Swarm swarm = swarms.get(infoHash);
    if (swarm == null) {
      return Optional.empty();
    }
    ScrapeFilter seeds = new ScrapeFilter();
    ScrapeFilter others = new ScrapeFilter();
    boolean any = false;
    for (Peer p : swarm.peers.values()) {
      if (now - p.announcedNanos < ttlNanos) {
        (p.seed ? seeds : others).add(p.endpoint.address());
        any = true;
      }
    }
    return any ? Optional.of(new ScrapeFilter[] {seeds, others}) : Optional.empty();
  }

  /** BEP 51: up to {@code max} distinct info-hashes drawn at random from those stored. */
  public List<NodeId> sample(int max, RandomGenerator random) {
    List<NodeId> all = new ArrayList<>(swarms.keySet());
    all.sort(null); // hash-map order is not deterministic across runs; the draw must be
    int n = Math.min(max, all.size());
    for (int i = 0; i < n; i++) {
      Collections.swap(all, i, i + random.nextInt(all.size() - i));
    }
    return new ArrayList<>(all.subList(0, n));
  }

  /** Drops expired peers and empty info-hashes. */
  public void expire(long now) {
    Iterator<Swarm> it = swarms.values().iterator();
    while (it.hasNext()) {
      Swarm s = it.next();
      Iterator<Peer> p = s.peers.values().iterator();
      while (p.hasNext()) {
        if (now - p.next().announcedNanos >= ttlNanos) {
          p.remove();
          peerCount--;
        }
      }
      if (s.peers.isEmpty()) {
        it.remove();
      }
    }
  }

  public int infoHashCount() {
    return swarms.size();
  }

  public int peerCount() {
    return peerCount;
  }
}
