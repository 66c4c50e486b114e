package io.dht.storage;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.ItemStore;
import io.dht.node.DhtConfig;
import io.dht.node.DhtNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The node's embedded database: one RocksDB under {@code <dataDir>/db/} with a column family for BEP 44 items
 * ({@link #items()}) and one for announced peers ({@link #peers()}). The engine and its settings were chosen by
 * measurement ({@code docs/storage.md}).
 *
 * <p><b>Durability.</b> Every write goes to RocksDB's write-ahead log, which is handed to the operating system
 * before the write returns: a {@code kill -9} right after a put was acknowledged loses nothing. Surviving a power
 * loss as well needs an fsync per write ({@link Settings#withFsync}), which costs milliseconds on ordinary disks.
 *
 * <p><b>Robustness.</b> A record that does not decode is skipped with a warning and deleted, never fatal. A
 * database that RocksDB reports as corrupt is moved aside to {@code db.corrupt-<millis>} with a warning and a new,
 * empty one is created. A database locked by another process (another node on the same data directory) is an
 * {@link IllegalStateException} naming the path.
 *
 * <p><b>Threads.</b> {@link #items()} and {@link #peers()} are used by the node's loop thread only (like the
 * in-memory stores they replace). {@link #close()} may come from any thread: it waits for a store call in progress
 * and makes later calls fail with {@link IllegalStateException} instead of touching freed native memory. Close the
 * node first, then the database.
 */
public final class NodeDatabase implements AutoCloseable {
  /** The database's folder inside the data directory. */
  public static final String DIRECTORY = "db";

  private static final System.Logger LOG = System.getLogger(NodeDatabase.class.getName());
  private static final byte[] ITEMS_FAMILY = "items".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] PEERS_FAMILY = "peers".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final long WARNING_INTERVAL_MILLIS = 60_000;

  /**
   * Bounds, times and clocks.
   *
   * @param itemTtlNanos an item expires this long after its last put (BEP 44: 2 hours)
   * @param maxItems bound on stored items; when full, the item farthest from our id goes (as in the core's store)
   * @param peerTtlNanos a journaled peer is dropped this long after its last announce (BEP 5: 30 minutes)
   * @param maxPeerRecords bound on journaled peers; beyond it the oldest announces are dropped
   * @param fsync fsync the log on every write (survives power loss, costs milliseconds per write)
   * @param wallMillis wall clock, for the times written to disk
   * @param monotonicNanos the node's monotonic clock (the same one as the {@code now} passed to the stores)
   */
  public record Settings(
      long itemTtlNanos,
      int maxItems,
      long peerTtlNanos,
      int maxPeerRecords,
      boolean fsync,
      LongSupplier wallMillis,
      LongSupplier monotonicNanos) {
    public Settings {
      if (itemTtlNanos <= 0 || peerTtlNanos <= 0 || maxItems <= 0 || maxPeerRecords <= 0) {
        throw new IllegalArgumentException("times to live and bounds must be positive");
      }
    }

    /**
     * The node's defaults: {@link DhtNode#ITEM_TTL_NANOS}, {@link DhtNode#DEFAULT_MAX_ITEMS}, the default peer
     * time to live, 100,000 journaled peers, no fsync, {@code System.currentTimeMillis} and {@code System.nanoTime}.
     */
    public static Settings defaults() {
      return new Settings(
          DhtNode.ITEM_TTL_NANOS,
          DhtNode.DEFAULT_MAX_ITEMS,
          DhtConfig.defaults().peerTtl().toNanos(),
          100_000,
          false,
          System::currentTimeMillis,
          System::nanoTime);
    }

    public Settings withItems(long ttlNanos, int max) {
      return new Settings(ttlNanos, max, peerTtlNanos, maxPeerRecords, fsync, wallMillis, monotonicNanos);
    }

    public Settings withPeers(long ttlNanos, int maxRecords) {
      return new Settings(itemTtlNanos, maxItems, ttlNanos, maxRecords, fsync, wallMillis, monotonicNanos);
    }

    public Settings withFsync(boolean on) {
      return new Settings(itemTtlNanos, maxItems, peerTtlNanos, maxPeerRecords, on, wallMillis, monotonicNanos);
    }

    public Settings withClocks(LongSupplier wall, LongSupplier monotonic) {
      return new Settings(itemTtlNanos, maxItems, peerTtlNanos, maxPeerRecords, fsync, wall, monotonic);
    }
  }

  private final Path path;
  private final Settings settings;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final List<AutoCloseable> resources; // closed in reverse order
  private final RocksDB db;
  private final WriteOptions writeOptions;
  private final ColumnFamilyHandle itemsFamily;
  private final ColumnFamilyHandle peersFamily;
  private final ColumnFamilyHandle defaultFamily;
  private final PersistentItemStore items;
  private final PeerJournal peers;
  private boolean closed;
  private long lastWarningMillis = Long.MIN_VALUE;
  private int suppressedWarnings;

  private NodeDatabase(Path path, Settings settings, NodeId self) {
    this.path = path;
    this.settings = settings;
    List<AutoCloseable> res = new ArrayList<>();
    try {
      LRUCache cache = new LRUCache(8L << 20);
      res.add(cache);
      ColumnFamilyOptions familyOptions =
          new ColumnFamilyOptions()
              .setWriteBufferSize(4L << 20)
              .setMaxWriteBufferNumber(2)
              .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache));
      res.add(familyOptions);
      DBOptions options =
          new DBOptions()
              .setCreateIfMissing(true)
              .setCreateMissingColumnFamilies(true)
              .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
              .setKeepLogFileNum(2)
              .setMaxLogFileSize(1L << 20)
              .setMaxTotalWalSize(16L << 20);
      res.add(options);
      writeOptions = new WriteOptions().setSync(settings.fsync());
      res.add(writeOptions);
      List<ColumnFamilyDescriptor> families =
          List.of(
              new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions),
              new ColumnFamilyDescriptor(ITEMS_FAMILY, familyOptions),
              new ColumnFamilyDescriptor(PEERS_FAMILY, familyOptions));
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      db = openOrQuarantine(path, options, families, handles);
      res.add(db);
      res.addAll(handles); // handles close before the database
      defaultFamily = handles.get(0);
      itemsFamily = handles.get(1);
      peersFamily = handles.get(2);
      resources = res;
      items = new PersistentItemStore(this, self, settings);
      peers = new PeerJournal(this, settings);
    } catch (RuntimeException | Error e) {
      closeAll(res);
      throw e;
    }
  }

  /** Opens (creating if missing) the database of {@code dataDir} with the node's defaults. */
  public static NodeDatabase open(Path dataDir, NodeId self) {
    return open(dataDir, self, Settings.defaults());
  }

  /**
   * Opens (creating if missing) the database in {@code <dataDir>/db/} and loads the index of stored items
   * (dropping those that expired while the node was down).
   *
   * @throws IllegalStateException when the database is locked by another process or cannot be opened; the
   *     message names the path and the cause
   */
  public static NodeDatabase open(Path dataDir, NodeId self, Settings settings) {
    Path path = dataDir.resolve(DIRECTORY);
    try {
      Files.createDirectories(path);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create node database directory " + path + ": " + e, e);
    }
    try {
      RocksNative.load();
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new IllegalStateException(
          "cannot open node database " + path + ": RocksDB's native library does not load: " + oneLine(e), e);
    }
    return new NodeDatabase(path, settings, self);
  }

  private static RocksDB openOrQuarantine(
      Path path, DBOptions options, List<ColumnFamilyDescriptor> families, List<ColumnFamilyHandle> handles) {
    try {
      return RocksDB.open(options, path.toString(), families, handles);
    } catch (RocksDBException e) {
      if (isLockError(e)) {
        throw new IllegalStateException(
            "node database " + path + " is locked by another process (is another node using this data "
                + "directory?): " + oneLine(e),
            e);
      }
      if (e.getStatus() == null || e.getStatus().getCode() != Status.Code.Corruption) {
        throw new IllegalStateException("cannot open node database " + path + ": " + oneLine(e), e);
      }
      Path aside = path.resolveSibling(DIRECTORY + ".corrupt-" + System.currentTimeMillis());
      LOG.log(
          System.Logger.Level.WARNING,
          "node database " + path + " is corrupt (" + oneLine(e) + "); moved it to " + aside
              + " and starting with an empty one");
      try {
        Files.move(path, aside);
        Files.createDirectories(path);
        handles.clear();
        return RocksDB.open(options, path.toString(), families, handles);
      } catch (IOException | RocksDBException again) {
        throw new IllegalStateException(
            "node database " + path + " is corrupt and could not be replaced: " + oneLine(again), again);
      }
    }
  }

  private static boolean isLockError(RocksDBException e) {
    String m = String.valueOf(e.getMessage());
    // Another process: "While lock file: <dir>/LOCK: Resource temporarily unavailable"; this process:
    // "lock hold by current process".
    return m.contains("lock file") || m.contains("/LOCK") || m.contains("lock hold");
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
  }

  /** The BEP 44 item store, to hand to {@code new DhtNode(..., items)}. Loop thread only. */
  public ItemStore items() {
    return items;
  }

  /** The peer journal, to install with {@code peerStore().setJournal(...)}. Loop thread only. */
  public PeerJournal peers() {
    return peers;
  }

  /** The database folder, {@code <dataDir>/db}. */
  public Path path() {
    return path;
  }

  Settings settings() {
    return settings;
  }

  /**
   * Flushes the in-memory table (so the next open need not replay the log) and releases the database and its
   * lock; idempotent. Store calls after this fail with {@link IllegalStateException}.
   */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
        db.flush(flush, List.of(itemsFamily, peersFamily));
      } catch (RocksDBException e) {
        LOG.log(System.Logger.Level.WARNING, "node database " + path + ": flush on close failed: " + oneLine(e));
      }
      closeAll(resources);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private static void closeAll(List<AutoCloseable> res) {
    for (int i = res.size() - 1; i >= 0; i--) {
      try {
        res.get(i).close();
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "closing " + res.get(i) + " failed: " + oneLine(e));
      }
    }
  }

  // Access for the stores. Each call holds the read lock and resolves the column family inside it, so close()
  // cannot free native memory under a call in progress (RocksDB would crash the JVM, not throw).

  /** The column families: items and peers for the stores, the default one for node state (the routing table). */
  enum Family {
    ITEMS,
    PEERS,
    STATE
  }

  private ColumnFamilyHandle handle(Family family) {
    if (closed) {
      throw new IllegalStateException("node database " + path + " is closed");
    }
    return switch (family) {
      case ITEMS -> itemsFamily;
      case PEERS -> peersFamily;
      case STATE -> defaultFamily;
    };
  }

  private static final byte[] ROUTING_TABLE_KEY = "routing-table".getBytes(StandardCharsets.US_ASCII);

  /**
   * Replaces the saved routing table: one record, each contact as a length byte (26 or 38) and its compact node
   * info (id, address, port).
   */
  public void saveRoutingTable(List<Contact> contacts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(contacts.size() * (Contact.COMPACT_V4 + 1));
    byte[] buf = new byte[Contact.COMPACT_V6];
    for (Contact c : contacts) {
      int n = c.writeCompact(buf, 0);
      out.write(n);
      out.write(buf, 0, n);
    }
    try {
      put(Family.STATE, ROUTING_TABLE_KEY, out.toByteArray());
    } catch (RocksDBException e) {
      warnFailure("saving the routing table", e);
    }
  }

  /** The saved routing table; empty when none was saved (a corrupt tail is dropped with a warning). */
  public List<Contact> loadRoutingTable() {
    byte[] v;
    try {
      v = get(Family.STATE, ROUTING_TABLE_KEY);
    } catch (RocksDBException e) {
      warnFailure("loading the routing table", e);
      return List.of();
    }
    if (v == null) {
      return List.of();
    }
    List<Contact> out = new ArrayList<>();
    int i = 0;
    while (i < v.length) {
      int n = v[i] & 0xff;
      if ((n != Contact.COMPACT_V4 && n != Contact.COMPACT_V6) || i + 1 + n > v.length) {
        LOG.log(
            System.Logger.Level.WARNING,
            "node database " + path + ": routing table record is corrupt at byte " + i + "; keeping the "
                + out.size() + " contacts before it");
        break;
      }
      NodeId id = NodeId.of(v, i + 1);
      out.add(new Contact(id, Endpoint.fromCompact(v, i + 1 + NodeId.LENGTH, n - NodeId.LENGTH)));
      i += 1 + n;
    }
    return out;
  }

  byte[] get(Family family, byte[] key) throws RocksDBException {
    lock.readLock().lock();
    try {
      return db.get(handle(family), key);
    } finally {
      lock.readLock().unlock();
    }
  }

  void put(Family family, byte[] key, byte[] value) throws RocksDBException {
    lock.readLock().lock();
    try {
      db.put(handle(family), writeOptions, key, value);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Deletes {@code deletes} and then, unless {@code putKey} is null, puts one record: atomically. */
  void update(Family family, List<byte[]> deletes, byte[] putKey, byte[] putValue) throws RocksDBException {
    lock.readLock().lock();
    try (WriteBatch batch = new WriteBatch()) {
      ColumnFamilyHandle h = handle(family);
      for (byte[] key : deletes) {
        batch.delete(h, key);
      }
      if (putKey != null) {
        batch.put(h, putKey, putValue);
      }
      db.write(writeOptions, batch);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Writes a raw record, for tests that plant corrupt ones. */
  void putRaw(boolean items, byte[] key, byte[] value) throws RocksDBException {
    put(items ? Family.ITEMS : Family.PEERS, key, value);
  }

  /** Visits every record of {@code family} in key order. */
  void forEach(Family family, BiConsumer<byte[], byte[]> visitor) throws RocksDBException {
    lock.readLock().lock();
    try (RocksIterator it = db.newIterator(handle(family))) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        visitor.accept(it.key(), it.value());
      }
      it.status();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Logs a failed read or write: the first at once, then at most one a minute with the count skipped. */
  synchronized void warnFailure(String what, Exception e) {
    long now = settings.wallMillis().getAsLong();
    if (lastWarningMillis != Long.MIN_VALUE && now - lastWarningMillis < WARNING_INTERVAL_MILLIS) {
      suppressedWarnings++;
      return;
    }
    String skipped = suppressedWarnings > 0 ? " (" + suppressedWarnings + " similar failures not logged)" : "";
    LOG.log(System.Logger.Level.WARNING, "node database " + path + ": " + what + " failed: " + oneLine(e) + skipped);
    lastWarningMillis = now;
    suppressedWarnings = 0;
  }

  static void warnCorrupt(String what, byte[] key, RuntimeException e) {
    LOG.log(
        System.Logger.Level.WARNING,
        "skipping corrupt " + what + " record " + Records.hex(key) + ": " + oneLine(e) + " (deleted)");
  }
}
