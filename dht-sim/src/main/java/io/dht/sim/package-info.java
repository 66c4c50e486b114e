/**
 * The deterministic simulation runtime: it hosts thousands of unmodified {@code DhtNode}s in one thread on a
 * {@link io.dht.sim.VirtualClock}, a discrete-event {@link io.dht.sim.Scheduler} and an in-memory {@link
 * io.dht.sim.SimNetwork} with latency, jitter, loss, duplication, partitions and crash/restart. Every random
 * choice (ids, addresses, latencies, faults, each node's generator, the workload) derives from one seed through
 * {@link io.dht.sim.SimRandom}, so a run, and its {@linkplain io.dht.sim.SimNetwork#traceHash() trace hash},
 * replays exactly. {@link io.dht.sim.SimCluster} builds and bootstraps a network and knows the global truth (the
 * live nodes truly closest to a target) that workloads such as {@link io.dht.sim.LookupWorkload} check against.
 */
package io.dht.sim;
