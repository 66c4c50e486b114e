package io.dht.cli;

import io.dht.Dht;
import io.dht.id.Endpoint;
import io.dht.node.DhtConfig;
import io.dht.share.Share;
import io.dht.share.ShareOptions;
import io.dht.share.SwarmStats;
import io.dht.share.Torrent;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dht share PATH}: hashes a file or folder, prints its magnet link on stdout, serves it to BitTorrent peers
 * and announces it on the DHT until SIGINT/SIGTERM (a shutdown hook closes the share and the node). Status lines go
 * to stderr every minute.
 */
@Command(
    name = "share",
    mixinStandardHelpOptions = true,
    description = "Share a file or folder: print its magnet link, then serve it until Ctrl-C.")
final class ShareCommand implements Callable<Integer> {
  private static final Duration BOOTSTRAP_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STATUS_INTERVAL = Duration.ofMinutes(1);

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PATH", description = "The file or folder to share.")
  Path path;

  @Option(names = "--port", paramLabel = "TCP", defaultValue = "0", description = "TCP port for peers (default: any).")
  int port;

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      defaultValue = "0.0.0.0",
      converter = Converters.Address.class,
      description = "Local address for the DHT node and the TCP listener (default: ${DEFAULT-VALUE}).")
  InetAddress bind;

  @Option(
      names = "--bootstrap",
      paramLabel = "HOST:PORT",
      converter = Converters.HostPort.class,
      description = "A DHT node to join through (repeatable).")
  List<Endpoint> bootstrap = new ArrayList<>();

  @Option(names = "--dht-port", paramLabel = "P", defaultValue = "0", description = "UDP port of the DHT node (default: any).")
  int dhtPort;

  @Option(names = "--private", description = "Private-network DHT limits (no per-/24 bound), for loopback swarms.")
  boolean privateNetwork;

  @Override
  public Integer call() {
    checkPort("--port", port);
    checkPort("--dht-port", dhtPort);
    if (!Files.exists(path)) {
      throw new ParameterException(spec.commandLine(), "no such file or folder: " + path);
    }
    if (!Files.isReadable(path)) {
      throw new ParameterException(spec.commandLine(), "cannot read " + path);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Dht dht = startDht(bind, dhtPort, bootstrap, privateNetwork);
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    List<AutoCloseable> toClose = Collections.synchronizedList(new ArrayList<>());
    toClose.add(dht);
    Thread hook = new Thread(() -> {
      closeAll(toClose);
      stopped.complete(null);
    }, "dht-share-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      joinIfAsked(dht, bootstrap, err);
      err.println("hashing " + path + " ...");
      err.flush();
      Share share;
      try {
        share = Share.start(dht, path, ShareOptions.defaults().withBindAddress(bind).withPort(port));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      toClose.add(0, share);
      Torrent t = share.torrent();
      Endpoint reachable = new Endpoint(hintAddress(bind), share.localEndpoint().port());
      out.println(share.magnet(reachable));
      out.flush();
      err.printf(
          "sharing '%s' (%s, %d pieces of %s), info-hash %s; peers on TCP %s, DHT node on UDP %s; Ctrl-C to stop%n",
          t.name(), FetchCommand.bytes(t.totalLength()), t.pieceCount(), FetchCommand.bytes(t.pieceLength()),
          t.infoHash(), share.localEndpoint(), dht.localEndpoint());
      err.flush();
      while (!waitStopped(stopped)) {
        try {
          SwarmStats s = share.stats().get(10, TimeUnit.SECONDS);
          err.printf("%d peers connected, %s uploaded, %d announces%n",
              s.peers(), FetchCommand.bytes(s.bytesUploaded()), s.announces());
          err.flush();
        } catch (ExecutionException | TimeoutException e) {
          // closing
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      return 0;
    } catch (RuntimeException e) {
      if (stopped.isDone()) {
        return 0; // interrupted by Ctrl-C while starting
      }
      removeHook(hook);
      closeAll(toClose);
      throw e;
    }
  }

  private void checkPort(String name, int value) {
    if (value < 0 || value > 65535) {
      throw new ParameterException(spec.commandLine(), name + " must be 0..65535, got " + value);
    }
  }

  static Dht startDht(InetAddress bind, int dhtPort, List<Endpoint> bootstrap, boolean privateNetwork) {
    return Dht.builder()
        .bindAddress(bind)
        .port(dhtPort)
        .bootstrap(bootstrap)
        .config(privateNetwork ? DhtConfig.privateNetwork() : DhtConfig.defaults())
        .start();
  }

  /** Bootstraps when contacts were given; a failure is a warning (peers may still reach us directly). */
  static boolean joinIfAsked(Dht dht, List<Endpoint> bootstrap, PrintWriter err) {
    if (bootstrap.isEmpty()) {
      return false;
    }
    try {
      Bootstrap.join(dht, bootstrap, BOOTSTRAP_TIMEOUT);
      return true;
    } catch (CommandFailure e) {
      err.println("warning: " + e.getMessage() + "; going on without the DHT");
      err.flush();
      return false;
    }
  }

  /** The address to put in the magnet's peer hint: the bind address, or for a wildcard a likely reachable one. */
  static InetAddress hintAddress(InetAddress bind) {
    if (!bind.isAnyLocalAddress()) {
      return bind;
    }
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp() || nif.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
            return a;
          }
        }
      }
    } catch (SocketException e) {
      // fall back to loopback
    }
    return InetAddress.getLoopbackAddress();
  }

  static void closeAll(List<AutoCloseable> resources) {
    synchronized (resources) {
      for (AutoCloseable c : resources) {
        try {
          c.close();
        } catch (Exception e) {
          // closing anyway
        }
      }
      resources.clear();
    }
  }

  static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down already
    }
  }

  private static boolean waitStopped(CompletableFuture<Void> stopped) {
    try {
      stopped.get(STATUS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    } catch (ExecutionException e) {
      return true;
    }
  }
}
