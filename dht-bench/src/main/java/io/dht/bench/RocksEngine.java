package io.dht.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * RocksDB with its write-ahead log on; {@code fsync} picks {@code WriteOptions.sync}. A clean close flushes the
 * memtable; a crash leaves the log to replay.
 */
final class RocksEngine implements Engine {
  static {
    RocksDB.loadLibrary();
  }

  private final Options options;
  private final WriteOptions writeOptions;
  private final RocksDB db;

  RocksEngine(Path dir, boolean fsync) {
    try {
      Files.createDirectories(dir);
      options =
          new Options()
              .setCreateIfMissing(true)
              .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
              .setKeepLogFileNum(2)
              // The node's settings (io.dht.storage.NodeDatabase): small memtables, so the log replayed
              // after a crash stays short.
              .setWriteBufferSize(4L << 20)
              .setMaxWriteBufferNumber(2)
              .setMaxTotalWalSize(16L << 20);
      writeOptions = new WriteOptions().setSync(fsync);
      db = RocksDB.open(options, dir.toString());
    } catch (RocksDBException | java.io.IOException e) {
      throw new IllegalStateException("cannot open RocksDB at " + dir + ": " + e, e);
    }
  }

  @Override
  public void put(byte[] key, byte[] value) {
    try {
      db.put(writeOptions, key, value);
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public byte[] get(byte[] key) {
    try {
      return db.get(key);
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public int scanKeys() {
    int n = 0;
    try (RocksIterator it = db.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        n += it.key().length > 0 ? 1 : 0;
      }
    }
    return n;
  }

  @Override
  public long loadAll() {
    long bytes = 0;
    try (RocksIterator it = db.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        bytes += it.key().length + it.value().length;
      }
    }
    return bytes;
  }

  @Override
  public void close() {
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flush); // as the node does on close: the next open need not replay the log
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
    db.close();
    writeOptions.close();
    options.close();
  }
}
