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
 * A durable put of a ~300-byte item under a 20-byte key, cycling over 10,000 keys (new items first, then
 * re-puts, as a storing node sees them). Durable = survives kill -9 of the process when put returns; the
 * {@code _FSYNC} modes survive a power loss too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class StoreWriteBench {
  @Param({"ROCKSDB", "MVSTORE", "ROCKSDB_FSYNC", "MVSTORE_FSYNC"})
  public Engine.Kind engine;

  private Path dir;
  private Engine store;
  private byte[][] keys;
  private byte[][] values;
  private int next;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("dht-bench-write");
    store = engine.open(dir);
    keys = Data.keys(Data.ITEMS, 1);
    values = Data.values(Data.ITEMS, 1);
  }

  @TearDown(Level.Trial)
  public void close() {
    store.close();
    Engine.deleteTree(dir);
  }

  @Benchmark
  public void put() {
    int i = next;
    next = i + 1 == keys.length ? 0 : i + 1;
    store.put(keys[i], values[i]);
  }
}
