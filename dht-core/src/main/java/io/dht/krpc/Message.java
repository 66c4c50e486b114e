package io.dht.krpc;

import io.dht.bencode.BString;

/** A decoded KRPC message: a query, a response or an error, each carrying the transaction id to echo or match. */
public sealed interface Message permits Query, Response, ErrorReply {
  /** The transaction id exactly as received (any length). */
  BString transactionId();
}
