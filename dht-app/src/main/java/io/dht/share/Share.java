package io.dht.share;

import io.dht.Dht;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A file or folder being shared: its metadata, served over TCP to BitTorrent peers (BEP 3, 10, 9) and announced on
 * the DHT at start and every {@link ShareOptions#announceInterval()} until {@link #close()}.
 *
 * <pre>{@code
 * try (Share share = Share.start(dht, Path.of("movie.mkv"), ShareOptions.defaults())) {
 *   System.out.println(share.magnet());
 *   ... // serve until closed
 * }
 * }</pre>
 *
 * <p>Thread-safe. Runs one thread ({@code dht-share-<hash>}) owning its sockets and state; see {@code
 * docs/sharing.md}. The {@link Dht} stays the caller's (it is not closed with the share).
 */
public final class Share implements AutoCloseable {
  private final Torrent torrent;
  private final Swarm swarm;

  private Share(Torrent torrent, Swarm swarm) {
    this.torrent = torrent;
    this.swarm = swarm;
  }

  /**
   * Hashes {@code path} (a file, or a folder with everything under it) on the calling thread, then serves and
   * announces it.
   *
   * @throws ShareException when the content cannot be read or the TCP port cannot be bound
   * @throws IllegalArgumentException when there is nothing to share (an empty file or folder)
   */
  public static Share start(Dht dht, Path path, ShareOptions options) {
    Objects.requireNonNull(dht, "dht");
    Objects.requireNonNull(options, "options");
    Torrent torrent;
    try {
      torrent = Torrent.create(path);
    } catch (NoSuchFileException e) {
      throw new ShareException("no such file or folder: " + path, e);
    } catch (IOException e) {
      throw new ShareException("cannot read " + path + ": " + e.getMessage(), e);
    }
    return start(dht, torrent, path, options);
  }

  /**
   * Serves {@code content} (the file, or the folder of a multi-file torrent) as {@code torrent} without hashing it:
   * the caller vouches that it matches (as after a completed download). Files must exist with the right lengths.
   *
   * @throws ShareException when a file is missing or has another length, or the TCP port cannot be bound
   */
  public static Share start(Dht dht, Torrent torrent, Path content, ShareOptions options) {
    Objects.requireNonNull(dht, "dht");
    Objects.requireNonNull(torrent, "torrent");
    Objects.requireNonNull(options, "options");
    Storage storage;
    try {
      storage = Storage.openForReading(torrent, content.toAbsolutePath());
    } catch (IOException e) {
      throw new ShareException("cannot serve " + content + ": " + e.getMessage(), e);
    }
    Swarm swarm = Swarm.forShare(dht, torrent, storage, options);
    try {
      swarm.start();
    } catch (RuntimeException e) {
      storage.close();
      throw e;
    }
    return new Share(torrent, swarm);
  }

  /** The magnet link without peer hints: peers find us through the DHT. */
  public String magnet() {
    return torrent.magnet(List.of()).toString();
  }

  /** The magnet link with our TCP endpoint as an {@code x.pe} hint, so a fetch can connect without the DHT. */
  public Magnet magnet(Endpoint reachableAt) {
    return torrent.magnet(List.of(reachableAt));
  }

  public NodeId infoHash() {
    return torrent.infoHash();
  }

  public Torrent torrent() {
    return torrent;
  }

  /** The TCP endpoint we listen on (the real port when the options asked for 0). */
  public Endpoint localEndpoint() {
    return swarm.listening();
  }

  /** Counters (bytes uploaded, peers, refused connections, protocol errors...), snapshotted on the share's thread. */
  public CompletableFuture<SwarmStats> stats() {
    return swarm.stats();
  }

  /** Stops serving: closes every connection and the listener; waits (bounded) for the thread. Idempotent. */
  @Override
  public void close() {
    swarm.stop();
  }

  @Override
  public String toString() {
    return "Share(" + torrent.infoHash() + " '" + torrent.name() + "' on " + swarm.listening() + ")";
  }
}
