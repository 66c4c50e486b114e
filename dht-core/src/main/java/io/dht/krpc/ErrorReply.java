package io.dht.krpc;

import io.dht.bencode.BString;

/** A KRPC error ({@code y = e}): {@code [code, message]}. */
public record ErrorReply(BString transactionId, int code, String message) implements Message {}
