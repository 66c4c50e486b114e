package io.dht.share;

import io.dht.Dht;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A download of a magnet link (or bare info-hash) into a folder: finds peers with get_peers (again every {@link
 * FetchOptions#lookupInterval()}), gets the info dictionary from them (BEP 9, checked against the info-hash),
 * downloads pieces from several peers at once (rarest first, {@link FetchOptions#pipelineDepth()} requests in
 * flight per peer), verifies every piece, and writes into {@code <out>/<name>.part}, renamed to {@code <out>/<name>}
 * when complete. What is already in the {@code .part} file (or folder) is hashed first and not fetched again. Then
 * it seeds until {@link #close()}, unless {@link FetchOptions#noSeed()}.
 *
 * <pre>{@code
 * try (Fetch fetch = Fetch.start(dht, magnet, Path.of("downloads"), FetchOptions.defaults().withNoSeed(true))) {
 *   fetch.onProgress(p -> System.err.println(p.bytesVerified() + " / " + p.bytesTotal()));
 *   Path file = fetch.done().get(10, TimeUnit.MINUTES);
 * }
 * }</pre>
 *
 * <p>Thread-safe. Runs one thread ({@code dht-fetch-<hash>}) owning its sockets, files and state. {@link #done()}
 * completes and listeners run on that thread: they must not block. The {@link Dht} stays the caller's.
 */
public final class Fetch implements AutoCloseable {
  private final Magnet magnet;
  private final Swarm swarm;
  private final CompletableFuture<Path> done;

  private Fetch(Magnet magnet, Swarm swarm) {
    this.magnet = magnet;
    this.swarm = swarm;
    this.done = swarm.done().copy();
  }

  /**
   * Starts fetching. Returns at once; follow it with {@link #done()} and {@link #onProgress}.
   *
   * @param magnetOrInfoHash a magnet link, or an info-hash as 40 hex digits (or 32 base32 characters)
   * @throws IllegalArgumentException when {@code magnetOrInfoHash} is neither
   * @throws ShareException when the TCP port cannot be bound
   */
  public static Fetch start(Dht dht, String magnetOrInfoHash, Path outDir, FetchOptions options) {
    Objects.requireNonNull(dht, "dht");
    Objects.requireNonNull(outDir, "outDir");
    Objects.requireNonNull(options, "options");
    Magnet magnet = Magnet.parse(magnetOrInfoHash);
    Swarm swarm = Swarm.forFetch(dht, magnet, outDir.toAbsolutePath(), options);
    swarm.start();
    return new Fetch(magnet, swarm);
  }

  public NodeId infoHash() {
    return magnet.infoHash();
  }

  public Magnet magnet() {
    return magnet;
  }

  /**
   * Completes with the path of the finished content ({@code <out>/<name>}); fails with {@link ShareException}
   * (unusable metadata, disk errors, an existing different {@code <out>/<name>}) or with a {@link
   * java.util.concurrent.CancellationException} after {@link #cancel()}. Completes on the fetch's thread.
   */
  public CompletableFuture<Path> done() {
    return done;
  }

  /** The latest progress snapshot (updated every {@link FetchOptions#progressInterval()}). */
  public FetchProgress progress() {
    return swarm.progress();
  }

  /**
   * Calls {@code listener} with a snapshot every {@link FetchOptions#progressInterval()} (after every verified
   * piece when that is zero) and on every phase change, on the fetch's thread: it must return quickly and not
   * block. It may call {@link #cancel()}.
   */
  public Fetch onProgress(Consumer<FetchProgress> listener) {
    swarm.addListener(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** Counters (bytes requested, downloaded, wasted; pieces verified and failed; banned peers...). */
  public CompletableFuture<SwarmStats> stats() {
    return swarm.stats();
  }

  /** The info dictionary once it arrived. */
  public CompletableFuture<Optional<Torrent>> torrent() {
    return swarm.torrent();
  }

  /** The TCP endpoint we listen on (we serve the pieces we have). */
  public Endpoint localEndpoint() {
    return swarm.listening();
  }

  /**
   * Stops: closes connections and files. A download not yet complete keeps its {@code .part} data for a later
   * resume, and {@link #done()} fails with a {@link java.util.concurrent.CancellationException}. May be called from
   * a listener. Idempotent.
   */
  public void cancel() {
    swarm.stop();
  }

  /** Same as {@link #cancel()}: stops downloading or seeding. */
  @Override
  public void close() {
    swarm.stop();
  }

  @Override
  public String toString() {
    return "Fetch(" + magnet.infoHash() + " on " + swarm.listening() + ")";
  }
}
