package io.dht.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Assertions;

/**
 * What the test fixtures that drive a foreign DHT through a script ({@link JsDhtCluster}, {@link LibtorrentPeer})
 * share: the child process, one line per request on its stdin and one reply line (with the request's tag) on its
 * stdout, the recent stdout lines for diagnostics, and a bounded stop through the {@link Process} handle (destroy,
 * then destroyForcibly), never by name.
 *
 * <p>Threads: one daemon thread reads the script's stdout, keeps the recent lines and hands each to {@link
 * #onLine}, which completes {@link #ready} or the waiting request; callers block on their request with a bound.
 *
 * @param <R> a parsed reply line
 */
abstract class ScriptPeer<R> implements AutoCloseable {
  /** Set to 1 (CI does) to turn a missing peer into a test failure instead of a skip. */
  static final String REQUIRE_ENV = "DHT_REQUIRE_PEERS";

  static final Duration STOP_STEP = Duration.ofSeconds(3);

  /** The peer cannot run on this machine (its runtime is missing, or it cannot be installed or imported). */
  static final class UnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message) {
      super(message);
    }
  }

  final Process process;
  final Path stderrLog;
  /** Completed by {@link #onLine} with the script's ready line, or exceptionally when it fails or exits. */
  final CompletableFuture<R> ready = new CompletableFuture<>();

  private final String name;
  private final String quitLine;
  private final int keptLines;
  private final Writer stdin;
  private final Thread reader;
  private final Map<String, CompletableFuture<R>> pending = new ConcurrentHashMap<>();
  private final Deque<String> lines = new ArrayDeque<>(); // guarded by itself
  private final AtomicLong tags = new AtomicLong();

  /**
   * {@code name} prefixes messages and the reader thread's name; {@code quitLine} asks the script to exit; the
   * last {@code keptLines} stdout lines are kept. Subclasses call {@link #startReader()} at the end of their
   * constructor.
   */
  ScriptPeer(Process process, Path stderrLog, String name, String quitLine, int keptLines) {
    this.process = process;
    this.stderrLog = stderrLog;
    this.name = name;
    this.quitLine = quitLine;
    this.keptLines = keptLines;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.reader = new Thread(this::readStdout, name + "-stdout-" + process.pid());
    reader.setDaemon(true);
  }

  final void startReader() {
    reader.start();
  }

  // ------------------------------------------------------------------ availability

  static boolean peersRequired() {
    String v = System.getenv(REQUIRE_ENV);
    return "1".equals(v) || "true".equalsIgnoreCase(v);
  }

  /**
   * What to do about an unavailable peer ({@code why}): returns the reason to skip with ({@code Assumptions}), or
   * fails right here when {@value #REQUIRE_ENV}=1.
   */
  static String skipOrFail(String why) {
    if (peersRequired()) {
      return Assertions.fail(why + " (" + REQUIRE_ENV + "=1 makes this a failure)");
    }
    return why + " (skipped; set " + REQUIRE_ENV + "=1 to fail instead)";
  }

  /** Copies the test resource {@code /interop/<script>} into {@code dir} (atomically replacing an older copy). */
  static void copyScript(String script, Path dir) throws IOException {
    try (InputStream in = ScriptPeer.class.getResourceAsStream("/interop/" + script)) {
      if (in == null) {
        throw new IllegalStateException("test resource /interop/" + script + " is missing");
      }
      Path tmp = Files.createTempFile(dir, script, ".tmp");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, dir.resolve(script), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  // ------------------------------------------------------------------ stop

  /** destroy, then destroyForcibly, each with a bounded wait. */
  static void stop(Process p) {
    try {
      p.destroy();
      if (!p.waitFor(STOP_STEP.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(STOP_STEP.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Asks the script to quit, then stops the process: destroy, then destroyForcibly, each wait bounded. */
  @Override
  public void close() {
    try {
      synchronized (stdin) {
        stdin.write(quitLine + "\n");
        stdin.close();
      }
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!process.waitFor(STOP_STEP.toMillis(), TimeUnit.MILLISECONDS)) {
        stop(process);
      }
      reader.join(STOP_STEP.toMillis());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ requests

  /** One stdout line (already kept among the recent lines): complete {@link #ready} or call {@link #complete}. */
  abstract void onLine(String text);

  /** Completes the request waiting under {@code tag}, if any. */
  final void complete(String tag, R reply) {
    CompletableFuture<R> waiter = pending.remove(tag);
    if (waiter != null) {
      waiter.complete(reply);
    }
  }

  private void readStdout() {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String text;
      while ((text = in.readLine()) != null) {
        remember(text);
        onLine(text);
      }
    } catch (IOException e) {
      remember("(stdout read failed: " + e + ")");
    }
    String exit;
    try {
      exit = process.waitFor(STOP_STEP.toMillis(), TimeUnit.MILLISECONDS) ? "exit " + process.exitValue() : "running";
    } catch (InterruptedException e) {
      exit = "unknown";
    }
    IllegalStateException gone = new IllegalStateException(name + " stdout closed (" + exit + ")");
    ready.completeExceptionally(gone);
    pending.values().forEach(f -> f.completeExceptionally(gone));
  }

  private void remember(String text) {
    synchronized (lines) {
      lines.addLast(text);
      while (lines.size() > keptLines) {
        lines.removeFirst();
      }
    }
  }

  /**
   * Writes {@code line.apply(tag)} with a fresh tag and waits up to {@code bound} for the reply with that tag.
   * Throws {@link IllegalStateException} (naming the request as {@code shown}) on timeout or when the process is
   * gone.
   */
  final R exchange(String shown, Duration bound, Function<String, String> line) {
    String tag = Long.toString(tags.incrementAndGet());
    CompletableFuture<R> reply = new CompletableFuture<>();
    pending.put(tag, reply);
    try {
      synchronized (stdin) {
        stdin.write(line.apply(tag) + "\n");
        stdin.flush();
      }
      return reply.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (IOException e) {
      throw new IllegalStateException(name + ": cannot send " + shown + ": " + e.getMessage(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException(name + ": no reply to " + shown + " within " + bound.toMillis() + " ms");
    } catch (ExecutionException e) {
      throw new IllegalStateException(name + ": " + shown + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for " + shown, e);
    } finally {
      pending.remove(tag);
    }
  }

  /** The script's recent stdout lines. */
  final List<String> recentLines() {
    synchronized (lines) {
      return new ArrayList<>(lines);
    }
  }

  /** Process state, the last 40 stdout lines and the last 20 stderr lines, for failure messages. */
  final String processDiagnostics() {
    List<String> recent = recentLines();
    String stderrTail;
    try {
      List<String> all = Files.exists(stderrLog) ? Files.readAllLines(stderrLog) : List.of();
      stderrTail = String.join("\n  ", all.subList(Math.max(0, all.size() - 20), all.size()));
    } catch (IOException | UncheckedIOException e) {
      stderrTail = "(unreadable: " + e + ")";
    }
    return "pid " + process.pid() + (process.isAlive() ? " running" : " exited")
        + "; last stdout lines:\n  "
        + String.join("\n  ", recent.subList(Math.max(0, recent.size() - 40), recent.size()))
        + "\nstderr tail (" + stderrLog + "):\n  " + stderrTail;
  }
}
