package io.dht.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reads from a store of 10,000 items that was written, closed and reopened (so the data comes from the files,
 * not from a write buffer): a get by 20-byte key, and a scan of all keys (what expiry and re-replication do).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class StoreReadBench {
  @Param({"ROCKSDB", "MVSTORE"})
  public Engine.Kind engine;

  private Path dir;
  private Engine store;
  private byte[][] keys;
  private int[] order;
  private int next;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("dht-bench-read");
    keys = Data.keys(Data.ITEMS, 2);
    byte[][] values = Data.values(Data.ITEMS, 2);
    try (Engine w = engine.open(dir)) {
      for (int i = 0; i < keys.length; i++) {
        w.put(keys[i], values[i]);
      }
    }
    store = engine.open(dir);
    order = new java.util.SplittableRandom(3).ints(keys.length, 0, keys.length).toArray();
  }

  @TearDown(Level.Trial)
  public void close() {
    store.close();
    Engine.deleteTree(dir);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public byte[] get() {
    int i = next;
    next = i + 1 == order.length ? 0 : i + 1;
    return store.get(keys[order[i]]);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public int scanKeys() {
    return store.scanKeys();
  }
}
