/**
 * The library entry point: {@link io.dht.Dht}, a Mainline DHT node on UDP whose methods are thread-safe by
 * handing work to the node's event loop and returning {@code CompletableFuture}s completed on that loop.
 */
package io.dht;
