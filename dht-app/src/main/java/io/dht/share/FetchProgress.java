package io.dht.share;

import java.time.Duration;
import java.util.Optional;

/**
 * A snapshot of a {@link Fetch}, as given to progress listeners.
 *
 * @param phase where the fetch is
 * @param bytesVerified bytes of pieces on disk that passed their hash (resumed ones included)
 * @param bytesTotal size of the content; 0 until the metadata is known
 * @param bytesResumed bytes found valid on disk at start (not downloaded again)
 * @param bytesPerSecond download rate of piece data over the last few seconds
 * @param peers connected peers (handshake done)
 * @param eta time left at the current rate; empty when unknown
 */
public record FetchProgress(
    Phase phase,
    long bytesVerified,
    long bytesTotal,
    long bytesResumed,
    double bytesPerSecond,
    int peers,
    Optional<Duration> eta) {
  /** Where a fetch is. */
  public enum Phase {
    /** Looking for peers and asking them for the info dictionary (BEP 9). */
    METADATA,
    /** Hashing what is already on disk. */
    CHECKING,
    /** Downloading pieces. */
    DOWNLOADING,
    /** Complete and renamed; serving others until closed. */
    SEEDING,
    /** Complete and renamed; stopped ({@code noSeed}). */
    DONE,
    /** Stopped by {@link Fetch#cancel()} or {@link Fetch#close()} before completion. */
    CANCELLED,
    /** Stopped by an error (see {@link Fetch#done()}). */
    FAILED
  }

  /** Fraction done, 0..1 (0 while the size is unknown). */
  public double fraction() {
    return bytesTotal == 0 ? 0 : (double) bytesVerified / bytesTotal;
  }
}
