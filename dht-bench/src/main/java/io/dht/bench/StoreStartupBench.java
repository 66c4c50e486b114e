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

/** A node restart: open a store holding 10,000 items, read every key and value, close. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class StoreStartupBench {
  @Param({"ROCKSDB", "MVSTORE"})
  public Engine.Kind engine;

  private Path dir;

  @Setup(Level.Trial)
  public void fill() throws IOException {
    dir = Files.createTempDirectory("dht-bench-startup");
    byte[][] keys = Data.keys(Data.ITEMS, 4);
    byte[][] values = Data.values(Data.ITEMS, 4);
    try (Engine w = engine.open(dir)) {
      for (int i = 0; i < keys.length; i++) {
        w.put(keys[i], values[i]);
      }
    }
  }

  @TearDown(Level.Trial)
  public void delete() {
    Engine.deleteTree(dir);
  }

  @Benchmark
  public long openAndLoad() {
    try (Engine store = engine.open(dir)) {
      return store.loadAll();
    }
  }
}
