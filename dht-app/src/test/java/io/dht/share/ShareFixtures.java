package io.dht.share;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.Dht;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;

/** Helpers for the sharing tests: deterministic data, bounded waits, DHT visibility of announces. */
final class ShareFixtures {
  private ShareFixtures() {}

  /** Writes {@code size} pseudo-random bytes from {@code seed} (the same bytes for the same seed). */
  static Path writeData(Path file, long size, long seed) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    SplittableRandom random = new SplittableRandom(seed);
    byte[] chunk = new byte[1 << 20];
    ByteBuffer view = ByteBuffer.wrap(chunk);
    try (OutputStream out = Files.newOutputStream(file)) {
      long left = size;
      while (left > 0) {
        view.clear();
        while (view.remaining() >= 8) {
          view.putLong(random.nextLong());
        }
        int n = (int) Math.min(left, chunk.length);
        out.write(chunk, 0, n);
        left -= n;
      }
    }
    return file;
  }

  static <T> T await(CompletableFuture<T> future, Duration bound) throws Exception {
    try {
      return future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + bound.toSeconds() + " s", e);
    }
  }

  /** Repeats get_peers from {@code dht} until every endpoint of {@code expected} is found (bounded). */
  static List<Endpoint> awaitPeers(Dht dht, NodeId infoHash, Collection<Endpoint> expected, Duration bound)
      throws Exception {
    Set<Endpoint> seen = new HashSet<>();
    Awaitility.await("get_peers " + infoHash + " finds " + expected)
        .atMost(bound)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> {
          seen.addAll(await(dht.getPeers(infoHash), Duration.ofSeconds(10)).peers());
          return seen.containsAll(expected);
        });
    return List.copyOf(seen);
  }

  /** Asserts the share or fetch caught no unexpected exception. */
  static void assertNoInternalErrors(SwarmStats stats) {
    assertThat(stats.internalErrors()).as("internal errors").isZero();
  }
}
