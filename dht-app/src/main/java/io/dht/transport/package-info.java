/**
 * The UDP runtime: one {@link io.dht.transport.EventLoop} thread per loop, a plain NIO selector and one
 * non-blocking datagram channel per hosted node. The loop is the only thread that touches a node; it adapts
 * bytes and time for the sans-I/O {@code DhtNode} and holds the project's single catch-all.
 */
package io.dht.transport;
