/**
 * The BEP 5 routing table: k-buckets split along our own id, node health by the 15-minute rule, replacement
 * caches, ping-before-evict and the per-IP and per-subnet diversity limits that resist Sybil attacks.
 */
package io.dht.routing;
