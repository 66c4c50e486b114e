package io.dht.krpc;

import io.dht.bencode.BString;
import io.dht.id.NodeId;
import java.util.Optional;
import java.util.OptionalLong;

/** A KRPC query ({@code y = q}). Dispatched in one place, in the node, with instanceof patterns. */
public sealed interface Query extends Message
    permits Query.Ping,
        Query.FindNode,
        Query.GetPeers,
        Query.AnnouncePeer,
        Query.SampleInfohashes,
        Query.Get,
        Query.Put,
        Query.Unknown {
  /** The querier's node id ({@code a.id}). */
  NodeId sender();

  /** BEP 43: the querier set {@code ro = 1}; answer it, but never add it to the routing table. */
  boolean readOnly();

  /** {@code ping}. */
  record Ping(BString transactionId, NodeId sender, boolean readOnly) implements Query {}

  /** {@code find_node}: the k closest nodes to {@code target}, of the families in {@code want}. */
  record FindNode(BString transactionId, NodeId sender, NodeId target, boolean readOnly, Want want)
      implements Query {}

  /**
   * {@code get_peers}: peers for {@code infoHash}, or the closest nodes; always a write token. BEP 33 adds
   * {@code noSeed} (prefer non-seeds) and {@code scrape} (return the BFsd/BFpe bloom filters).
   */
  record GetPeers(
      BString transactionId,
      NodeId sender,
      NodeId infoHash,
      boolean readOnly,
      Want want,
      boolean noSeed,
      boolean scrape)
      implements Query {}

  /**
   * {@code announce_peer}: store the sender as a peer of {@code infoHash}; with {@code impliedPort} the UDP source
   * port replaces {@code port}; {@code seed} is BEP 33's flag.
   */
  record AnnouncePeer(
      BString transactionId,
      NodeId sender,
      NodeId infoHash,
      int port,
      boolean impliedPort,
      BString token,
      boolean readOnly,
      boolean seed)
      implements Query {}

  /** BEP 51 {@code sample_infohashes}: a sample of the info-hashes we store, plus nodes close to target. */
  record SampleInfohashes(BString transactionId, NodeId sender, NodeId target, boolean readOnly, Want want)
      implements Query {}

  /** BEP 44 {@code get}: the item stored under {@code target}; with {@code seq}, only if ours is newer. */
  record Get(
      BString transactionId, NodeId sender, NodeId target, OptionalLong seq, boolean readOnly, Want want)
      implements Query {}

  /**
   * BEP 44 {@code put}. {@code value} is the bencoded {@code v} exactly as received. A mutable put carries
   * {@code publicKey}, {@code signature} and {@code seq}; {@code salt} is empty when absent.
   */
  record Put(
      BString transactionId,
      NodeId sender,
      BString token,
      BString value,
      Optional<BString> publicKey,
      Optional<BString> signature,
      OptionalLong seq,
      BString salt,
      OptionalLong cas,
      boolean readOnly)
      implements Query {}

  /**
   * A well-formed query with a method we do not implement. When it carries a 20-byte {@code target} or
   * {@code info_hash} we answer it as a find_node (as libtorrent does, so future extensions route through us).
   */
  record Unknown(
      BString transactionId, NodeId sender, String method, Optional<NodeId> target, boolean readOnly, Want want)
      implements Query {}
}
