package io.dht.cli;

import io.dht.Dht;
import io.dht.id.Endpoint;
import io.dht.share.Fetch;
import io.dht.share.FetchOptions;
import io.dht.share.FetchProgress;
import io.dht.share.Magnet;
import io.dht.share.ShareException;
import io.dht.share.SwarmStats;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code dht fetch MAGNET|INFOHASH}: downloads into {@code --out} with a progress bar on stderr (bytes, rate,
 * peers, ETA), prints the finished path on stdout, then seeds until SIGINT/SIGTERM unless {@code --no-seed}. The
 * main thread only polls the fetch's progress and waits with bounds; a shutdown hook closes the fetch (keeping
 * the {@code .part} data for a resume) and the node.
 */
@Command(
    name = "fetch",
    mixinStandardHelpOptions = true,
    description = "Download a magnet link (or info-hash), then seed it until Ctrl-C unless --no-seed.")
final class FetchCommand implements Callable<Integer> {
  private static final long POLL_MILLIS = 200;
  private static final int BAR_WIDTH = 24;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "MAGNET|INFOHASH", converter = MagnetConverter.class,
      description = "A magnet link (magnet:?xt=urn:btih:...) or an info-hash (40 hex digits).")
  Magnet magnet;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = ".", description = "Where to put the files (default: .).")
  Path out;

  @Option(
      names = "--bootstrap",
      paramLabel = "HOST:PORT",
      converter = Converters.HostPort.class,
      description = "A DHT node to join through (repeatable).")
  List<Endpoint> bootstrap = new ArrayList<>();

  @Option(names = "--no-seed", description = "Exit when the download is complete instead of seeding.")
  boolean noSeed;

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      defaultValue = "0.0.0.0",
      converter = Converters.Address.class,
      description = "Local address for the DHT node and TCP (default: ${DEFAULT-VALUE}).")
  InetAddress bind;

  @Option(names = "--port", paramLabel = "TCP", defaultValue = "0", description = "TCP port we serve on (default: any).")
  int port;

  @Option(names = "--dht-port", paramLabel = "P", defaultValue = "0", description = "UDP port of the DHT node (default: any).")
  int dhtPort;

  @Option(names = "--private", description = "Private-network DHT limits (no per-/24 bound), for loopback swarms.")
  boolean privateNetwork;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "300",
      description = "Give up after this many seconds without progress (default: ${DEFAULT-VALUE}; 0 = never).")
  int stallSeconds;

  /** Parses a magnet link or info-hash; a bad one is a usage error (exit 2). */
  static final class MagnetConverter implements ITypeConverter<Magnet> {
    @Override
    public Magnet convert(String value) {
      try {
        return Magnet.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  @Override
  public Integer call() {
    if (port < 0 || port > 65535 || dhtPort < 0 || dhtPort > 65535) {
      throw new ParameterException(spec.commandLine(), "--port and --dht-port must be 0..65535");
    }
    if (stallSeconds < 0) {
      throw new ParameterException(spec.commandLine(), "--timeout must be 0 or more, got " + stallSeconds);
    }
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new ParameterException(spec.commandLine(), "--out " + out + " is not a folder");
    }
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Dht dht = ShareCommand.startDht(bind, dhtPort, bootstrap, privateNetwork);
    List<AutoCloseable> toClose = Collections.synchronizedList(new ArrayList<>());
    toClose.add(dht);
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    Thread hook = new Thread(() -> {
      ShareCommand.closeAll(toClose);
      stopped.complete(null);
    }, "dht-fetch-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      boolean joined = ShareCommand.joinIfAsked(dht, bootstrap, err);
      if (!joined && magnet.peers().isEmpty()) {
        throw new CommandFailure(
            (bootstrap.isEmpty() ? "no --bootstrap node" : "bootstrap failed")
                + " and the magnet link names no peer (x.pe): nowhere to look for peers");
      }
      FetchOptions options =
          FetchOptions.defaults().withBindAddress(bind).withPort(port).withNoSeed(noSeed)
              .withProgressInterval(Duration.ofMillis(POLL_MILLIS));
      Fetch fetch = Fetch.start(dht, magnet.toString(), out, options);
      toClose.add(0, fetch);
      Path path = await(fetch, err, stopped);
      stdout.println(path);
      stdout.flush();
      if (!noSeed) {
        err.println("seeding " + path + " on TCP " + fetch.localEndpoint() + "; Ctrl-C to stop");
        err.flush();
        waitForever(stopped);
      } else {
        ShareCommand.removeHook(hook);
        ShareCommand.closeAll(toClose);
      }
      return 0;
    } catch (RuntimeException e) {
      if (stopped.isDone()) {
        return 0;
      }
      ShareCommand.removeHook(hook);
      ShareCommand.closeAll(toClose);
      throw e;
    }
  }

  /** Polls progress and draws the bar until the download completes, fails or stalls. */
  private Path await(Fetch fetch, PrintWriter err, CompletableFuture<Void> stopped) {
    boolean console = System.console() != null;
    long lastChange = System.nanoTime();
    long lastLine = 0;
    String lastKey = "";
    while (true) {
      try {
        Path p = fetch.done().get(POLL_MILLIS, TimeUnit.MILLISECONDS);
        FetchProgress last = fetch.progress();
        err.print((console ? "\r" : "") + bar(last) + System.lineSeparator());
        err.println(summary(fetch));
        err.flush();
        return p;
      } catch (TimeoutException e) {
        // draw and go on
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommandFailure("interrupted");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof CancellationException && stopped.isDone()) {
          throw new CommandFailure("stopped");
        }
        err.println();
        String why = e.getCause() instanceof ShareException ? e.getCause().getMessage() : Await.reason(e.getCause());
        throw new CommandFailure("fetch " + fetch.infoHash() + ": " + why);
      }
      FetchProgress p = fetch.progress();
      String key = p.phase() + "/" + p.bytesVerified();
      long t = System.nanoTime();
      if (!key.equals(lastKey)) {
        lastKey = key;
        lastChange = t;
      } else if (stallSeconds > 0 && t - lastChange > TimeUnit.SECONDS.toNanos(stallSeconds)) {
        err.println();
        throw new CommandFailure("no progress for " + stallSeconds + " s ("
            + (p.phase() == FetchProgress.Phase.METADATA ? "no peer sent the metadata" : "stalled") + ", "
            + p.peers() + " peers); the .part data is kept for a resume");
      }
      if (console) {
        err.print("\r" + bar(p));
        err.flush();
      } else if (t - lastLine > TimeUnit.SECONDS.toNanos(2)) {
        lastLine = t;
        err.println(bar(p));
        err.flush();
      }
    }
  }

  private static String summary(Fetch fetch) {
    try {
      SwarmStats s = fetch.stats().get(5, TimeUnit.SECONDS);
      return String.format(Locale.ROOT, "downloaded %s (%s already on disk), %d pieces verified, %d failed, %d peers banned",
          bytes(s.bytesDownloaded()), bytes(s.bytesResumed()), s.piecesVerified(), s.piecesFailed(), s.banned().size());
    } catch (ExecutionException | TimeoutException e) {
      return "done";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "done";
    }
  }

  /** One status line: {@code [=====>    ]  45.2%  22.6 MB / 50.0 MB  12.3 MB/s  3 peers  ETA 0:02}. */
  static String bar(FetchProgress p) {
    if (p.bytesTotal() == 0) {
      return String.format(Locale.ROOT, "%-10s looking for peers and metadata... %d peers   ",
          p.phase().name().toLowerCase(Locale.ROOT), p.peers());
    }
    int filled = (int) Math.round(p.fraction() * BAR_WIDTH);
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < BAR_WIDTH; i++) {
      b.append(i < filled ? '=' : i == filled ? '>' : ' ');
    }
    b.append(']');
    String eta = p.eta().map(FetchCommand::clock).orElse("--:--");
    return String.format(Locale.ROOT, "%s %5.1f%%  %s / %s  %s/s  %d peers  ETA %s   ", b,
        100 * p.fraction(), bytes(p.bytesVerified()), bytes(p.bytesTotal()), bytes((long) p.bytesPerSecond()),
        p.peers(), eta);
  }

  static String clock(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  /** Bytes in decimal units: {@code 512 B}, {@code 22.6 MB}. */
  static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB", "PB"};
    double v = n;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  private static void waitForever(CompletableFuture<Void> stopped) {
    while (true) {
      try {
        stopped.get(1, TimeUnit.HOURS);
        return;
      } catch (TimeoutException e) {
        // keep seeding
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        return;
      }
    }
  }
}
