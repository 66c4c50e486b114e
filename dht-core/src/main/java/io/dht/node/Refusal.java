package io.dht.node;

import io.dht.id.Contact;
import java.util.Objects;

/**
 * A node that answered a store request (BEP 44 put, announce_peer) with a KRPC error instead of storing: for
 * example 205 (value too big), 206 (invalid signature), 301 (cas mismatch), 302 (sequence number too low) or 203
 * (bad token).
 *
 * @param node who refused
 * @param code the KRPC error code
 * @param message the node's error text, as sent (may be empty)
 */
public record Refusal(Contact node, int code, String message) {
  public Refusal {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(message, "message");
  }
}
