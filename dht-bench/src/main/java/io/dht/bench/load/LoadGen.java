package io.dht.bench.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A KRPC load generator for one DHT node (or a UDP echo) on loopback.
 *
 * <pre>
 * java -cp dht-bench/target/benchmarks.jar io.dht.bench.load.LoadGen --target 127.0.0.20:6881 \
 *     [--query ping|find_node|get_peers|mix] [--window 128] [--sources 4] [--threads 1] [--seconds 10]
 *     [--warmup 3] [--timeout-ms 250] [--ids 1024] [--info-hashes 1024] [--populate 0] [--target-pid PID]
 *     [--source-base 127.0.0.100] [--label NAME] [--no-answer] [--echo]
 * </pre>
 *
 * Keeps {@code --window} queries in flight in total, spread over {@code --sources} channels, each bound to its own
 * 127.0.0.x (from {@code --source-base} up) and connected to the target, served by {@code --threads} threads. Each
 * query carries a sender id drawn from a pool of {@code --ids} and a 4-byte transaction id naming its window slot
 * and a generation; a reply refills its slot at once, a query unanswered after {@code --timeout-ms} counts as lost
 * and is replaced. {@code mix} is 60 % get_peers, 25 % find_node, 10 % ping and 5 % announce_peer, each announce
 * spending the token a get_peers reply gave that source for that info-hash. Counts only what happens during the
 * {@code --seconds} after {@code --warmup}. {@code --populate N} first fills the target's routing table from N
 * extra addresses (127.1.X.1) that keep answering the target's queries during the run. {@code --echo} is for a
 * UDP echo target: the query that comes back is counted as the answer. {@code --target-pid}
 * reports the target process's CPU use (all its threads, from /proc) over the measured interval.
 *
 * <p>Prints a human summary and one {@code RESULT key=value ...} line for scripts. Every loop is bounded: the run
 * ends at its deadline (at most 300 s in all) whatever the target does.
 */
public final class LoadGen {
  static final class Options {
    InetSocketAddress target;
    int query = Wire.PING; // -1 = mix
    String queryName = "ping";
    int window = 128;
    int sources = 4;
    int threads = 1;
    double seconds = 10;
    double warmupSeconds = 3;
    long timeoutMillis = 250;
    int ids = 1024;
    int infoHashes = 1024;
    int populate;
    double populateSeconds = 3;
    long targetPid = -1;
    String sourceBase = "127.0.0.100";
    String label = "";
    boolean answerQueries = true;
    boolean echo;
    long seed = 42;
  }

  private LoadGen() {}

  public static void main(String[] args) throws Exception {
    Options opt;
    try {
      opt = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("loadgen: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.exit(run(opt) ? 0 : 1);
  }

  static Options parse(String[] args) throws IOException {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--no-answer")) {
        o.answerQueries = false;
        continue;
      }
      if (a.equals("--echo")) {
        o.echo = true; // the target is a UDP echo: our own query coming back is its answer
        continue;
      }
      if (a.equals("--help") || a.equals("-h")) {
        throw new IllegalArgumentException(
            "usage: LoadGen --target IP:PORT [--query ping|find_node|get_peers|mix] [--window N] [--sources N]"
                + " [--threads N] [--seconds S] [--warmup S] [--timeout-ms MS] [--ids N] [--info-hashes N]"
                + " [--populate N] [--populate-seconds S] [--target-pid PID] [--source-base IP] [--label NAME]"
                + " [--seed N] [--no-answer] [--echo]");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--target": {
          int c = v.lastIndexOf(':');
          if (c < 0) {
            throw new IllegalArgumentException("--target must be IP:PORT");
          }
          InetAddress addr = InetAddress.getByName(v.substring(0, c));
          if (!addr.isLoopbackAddress()) {
            throw new IllegalArgumentException("loopback targets only (127.0.0.0/8), got " + v);
          }
          o.target = new InetSocketAddress(addr, Integer.parseInt(v.substring(c + 1)));
          break;
        }
        case "--query":
          o.queryName = v;
          switch (v) {
            case "ping": o.query = Wire.PING; break;
            case "find_node": o.query = Wire.FIND_NODE; break;
            case "get_peers": o.query = Wire.GET_PEERS; break;
            case "mix": o.query = -1; break;
            default: throw new IllegalArgumentException("--query must be ping, find_node, get_peers or mix");
          }
          break;
        case "--window": o.window = bounded(a, v, 1, 65_536); break;
        case "--sources": o.sources = bounded(a, v, 1, 64); break;
        case "--threads": o.threads = bounded(a, v, 1, 16); break;
        case "--seconds": o.seconds = boundedSeconds(a, v, 0.1, 120); break;
        case "--warmup": o.warmupSeconds = boundedSeconds(a, v, 0, 60); break;
        case "--timeout-ms": o.timeoutMillis = bounded(a, v, 1, 10_000); break;
        case "--ids": o.ids = bounded(a, v, 1, 65_536); break;
        case "--info-hashes": o.infoHashes = bounded(a, v, 1, 4096); break;
        case "--populate": o.populate = bounded(a, v, 0, 250); break;
        case "--populate-seconds": o.populateSeconds = boundedSeconds(a, v, 0, 30); break;
        case "--target-pid": o.targetPid = Long.parseLong(v); break;
        case "--source-base": o.sourceBase = v; break;
        case "--label": o.label = v; break;
        case "--seed": o.seed = Long.parseLong(v); break;
        default: throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (o.target == null) {
      throw new IllegalArgumentException("--target IP:PORT is required");
    }
    o.threads = Math.min(o.threads, o.sources);
    if (o.window < o.sources) {
      o.sources = o.window;
      o.threads = Math.min(o.threads, o.sources);
    }
    return o;
  }

  private static int bounded(String name, String v, int min, int max) {
    int n = Integer.parseInt(v);
    if (n < min || n > max) {
      throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + v);
    }
    return n;
  }

  private static double boundedSeconds(String name, String v, double min, double max) {
    double d = Double.parseDouble(v);
    if (!(d >= min && d <= max)) {
      throw new IllegalArgumentException(name + " must be " + min + ".." + max + " seconds, got " + v);
    }
    return d;
  }

  static boolean run(Options opt) throws Exception {
    // Each query type gets its own ids and info-hashes: peers announced in a mix run must not turn a later
    // get_peers run's replies into 'values' replies.
    SplittableRandom random = new SplittableRandom(opt.seed * 31 + opt.query);
    byte[][] ids = randomIds(opt.ids, random);
    byte[][] keys = randomIds(Math.max(4096, opt.infoHashes), random);
    byte[] mix = mixPattern(random);

    byte[] base = InetAddress.getByName(opt.sourceBase).getAddress();
    List<Source> sources = new ArrayList<>();
    Populator populator = null;
    long runNanos = (long) ((opt.warmupSeconds + opt.seconds + opt.populateSeconds + 5) * 1e9);
    try {
      for (int i = 0; i < opt.sources; i++) {
        byte[] a = base.clone();
        int last = (a[3] & 0xff) + i;
        a[3] = (byte) last;
        InetAddress addr = InetAddress.getByAddress(a);
        if (!addr.isLoopbackAddress() || last > 254) {
          throw new IllegalArgumentException("source " + addr + " is not a usable loopback address");
        }
        int window = opt.window / opt.sources + (i < opt.window % opt.sources ? 1 : 0);
        sources.add(new Source(i, addr, opt.target, window, opt.infoHashes));
      }
      if (opt.populate > 0) {
        populator = new Populator(opt.target, opt.populate, runNanos, random);
        int rounds = (int) Math.max(1, Math.round(opt.populateSeconds / 0.25));
        populator.populate(rounds, 250);
      }

      long start = System.nanoTime();
      Worker[] workers = new Worker[opt.threads];
      Thread[] threads = new Thread[opt.threads];
      for (int t = 0; t < opt.threads; t++) {
        List<Source> mine = new ArrayList<>();
        for (int i = t; i < sources.size(); i += opt.threads) {
          mine.add(sources.get(i));
        }
        workers[t] = new Worker(mine.toArray(new Source[0]), opt, ids, keys, mix, random.nextLong(), start);
        threads[t] = new Thread(workers[t], "loadgen-" + t);
      }
      long[] cpuBefore = new long[1];
      Thread pidSampler = null;
      if (opt.targetPid > 0) {
        long measureStartMillis = (long) (opt.warmupSeconds * 1000);
        pidSampler =
            new Thread(
                () -> {
                  try {
                    Thread.sleep(measureStartMillis);
                    cpuBefore[0] = processCpuTicks(opt.targetPid);
                  } catch (InterruptedException | IOException e) {
                    cpuBefore[0] = -1;
                  }
                },
                "loadgen-pid");
        pidSampler.start();
      }
      for (Thread th : threads) {
        th.start();
      }
      long joinDeadline = System.nanoTime() + runNanos;
      for (Thread th : threads) {
        th.join(Math.max(1, (joinDeadline - System.nanoTime()) / 1_000_000));
      }
      long targetCpuTicks = -1;
      if (pidSampler != null) {
        pidSampler.join(1000);
        try {
          long after = processCpuTicks(opt.targetPid);
          targetCpuTicks = cpuBefore[0] >= 0 ? after - cpuBefore[0] : -1;
        } catch (IOException e) {
          targetCpuTicks = -1;
        }
      }
      return report(opt, workers, populator, targetCpuTicks);
    } finally {
      if (populator != null) {
        populator.close();
      }
      for (Source s : sources) {
        s.close();
      }
    }
  }

  private static boolean report(Options opt, Worker[] workers, Populator populator, long targetCpuTicks) {
    long[] answers = new long[Wire.TYPES];
    long[] errors = new long[Wire.TYPES];
    long[] timeouts = new long[Wire.TYPES];
    long[] bytes = new long[Wire.TYPES];
    long[] nodes = new long[Wire.TYPES];
    long[] nodeReplies = new long[Wire.TYPES];
    Histogram all = new Histogram();
    Histogram[] per = new Histogram[Wire.TYPES];
    long sent = 0;
    long sendFailures = 0;
    long ioErrors = 0;
    long queries = 0;
    long unmatched = 0;
    long genCpu = 0;
    boolean ok = true;
    for (int t = 0; t < Wire.TYPES; t++) {
      per[t] = new Histogram();
    }
    for (Worker w : workers) {
      if (w.failure != null) {
        System.err.println("loadgen: worker failed: " + w.failure);
        ok = false;
      }
      for (int t = 0; t < Wire.TYPES; t++) {
        answers[t] += w.answers[t];
        errors[t] += w.errors[t];
        timeouts[t] += w.timeouts[t];
        bytes[t] += w.replyBytes[t];
        nodes[t] += w.nodesSum[t];
        nodeReplies[t] += w.nodesReplies[t];
        per[t].add(w.latency[t]);
        all.add(w.latency[t]);
      }
      sent += w.sent;
      sendFailures += w.sendFailures;
      ioErrors += w.ioErrors;
      queries += w.queriesAnswered;
      unmatched += w.unmatched;
      genCpu += Math.max(0, w.cpuNanos);
    }
    long totalAnswers = sum(answers);
    long totalErrors = sum(errors);
    long totalTimeouts = sum(timeouts);
    double rate = totalAnswers / opt.seconds;
    double loss = 100.0 * totalTimeouts / Math.max(1, totalAnswers + totalErrors + totalTimeouts);
    double genCpuPct = 100.0 * genCpu / (opt.seconds * 1e9);
    double targetCpuPct = targetCpuTicks < 0 ? -1 : 100.0 * targetCpuTicks / clockTicksPerSecond() / opt.seconds;
    long avgBytes = totalAnswers == 0 ? 0 : sum(bytes) / totalAnswers;
    double avgNodes = sum(nodeReplies) == 0 ? -1 : (double) sum(nodes) / sum(nodeReplies);

    System.out.printf(
        Locale.ROOT,
        "%s%s %s window=%d sources=%d threads=%d: %.0f answers/s over %.1f s (after %.1f s warm-up), loss %.3f %%,"
            + " errors %d%n",
        opt.label.isEmpty() ? "" : opt.label + ": ",
        opt.target.getAddress().getHostAddress() + ":" + opt.target.getPort(),
        opt.queryName, opt.window, opt.sources, opt.threads, rate, opt.seconds, opt.warmupSeconds, loss,
        totalErrors);
    System.out.printf(
        Locale.ROOT,
        "  latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f; reply %d bytes avg%s%n",
        all.quantile(0.5) / 1e3, all.quantile(0.9) / 1e3, all.quantile(0.99) / 1e3, all.quantile(0.999) / 1e3,
        all.max() / 1e3, avgBytes, avgNodes < 0 ? "" : String.format(Locale.ROOT, ", %.1f nodes per reply", avgNodes));
    System.out.printf(
        Locale.ROOT,
        "  generator cpu %.0f %% of one core; target cpu %s; sent %d (send failures %d, io errors %d),"
            + " unmatched %d, target queries answered %d%s%n",
        genCpuPct, targetCpuPct < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f %%", targetCpuPct), sent,
        sendFailures, ioErrors, unmatched, queries,
        populator == null ? "" : ", populator pings " + populator.pings + " answered " + populator.answered);
    if (opt.query < 0) {
      for (int t = 0; t < Wire.TYPES; t++) {
        System.out.printf(
            Locale.ROOT,
            "  %-13s %9.0f answers/s  errors %d  timeouts %d  p50 %.1f us  p99 %.1f us%n",
            Wire.NAMES[t], answers[t] / opt.seconds, errors[t], timeouts[t], per[t].quantile(0.5) / 1e3,
            per[t].quantile(0.99) / 1e3);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "RESULT label=%s target=%s query=%s window=%d sources=%d threads=%d seconds=%.1f answers_per_s=%.0f"
            + " loss_pct=%.3f errors=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f avg_reply_bytes=%d"
            + " avg_nodes=%.1f gen_cpu_pct=%.0f target_cpu_pct=%.0f%n",
        opt.label.isEmpty() ? "-" : opt.label,
        opt.target.getAddress().getHostAddress() + ":" + opt.target.getPort(), opt.queryName, opt.window,
        opt.sources, opt.threads, opt.seconds, rate, loss, totalErrors, all.quantile(0.5) / 1e3,
        all.quantile(0.9) / 1e3, all.quantile(0.99) / 1e3, all.quantile(0.999) / 1e3, avgBytes, avgNodes,
        genCpuPct, targetCpuPct);
    return ok && totalAnswers > 0;
  }

  private static long sum(long[] a) {
    long s = 0;
    for (long v : a) {
      s += v;
    }
    return s;
  }

  /** utime + stime of a process (all threads), in clock ticks, from /proc/PID/stat. */
  static long processCpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of the full line
  }

  private static double clockTicksPerSecond() {
    return 100.0; // USER_HZ on Linux
  }

  private static byte[][] randomIds(int n, SplittableRandom random) {
    byte[][] out = new byte[n][20];
    for (byte[] id : out) {
      random.nextBytes(id);
    }
    return out;
  }

  /** 20 queries: 12 get_peers, 5 find_node, 2 ping, 1 announce_peer, in a fixed shuffled order. */
  private static byte[] mixPattern(SplittableRandom random) {
    byte[] p = new byte[20];
    int i = 0;
    for (int n = 0; n < 12; n++) {
      p[i++] = Wire.GET_PEERS;
    }
    for (int n = 0; n < 5; n++) {
      p[i++] = Wire.FIND_NODE;
    }
    for (int n = 0; n < 2; n++) {
      p[i++] = Wire.PING;
    }
    p[i] = Wire.ANNOUNCE;
    for (int j = p.length - 1; j > 0; j--) {
      int k = random.nextInt(j + 1);
      byte t = p[j];
      p[j] = p[k];
      p[k] = t;
    }
    return p;
  }
}
