package io.dht.keys;

import java.io.IOException;

/**
 * A key file that cannot be read, written or parsed. The message is one line naming the file and the reason; it
 * never contains key material.
 */
public final class KeyFileException extends IOException {
  private static final long serialVersionUID = 1L;

  KeyFileException(String message) {
    super(message);
  }

  KeyFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
