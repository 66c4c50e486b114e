/**
 * The node: the sans-I/O protocol state machine ({@link io.dht.node.DhtNode}), its ports (transport and clock),
 * its configuration, and the result records and exceptions of the public API.
 */
package io.dht.node;
