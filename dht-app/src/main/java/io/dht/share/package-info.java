/**
 * File sharing over the DHT, BitTorrent style: {@link io.dht.share.Share} builds a v1 info dictionary for a file
 * or folder, announces its info-hash on a {@link io.dht.Dht} and serves the data with the peer wire protocol
 * (BEP 3) plus the extension protocol (BEP 10) and metadata exchange (BEP 9); {@link io.dht.share.Fetch} turns a
 * magnet link into files, finding peers with get_peers, fetching and verifying metadata and pieces from several
 * peers at once, resuming from what is on disk. Each share or fetch runs one named thread that owns all of its
 * state (sockets, pieces, peers); other threads hand it work through a bounded queue. Everything read from the
 * network is bounded and validated; malformed input closes that one connection. See {@code docs/sharing.md}.
 */
package io.dht.share;
