package io.dht.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The narrow key-value surface the node needs from an embedded store, so both candidates are measured doing the
 * same work: a durable put (on disk, at least in the OS page cache, when it returns), a point get, a scan of all
 * keys and a full load at startup.
 */
public interface Engine extends AutoCloseable {
  /** Stores the pair; when this returns, a kill -9 of the process must not lose it. */
  void put(byte[] key, byte[] value);

  /** The value under {@code key}, or null. */
  byte[] get(byte[] key);

  /** Visits every key in order; returns how many there were. */
  int scanKeys();

  /** Reads every key and value (what a store does when it opens); returns the total bytes read. */
  long loadAll();

  @Override
  void close();

  /** The engines and durability modes compared. */
  enum Kind {
    /** RocksDB, write-ahead log written (not fsynced) before put returns: survives a process crash. */
    ROCKSDB,
    /** RocksDB with {@code sync=true}: fsync of the log on every put, survives a power loss too. */
    ROCKSDB_FSYNC,
    /** H2 MVStore, {@code commit()} after every put: the new chunk is written (not fsynced) before put returns. */
    MVSTORE,
    /** H2 MVStore, {@code commit()} then {@code sync()} (fsync) after every put. */
    MVSTORE_FSYNC;

    Engine open(Path dir) {
      return switch (this) {
        case ROCKSDB -> new RocksEngine(dir, false);
        case ROCKSDB_FSYNC -> new RocksEngine(dir, true);
        case MVSTORE -> new MvEngine(dir, false);
        case MVSTORE_FSYNC -> new MvEngine(dir, true);
      };
    }
  }

  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
