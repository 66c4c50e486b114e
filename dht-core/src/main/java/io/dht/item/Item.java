package io.dht.item;

import io.dht.bencode.BString;
import io.dht.id.NodeId;

/**
 * A BEP 44 item. {@link #value()} holds the bencoded {@code v} exactly as signed and hashed (our decoder accepts only
 * canonical bencode, so the raw bytes received and the canonical re-encoding are the same bytes).
 */
public sealed interface Item permits ImmutableItem, MutableItem {
  /** BEP 44's size limit on the bencoded {@code v}. */
  int MAX_VALUE_BYTES = 1000;

  /** The bencoded {@code v}. */
  BString value();

  /** Where the item lives in the key space. */
  NodeId target();
}
