/**
 * BEP 44 items: immutable and mutable (Ed25519-signed) values, their targets and signed buffers, and the bounded,
 * expiring store a node keeps them in.
 */
package io.dht.item;
