package io.dht.share;

import io.dht.node.DhtException;

/** A share or fetch failed: content unreadable or unwritable, metadata unusable, the target already exists. */
public class ShareException extends DhtException {
  public ShareException(String message) {
    super(message);
  }

  public ShareException(String message, Throwable cause) {
    super(message, cause);
  }
}
