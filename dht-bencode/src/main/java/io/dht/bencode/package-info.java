/**
 * Bencode, the serialization format of BitTorrent and of KRPC messages in the Mainline DHT:
 * an immutable value model ({@link io.dht.bencode.BValue} with its four variants
 * {@link io.dht.bencode.BString}, {@link io.dht.bencode.BInteger}, {@link io.dht.bencode.BList}
 * and {@link io.dht.bencode.BDictionary}) and the codec {@link io.dht.bencode.Bencode}. The
 * decoder is strict and bounded: it accepts only the canonical encoding of a single value,
 * enforces the {@link io.dht.bencode.DecodeLimits} given to it before allocating anything an
 * attacker declares, and reports every malformed input as a
 * {@link io.dht.bencode.DecodeException}; the encoder always produces the canonical form, so
 * {@code encode(decode(bytes))} reproduces any accepted input exactly.
 */
package io.dht.bencode;
