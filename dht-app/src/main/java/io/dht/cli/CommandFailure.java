package io.dht.cli;

/** An operational failure (no reply, nothing found): the CLI prints its one-line message and exits with 1. */
final class CommandFailure extends RuntimeException {
  CommandFailure(String message) {
    super(message, null, false, false);
  }
}
