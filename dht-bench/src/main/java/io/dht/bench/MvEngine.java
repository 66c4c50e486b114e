package io.dht.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ByteArrayDataType;

/**
 * H2 MVStore, one file; a {@code commit()} after every put, and with {@code fsync} a {@code sync()} too. Retention
 * time 0, the setting that keeps the file small under a commit per put.
 */
final class MvEngine implements Engine {
  private final MVStore store;
  private final MVMap<byte[], byte[]> map;
  private final boolean fsync;

  MvEngine(Path dir, boolean fsync) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.fsync = fsync;
    store = new MVStore.Builder().fileName(dir.resolve("bench.mv").toString()).open();
    // A commit per put writes a new chunk (tens of KB); with the default 45 s retention the file grows by that
    // much per put until old chunks may be reused (1.6 GB after 50,000 puts). Retention 0 reuses space at once;
    // it is safe against a process crash (the page cache is coherent), not against a power loss.
    store.setRetentionTime(0);
    map =
        store.openMap(
            "items",
            new MVMap.Builder<byte[], byte[]>()
                .keyType(KeyType.INSTANCE)
                .valueType(ByteArrayDataType.INSTANCE));
  }

  @Override
  public void put(byte[] key, byte[] value) {
    map.put(key, value);
    store.commit();
    if (fsync) {
      store.sync();
    }
  }

  @Override
  public byte[] get(byte[] key) {
    return map.get(key);
  }

  @Override
  public int scanKeys() {
    int n = 0;
    Iterator<byte[]> it = map.keyIterator(null);
    while (it.hasNext()) {
      n += it.next().length > 0 ? 1 : 0;
    }
    return n;
  }

  @Override
  public long loadAll() {
    long bytes = 0;
    for (Iterator<Map.Entry<byte[], byte[]>> it = map.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<byte[], byte[]> e = it.next();
      bytes += e.getKey().length + e.getValue().length;
    }
    return bytes;
  }

  @Override
  public void close() {
    store.close();
  }

  /** Byte-array keys in unsigned lexicographic order (what RocksDB's default comparator does). */
  static final class KeyType extends BasicDataType<byte[]> {
    static final KeyType INSTANCE = new KeyType();

    @Override
    public int compare(byte[] a, byte[] b) {
      return Arrays.compareUnsigned(a, b);
    }

    @Override
    public int getMemory(byte[] key) {
      return 24 + key.length;
    }

    @Override
    public void write(WriteBuffer buff, byte[] key) {
      buff.putVarInt(key.length).put(key);
    }

    @Override
    public byte[] read(ByteBuffer buff) {
      int len = org.h2.mvstore.DataUtils.readVarInt(buff);
      byte[] key = new byte[len];
      buff.get(key);
      return key;
    }

    @Override
    public byte[][] createStorage(int size) {
      return new byte[size][];
    }
  }
}
