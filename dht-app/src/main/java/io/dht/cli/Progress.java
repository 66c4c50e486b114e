package io.dht.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A one-line progress display on stderr for operations that take seconds (lookups, bulk puts, swarm round trips):
 * redrawn in place with a carriage return and erased when done, so it never mixes with stdout. Shown on a
 * terminal, or everywhere with {@code --progress}; never with {@code --json}. No thread of its own: the waiting
 * thread redraws it between bounded waits.
 */
final class Progress {
  private static final Duration REDRAW = Duration.ofMillis(200);
  private static final String SPINNER = "|/-\\";

  private final PrintWriter err;
  private final boolean enabled;
  private final long start = System.nanoTime();
  private int frame;
  private int width;

  Progress(PrintWriter err, boolean enabled) {
    this.err = err;
    this.enabled = enabled;
  }

  /** Whether to show progress: asked for, or stderr is a terminal; never together with JSON output. */
  static boolean wanted(boolean forced, boolean json) {
    return !json && (forced || System.console() != null);
  }

  boolean enabled() {
    return enabled;
  }

  /** Redraws the line with {@code text} and the elapsed time. */
  void show(String text) {
    if (!enabled) {
      return;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    String line =
        SPINNER.charAt(frame++ % SPINNER.length()) + " " + text + String.format(Locale.ROOT, " %.1f s", seconds);
    int pad = Math.max(0, width - line.length());
    width = line.length();
    err.print("\r" + line + " ".repeat(pad));
    err.flush();
  }

  /** Erases the line. */
  void done() {
    if (enabled && width > 0) {
      err.print("\r" + " ".repeat(width) + "\r");
      err.flush();
      width = 0;
    }
  }

  /** {@link Await#await}, redrawing "{@code what}" every 200 ms while waiting. */
  <T> T await(CompletableFuture<T> future, Duration timeout, String what) {
    if (!enabled) {
      return Await.await(future, timeout, what);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        show(what);
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          if (future.isDone()) {
            return Await.await(future, Duration.ZERO, what);
          }
          throw new CommandFailure(what + ": no result within " + timeout.toSeconds() + " s");
        }
        try {
          return future.get(Math.min(left, REDRAW.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          // redraw and wait on
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CommandFailure(what + ": interrupted");
        } catch (ExecutionException e) {
          return Await.await(future, Duration.ZERO, what); // the same one-line failure as without progress
        }
      }
    } finally {
      done();
    }
  }
}
