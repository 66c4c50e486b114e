/**
 * The UDP runtime: one {@link io.dht.transport.EventLoop} thread per loop, a plain NIO selector and one
 * non-blocking datagram channel per hosted node (two for a BEP 32 dual-stack node, one per address family, routed
 * by the destination's family). The loop is the only thread that touches a node; it adapts bytes and time for the
 * sans-I/O {@code DhtNode}, drops a flooding source's datagrams before they are decoded ({@code FloodGuard}), and
 * holds the project's single catch-all.
 */
package io.dht.transport;
