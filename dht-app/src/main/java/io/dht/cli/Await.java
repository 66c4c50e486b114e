package io.dht.cli;

import io.dht.node.DhtException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The CLI's only way to wait: a bounded {@code get} whose failures become one-line {@link CommandFailure}s. */
final class Await {
  private Await() {}

  static <T> T await(CompletableFuture<T> future, Duration timeout, String what) {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailure(what + ": interrupted");
    } catch (TimeoutException e) {
      throw new CommandFailure(what + ": no result within " + timeout.toSeconds() + " s");
    } catch (ExecutionException e) {
      String reason = reason(e.getCause());
      // Avoid "bootstrap: bootstrap failed: ..." when the cause already names the step.
      throw new CommandFailure(reason.startsWith(what) ? reason : what + ": " + reason);
    }
  }

  static String reason(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof DhtException && e.getMessage() != null) {
      return e.getMessage();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
