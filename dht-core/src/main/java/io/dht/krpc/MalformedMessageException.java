package io.dht.krpc;

import io.dht.bencode.BString;
import java.util.Optional;

/**
 * A datagram that is valid bencode but not a valid KRPC message. When it was a query whose transaction id could be
 * read, the node answers it with error 203 and this reason.
 */
public final class MalformedMessageException extends Exception {
  private final transient BString transactionId;
  private final boolean query;

  public MalformedMessageException(String reason, BString transactionId, boolean query) {
    super(reason, null, false, false); // expected for bad input: no stack trace to fill in
    this.transactionId = transactionId;
    this.query = query;
  }

  /** The transaction id, when it was readable. */
  public Optional<BString> transactionId() {
    return Optional.ofNullable(transactionId);
  }

  /** Whether the message declared itself a query ({@code y = q}). */
  public boolean isQuery() {
    return query;
  }
}
