/**
 * Prometheus metrics ({@code GET /metrics}) through Micrometer: {@link io.dht.metrics.DhtMetrics} turns the
 * counters each node's loop snapshots ({@code NodeStats}, {@code DurabilityStats}, replica counts) into meters
 * named {@code dht_*}. See {@code docs/operations.md} for the list.
 */
package io.dht.metrics;
