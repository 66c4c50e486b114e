package io.dht.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * What JMH's averages do not show: per-put latency percentiles, bytes handed to the OS per put (write
 * amplification, from {@code /proc/self/io}), disk used, and the time to reopen and load the result. Writes
 * {@code puts} items cycling over 10,000 keys, one durable put at a time.
 *
 * <pre>java -cp dht-bench/target/benchmarks.jar io.dht.bench.Footprint [puts] [engine...]</pre>
 */
public final class Footprint {
  private Footprint() {}

  public static void main(String[] args) throws IOException {
    int puts = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    List<Engine.Kind> kinds = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      kinds.add(Engine.Kind.valueOf(args[i]));
    }
    if (kinds.isEmpty()) {
      kinds.addAll(List.of(Engine.Kind.ROCKSDB, Engine.Kind.MVSTORE));
    }
    byte[][] keys = Data.keys(Data.ITEMS, 5);
    byte[][] values = Data.values(Data.ITEMS, 5);
    System.out.printf(
        "%-14s %7s %8s %8s %8s %10s %9s %9s %10s%n",
        "engine", "puts", "p50 us", "p99 us", "max us", "bytes/put", "disk MB", "closed MB", "reopen ms");
    for (Engine.Kind kind : kinds) {
      Path dir = Files.createTempDirectory("dht-footprint-" + kind);
      try {
        long[] nanos = new long[puts];
        long written;
        long disk;
        try (Engine store = kind.open(dir)) {
          long before = writtenBytes();
          for (int i = 0; i < puts; i++) {
            int k = i % keys.length;
            long t0 = System.nanoTime();
            store.put(keys[k], values[k]);
            nanos[i] = System.nanoTime() - t0;
          }
          written = writtenBytes() - before;
          disk = size(dir);
        }
        long closed = size(dir);
        long t0 = System.nanoTime();
        try (Engine store = kind.open(dir)) {
          store.loadAll();
        }
        long reopen = System.nanoTime() - t0;
        Arrays.sort(nanos);
        System.out.printf(
            "%-14s %7d %8.1f %8.1f %8.1f %10d %9.1f %9.1f %10.1f%n",
            kind,
            puts,
            nanos[puts / 2] / 1e3,
            nanos[(int) (puts * 0.99)] / 1e3,
            nanos[puts - 1] / 1e3,
            written / puts,
            disk / 1e6,
            closed / 1e6,
            reopen / 1e6);
      } finally {
        Engine.deleteTree(dir);
      }
    }
  }

  /** Bytes this process has passed to write(2) and friends so far ({@code wchar}), or 0 off Linux. */
  private static long writtenBytes() throws IOException {
    Path io = Path.of("/proc/self/io");
    if (!Files.isReadable(io)) {
      return 0;
    }
    for (String line : Files.readAllLines(io)) {
      if (line.startsWith("wchar:")) {
        return Long.parseLong(line.substring(6).trim());
      }
    }
    return 0;
  }

  private static long size(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
