package io.dht.node;

import io.dht.id.Contact;

/** A node answered our ping. */
public record PingResult(Contact contact, long rttNanos) {}
