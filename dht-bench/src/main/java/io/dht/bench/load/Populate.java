package io.dht.bench.load;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;

/**
 * Keeps a target's routing table filled for a whole benchmark session: {@code count} contacts on 127.1.X.1, each
 * with its own node id, ping the target for a few seconds and then keep answering its queries until {@code
 * --seconds} have passed or the process is stopped. {@code bench/rivals} runs one per target, so that every run
 * of the load generator sees the same, responsive neighbourhood (contacts that stopped answering would drop out
 * of some targets' replies and make them smaller).
 *
 * <pre>java -cp dht-bench/target/benchmarks.jar io.dht.bench.load.Populate --target 127.0.0.21:6881 \
 *     [--count 200] [--ping-seconds 3] [--seconds 600]</pre>
 */
public final class Populate {
  private Populate() {}

  public static void main(String[] args) throws Exception {
    InetSocketAddress target = null;
    int count = 200;
    double pingSeconds = 3;
    double seconds = 600;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--target": {
          String v = args[i + 1];
          int c = v.lastIndexOf(':');
          InetAddress a = InetAddress.getByName(v.substring(0, c));
          if (!a.isLoopbackAddress()) {
            throw new IllegalArgumentException("loopback targets only, got " + v);
          }
          target = new InetSocketAddress(a, Integer.parseInt(v.substring(c + 1)));
          break;
        }
        case "--count": count = Math.max(1, Math.min(250, Integer.parseInt(args[i + 1]))); break;
        case "--ping-seconds": pingSeconds = Math.min(30, Double.parseDouble(args[i + 1])); break;
        case "--seconds": seconds = Math.min(3600, Double.parseDouble(args[i + 1])); break;
        default: throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (target == null) {
      throw new IllegalArgumentException("--target IP:PORT is required");
    }
    long runNanos = (long) (seconds * 1e9);
    try (Populator p = new Populator(target, count, runNanos, new SplittableRandom(7))) {
      p.populate((int) Math.max(1, Math.round(pingSeconds / 0.25)), 250);
      System.out.println("populated " + target + " from " + count + " contacts; serving");
      System.out.flush();
      p.awaitEnd();
      System.out.println("populator stopped: " + p.answered + " queries answered");
    }
  }
}
