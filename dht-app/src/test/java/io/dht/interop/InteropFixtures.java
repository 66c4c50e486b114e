package io.dht.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.Dht;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.node.DhtConfig;
import io.dht.node.NodeStats;
import io.dht.node.PutResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Fixture code the interop tests share: our nodes on loopback, bounded waits on their futures and on conditions,
 * and the failure diagnostics of our side.
 */
final class InteropFixtures {
  /** Bound of one call into a node (a lookup on loopback takes milliseconds). */
  static final Duration STEP = Duration.ofSeconds(10);

  private InteropFixtures() {}

  /**
   * Starts our node on loopback {@code host} (any port, private network) with {@code seeds}; adds it to {@code
   * java}.
   */
  static Dht startJava(String host, List<Endpoint> seeds, List<Dht> java) {
    Dht d =
        Dht.builder()
            .bindAddress(Endpoint.parseAddress(host))
            .port(0)
            .config(DhtConfig.privateNetwork())
            .bootstrap(seeds)
            .start();
    java.add(d);
    return d;
  }

  /** Waits for a node future with a bound; failures become AssertionErrors naming the step. */
  static <T> T get(CompletableFuture<T> future, String what) {
    try {
      return future.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(what + ": no result within " + STEP.toSeconds() + " s", e);
    } catch (ExecutionException e) {
      throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(what + ": interrupted", e);
    }
  }

  /** Polls {@code condition} every 100 ms until true; fails after {@code bound}. */
  static void awaitTrue(String what, Duration bound, BooleanSupplier condition) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(what + ": not within " + bound.toMillis() + " ms");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(what + ": interrupted", e);
      }
    }
  }

  static long elapsedMillis(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /** The class budget: the time used since {@code startNanos} (the setup's start) is less than {@code budget}. */
  static void assertWithinBudget(long startNanos, Duration budget, String description) {
    assertThat(Duration.ofMillis(elapsedMillis(startNanos))).as(description).isLessThan(budget);
  }

  /**
   * Closes our nodes, then the foreign peer (null when it never started), and prints "[{@code tag}] done in ..."
   * when the setup got as far as starting the clock ({@code startNanos} not 0).
   */
  static void stopNodes(String tag, List<Dht> java, ScriptPeer<?> peer, long startNanos) {
    for (Dht d : java) {
      d.close();
    }
    if (peer != null) {
      peer.close();
    }
    if (startNanos != 0) {
      System.out.printf("[%s] done in %d ms after setup started%n", tag, elapsedMillis(startNanos));
    }
  }

  /** No internal error at any of our nodes (each test's {@code @AfterEach}). */
  static void assertNoInternalErrors(List<Dht> java) {
    for (Dht d : java) {
      assertThat(get(d.stats(), "stats").internalErrors()).as("internal errors of %s", d).isZero();
    }
  }

  /** The sum of one counter over our nodes. */
  static long sumStats(List<Dht> java, ToLongFunction<NodeStats> field) {
    long sum = 0;
    for (Dht d : java) {
      sum += field.applyAsLong(get(d.stats(), "stats"));
    }
    return sum;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The endpoints of the nodes that stored a put. */
  static List<Endpoint> endpoints(PutResult put) {
    return put.storedOn().stream().map(Contact::endpoint).toList();
  }

  /** Prints "===== {@code title} diagnostics after &lt;test&gt; failed: ..." and {@code diagnostics} on a failure. */
  static TestWatcher diagnoseFailures(String title, Supplier<String> diagnostics) {
    return new TestWatcher() {
      @Override
      public void testFailed(ExtensionContext context, Throwable cause) {
        System.out.println(
            "===== " + title + " diagnostics after " + context.getDisplayName() + " failed: " + cause + "\n"
                + diagnostics.get());
      }
    };
  }

  /** Routing table (each contact as {@code contact} shows it) and stats of each of our nodes; never throws. */
  static void appendTablesAndStats(StringBuilder sb, List<Dht> java, Function<Contact, String> contact) {
    for (Dht d : java) {
      sb.append("Java ").append(d).append('\n');
      try {
        List<Contact> table = d.routingTable().get(2, TimeUnit.SECONDS);
        sb.append("  table (").append(table.size()).append("): ")
            .append(table.stream().map(contact).collect(Collectors.joining(" ")))
            .append('\n');
        sb.append("  ").append(d.stats().get(2, TimeUnit.SECONDS)).append('\n');
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        sb.append("  (unavailable: ").append(e).append(")\n");
      }
    }
  }

  /** Stats of each of our nodes, one line each; never throws. */
  static void appendStats(StringBuilder sb, List<Dht> java) {
    for (Dht d : java) {
      try {
        sb.append("Java ").append(d).append(": ").append(d.stats().get(2, TimeUnit.SECONDS)).append('\n');
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        sb.append("Java ").append(d).append(" (unavailable: ").append(e).append(")\n");
      }
    }
  }

  /** libtorrent's last {@code n} packets with each of our nodes. */
  static void appendPackets(StringBuilder sb, LibtorrentPeer lt, List<Dht> java, int n) {
    for (Dht d : java) {
      sb.append("libtorrent <-> ").append(d.localEndpoint()).append(" (last packets):\n");
      for (String p : lt.packets(d.localEndpoint(), n)) {
        sb.append("  ").append(p).append('\n');
      }
    }
  }

  /** Prints a node's query and error counters under {@code tag} (the items tests' summary line). */
  static NodeStats printErrorCounters(String tag, Dht d) {
    NodeStats s = get(d.stats(), "stats");
    System.out.printf(
        "[%s] %s: %d queries in, %d errors sent, %d errors in, %d undecodable%n",
        tag, d.localEndpoint(), s.queriesIn(), s.errorsSent(), s.errorsIn(), s.undecodable());
    return s;
  }
}
