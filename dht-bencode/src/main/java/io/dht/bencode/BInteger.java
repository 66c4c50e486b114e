package io.dht.bencode;

/** A bencoded integer ({@code i<value>e}), any signed 64-bit value. */
public record BInteger(long value) implements BValue {}
