package io.dht.node;

/** Base of the failures a {@code CompletableFuture} of the DHT API can complete with. */
public class DhtException extends RuntimeException {
  public DhtException(String message) {
    super(message);
  }

  public DhtException(String message, Throwable cause) {
    super(message, cause);
  }
}
