/**
 * Ed25519 signing keys for BEP 44 mutable items: generation, derivation from a 32-byte seed, and a small text key
 * file (see {@link io.dht.keys.SigningKeyPair}). The protocol core only signs and verifies ({@link
 * io.dht.item.Ed25519}); making keys needs randomness and files, so it lives here.
 */
package io.dht.keys;
