package io.dht.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Do acknowledged writes survive {@code kill -9}? For each engine mode: a child JVM writes items and prints
 * {@code acked i} after each put returns; we SIGKILL it ({@link Process#destroyForcibly()}) after some acks, reopen
 * the store and check every acknowledged item is there with its value.
 *
 * <pre>java -cp dht-bench/target/benchmarks.jar io.dht.bench.CrashCheck [rounds] [engine...]</pre>
 */
public final class CrashCheck {
  private static final long ROUND_TIMEOUT_MS = 60_000;

  private CrashCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("child")) {
      child(Engine.Kind.valueOf(args[1]), Paths.get(args[2]));
      return;
    }
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    List<Engine.Kind> kinds = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      kinds.add(Engine.Kind.valueOf(args[i]));
    }
    if (kinds.isEmpty()) {
      kinds.addAll(Arrays.asList(Engine.Kind.values()));
    }
    System.out.printf("%-14s %5s %8s %8s %6s %10s%n", "engine", "round", "acked", "found", "lost", "unacked+");
    boolean allGood = true;
    for (Engine.Kind kind : kinds) {
      for (int round = 0; round < rounds; round++) {
        allGood &= round(kind, round, 200 + 700 * round);
      }
    }
    System.out.println(allGood ? "every acknowledged write survived kill -9" : "ACKNOWLEDGED WRITES WERE LOST");
    System.exit(allGood ? 0 : 1);
  }

  private static boolean round(Engine.Kind kind, int round, int killAfter) throws Exception {
    Path dir = Files.createTempDirectory("dht-crash-" + kind);
    try {
      String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
      // The child's acks go to a file: after a SIGKILL the file still holds every line it printed, whereas
      // Process.destroyForcibly() closes our end of a pipe.
      Path acks = dir.resolveSibling(dir.getFileName() + ".acks");
      Process child =
          new ProcessBuilder(
                  java, "-cp", System.getProperty("java.class.path"), CrashCheck.class.getName(), "child",
                  kind.name(), dir.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .redirectOutput(acks.toFile())
              .start();
      long deadline = System.currentTimeMillis() + ROUND_TIMEOUT_MS;
      try {
        while (lastAck(acks) + 1 < killAfter && child.isAlive() && System.currentTimeMillis() < deadline) {
          Thread.sleep(1);
        }
      } finally {
        child.destroyForcibly(); // SIGKILL: no shutdown hooks, no close
        if (!child.waitFor(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("child did not die");
        }
      }
      int lastAck = lastAck(acks);
      Files.deleteIfExists(acks);
      int found = 0;
      int extra = 0;
      try (Engine store = kind.open(dir)) {
        for (int i = 0; i <= lastAck; i++) {
          if (Arrays.equals(store.get(Data.keyFor(i)), Data.valueFor(i))) {
            found++;
          }
        }
        for (int i = lastAck + 1; store.get(Data.keyFor(i)) != null; i++) {
          extra++;
        }
      }
      int acked = lastAck + 1;
      System.out.printf(
          "%-14s %5d %8d %8d %6d %10d%n", kind, round, acked, found, acked - found, extra);
      return acked > 0 && found == acked;
    } finally {
      Engine.deleteTree(dir);
    }
  }

  /** The highest {@code acked i} on a complete line of the file, -1 if none. */
  private static int lastAck(Path acks) throws IOException {
    int last = -1;
    String text = Files.readString(acks, StandardCharsets.UTF_8);
    // Only whole lines: a line being written may be cut short.
    for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
      if (line.startsWith("acked ")) {
        last = Math.max(last, Integer.parseInt(line.substring(6).trim()));
      }
    }
    return last;
  }

  private static void child(Engine.Kind kind, Path dir) throws InterruptedException {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Engine store = kind.open(dir);
    for (int i = 0; i < 1_000_000; i++) {
      store.put(Data.keyFor(i), Data.valueFor(i));
      out.println("acked " + i);
    }
    Thread.sleep(ROUND_TIMEOUT_MS);
  }
}
